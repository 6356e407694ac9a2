//! Unit tests of the ratchet tree: structure, staging, hashing, and one negative test per
//! [`TreeError`] check.

use alloc::vec::Vec;

use super::*;
use crate::crypto::rust_crypto::RustCrypto;
use crate::crypto::{CipherSuite, CryptoProvider, HpkePublicKey};
use crate::error::{DecodeError, Error, TreeError};
use crate::fuzzing::tree::generate_tree;
use crate::messages::{
    Credential, CredentialType, Extension, ExtensionType, LeafNodeSource, Lifetime,
};
use crate::tree_math::{LeafIndex, NodeIndex};

const GROUP: &[u8] = b"group";

fn provider() -> RustCrypto {
    RustCrypto::new()
}

fn with_cs<R>(f: impl FnOnce(&dyn CipherSuiteProvider) -> R) -> R {
    let p = provider();
    f(p.cipher_suite_provider(CipherSuite(1)).unwrap())
}

fn nodes_of(tree: &RatchetTree) -> Vec<Option<Node>> {
    (0..tree.size().node_width())
        .map(NodeIndex)
        .map(|x| {
            if x.is_leaf() {
                tree.leaf(x.leaf().unwrap())
                    .map(|l| Node::Leaf(l.to_leaf_node().unwrap()))
            } else {
                tree.parent_node(x)
                    .map(|p| Node::Parent(p.to_parent_node().unwrap()))
            }
        })
        .collect()
}

fn rebuild(mut nodes: Vec<Option<Node>>) -> RatchetTree {
    while matches!(nodes.last(), Some(None)) {
        nodes.pop();
    }
    RatchetTree::from_nodes(&nodes).unwrap()
}

fn leaf_mut(nodes: &mut [Option<Node>], leaf: usize) -> &mut LeafNode {
    match nodes.get_mut(leaf * 2) {
        Some(Some(Node::Leaf(l))) => l,
        _ => panic!("no leaf {leaf}"),
    }
}

fn parent_mut(nodes: &mut [Option<Node>], x: usize) -> &mut ParentNode {
    match nodes.get_mut(x) {
        Some(Some(Node::Parent(p))) => p,
        _ => panic!("no parent {x}"),
    }
}

/// A tree with `n` members and only blank parents.
fn leaves_only(cs: &dyn CipherSuiteProvider, n: u32) -> Vec<Option<Node>> {
    let mut nodes = nodes_of(&generate_tree(cs, n, GROUP).unwrap());
    for (i, n) in nodes.iter_mut().enumerate() {
        if i % 2 == 1 {
            *n = None;
        }
    }
    nodes
}

fn validate(cs: &dyn CipherSuiteProvider, tree: &mut RatchetTree) -> Result<(), Error> {
    tree.validate(cs, &TreeValidation::new(GROUP))
}

fn tree_err(e: TreeError) -> Result<(), Error> {
    Err(Error::Tree(e))
}

#[test]
fn generated_trees_validate_and_round_trip() {
    with_cs(|cs| {
        for n in [1, 2, 3, 5, 8, 13] {
            let mut tree = generate_tree(cs, n, GROUP).unwrap();
            let hash = tree.tree_hash(cs).unwrap();
            let mut params = TreeValidation::new(GROUP);
            params.tree_hash = Some(&hash);
            params.now = Some(1_000);
            tree.validate(cs, &params).unwrap();
            let enc = tree.encode_extension().unwrap();
            let mut decoded = RatchetTree::decode_extension(&enc).unwrap();
            assert_eq!(decoded, tree);
            assert_eq!(decoded.tree_hash(cs).unwrap(), hash);
            assert_eq!(decoded.member_count(), n);
        }
    });
}

#[test]
fn decode_rejects_malformed_trees() {
    let err = |b: &[u8]| RatchetTree::decode_extension(b).unwrap_err();
    assert_eq!(err(&[0x00]), Error::Tree(TreeError::EmptyTree));
    with_cs(|cs| {
        let tree = generate_tree(cs, 2, GROUP).unwrap();
        let enc = tree.encode_extension().unwrap();
        // Append a blank node: the last node must not be blank.
        let (_, content) = codec::read_varint(&enc).unwrap();
        let mut body = content.to_vec();
        body.push(0);
        let mut trailing = Vec::new();
        codec::write_opaque(&body, &mut trailing).unwrap();
        assert_eq!(err(&trailing), Error::Tree(TreeError::TrailingBlankNode));
        // A leaf at a parent position: drop the first leaf.
        let nodes = nodes_of(&tree);
        let leaf0 = codec::encode(nodes[0].as_ref().unwrap()).unwrap();
        let mut shifted = Vec::new();
        codec::write_opaque(&body[1 + leaf0.len()..body.len() - 1], &mut shifted).unwrap();
        assert_eq!(err(&shifted), Error::Tree(TreeError::NodeTypeMismatch));
        // Unknown node type, invalid optional octet, truncation, trailing bytes.
        assert_eq!(
            err(&[0x02, 0x01, 0x03]),
            Error::Decode(DecodeError::UnknownValue)
        );
        assert_eq!(
            err(&[0x01, 0x02]),
            Error::Decode(DecodeError::InvalidOptional)
        );
        assert_eq!(
            err(&enc[..enc.len() - 1]),
            Error::Decode(DecodeError::EndOfInput)
        );
        let mut long = enc.clone();
        long.push(0);
        assert_eq!(err(&long), Error::Decode(DecodeError::TrailingBytes));
        assert_eq!(
            RatchetTree::from_nodes(&[Some(Node::Parent(ParentNode::default()))]),
            Err(Error::Tree(TreeError::NodeTypeMismatch))
        );
    });
}

#[test]
fn resolution_and_filtered_direct_path_follow_the_rfc_example() {
    with_cs(|cs| {
        // RFC 9420 §4.1.2 figure: leaves A B _ D E F _ H, X[B] at node 3, Y at node 9.
        let mut nodes = nodes_of(&generate_tree(cs, 8, GROUP).unwrap());
        for (i, n) in nodes.iter_mut().enumerate() {
            if i % 2 == 1 {
                *n = None;
            }
        }
        nodes[4] = None;
        nodes[12] = None;
        let key = |b: u8| HpkePublicKey(alloc::vec![b; 32]);
        nodes[3] = Some(Node::Parent(ParentNode {
            encryption_key: key(1),
            parent_hash: Vec::new(),
            unmerged_leaves: alloc::vec![LeafIndex(1)],
        }));
        nodes[9] = Some(Node::Parent(ParentNode {
            encryption_key: key(2),
            ..Default::default()
        }));
        let tree = rebuild(nodes);
        let r = |x: u32| {
            tree.resolution(NodeIndex(x))
                .iter()
                .map(|n| n.0)
                .collect::<Vec<_>>()
        };
        assert_eq!(r(3), [3, 2]);
        assert_eq!(r(4), [0u32; 0]);
        assert_eq!(r(7), [3, 2, 9, 14]);
        assert_eq!(r(100), [0u32; 0]);
        // Leaf 7 (H): copath 12 (blank), 9, 3 -> filtered path drops node 13.
        let fdp = tree.filtered_direct_path(LeafIndex(7));
        assert_eq!(
            fdp,
            [(NodeIndex(11), NodeIndex(9)), (NodeIndex(7), NodeIndex(3))]
        );
        assert_eq!(tree.node_public_key(NodeIndex(9)), Some(&[2u8; 32][..]));
        assert!(tree.leaf(LeafIndex(2)).is_none());
        assert_eq!(
            tree.find_leaf(
                |l| l.signature_key() == tree.leaf(LeafIndex(5)).unwrap().signature_key()
            ),
            Some(LeafIndex(5))
        );
    });
}

#[test]
fn diff_add_update_remove_and_incremental_hash() {
    with_cs(|cs| {
        let mut tree = generate_tree(cs, 5, GROUP).unwrap();
        let before = tree.clone();
        let root_before = tree.tree_hash(cs).unwrap();
        let extra = generate_tree(cs, 4, b"other").unwrap();
        let new_leaf = |i: u32| extra.leaf(LeafIndex(i)).unwrap().to_leaf_node().unwrap();

        // Dropping a diff leaves the base untouched.
        {
            let mut diff = tree.diff();
            diff.add_leaf(&new_leaf(0)).unwrap();
            diff.remove_leaf(LeafIndex(0)).unwrap();
            let _ = diff.tree_hash(cs).unwrap();
        }
        assert_eq!(tree, before);
        assert_eq!(tree.tree_hash(cs).unwrap(), root_before);

        let mut diff = tree.diff();
        // Leaf 5 is the leftmost blank one; non-blank parents above it get it as unmerged.
        assert_eq!(diff.add_leaf(&new_leaf(0)).unwrap(), LeafIndex(5));
        for p in diff.size().direct_path(NodeIndex(10)).unwrap() {
            if let Some(node) = diff.parent_node(p) {
                assert!(node.has_unmerged(LeafIndex(5)));
            }
        }
        diff.update_leaf(LeafIndex(1), &new_leaf(1)).unwrap();
        assert!(diff.parent_node(NodeIndex(1)).is_none());
        assert!(diff.parent_node(NodeIndex(3)).is_none());
        let staged_hash = diff.tree_hash(cs).unwrap();
        let staged_encoding = diff.encode_extension().unwrap();
        assert!(diff.changed_nodes() < 10);
        let staged = diff.into_staged();
        tree.merge(staged).unwrap();
        assert_eq!(tree.encode_extension().unwrap(), staged_encoding);
        assert_eq!(tree.tree_hash(cs).unwrap(), staged_hash);
        let mut fresh = RatchetTree::decode_extension(&staged_encoding).unwrap();
        assert_eq!(fresh.tree_hash(cs).unwrap(), staged_hash);

        // Grow to 9 members (extends to 16 leaves), then shrink back by removals.
        let mut diff = tree.diff();
        for i in 2..4 {
            diff.add_leaf(&new_leaf(i)).unwrap();
        }
        let more = generate_tree(cs, 2, b"third").unwrap();
        for i in 0..2 {
            diff.add_leaf(&more.leaf(LeafIndex(i)).unwrap().to_leaf_node().unwrap())
                .unwrap();
        }
        assert_eq!(diff.size().leaf_count(), 16);
        assert_eq!(diff.member_count(), 10);
        let h = diff.tree_hash(cs).unwrap();
        let staged = diff.into_staged();
        tree.merge(staged).unwrap();
        assert_eq!(tree.tree_hash(cs).unwrap(), h);
        let mut diff = tree.diff();
        diff.remove_leaf(LeafIndex(9)).unwrap();
        diff.remove_leaf(LeafIndex(8)).unwrap();
        assert_eq!(diff.size().leaf_count(), 8);
        // Re-extending in the same diff must see the discarded root as blank.
        diff.add_leaf(&more.leaf(LeafIndex(0)).unwrap().to_leaf_node().unwrap())
            .unwrap();
        diff.add_leaf(&more.leaf(LeafIndex(1)).unwrap().to_leaf_node().unwrap())
            .unwrap();
        assert_eq!(diff.size().leaf_count(), 16);
        assert!(diff.is_blank(NodeIndex(15)));
        let h = diff.tree_hash(cs).unwrap();
        let enc = diff.encode_extension().unwrap();
        let staged = diff.into_staged();
        tree.merge(staged).unwrap();
        assert_eq!(tree.encode_extension().unwrap(), enc);
        assert_eq!(tree.tree_hash(cs).unwrap(), h);
        assert_eq!(
            RatchetTree::decode_extension(&enc)
                .unwrap()
                .tree_hash(cs)
                .unwrap(),
            h
        );
    });
}

#[test]
fn diff_errors() {
    with_cs(|cs| {
        let mut tree = generate_tree(cs, 3, GROUP).unwrap();
        let leaf = tree.leaf(LeafIndex(0)).unwrap().to_leaf_node().unwrap();
        let mut diff = tree.diff();
        assert_eq!(
            diff.remove_leaf(LeafIndex(3)),
            tree_err(TreeError::LeafIsBlank)
        );
        assert_eq!(
            diff.update_leaf(LeafIndex(3), &leaf),
            tree_err(TreeError::LeafIsBlank)
        );
        assert_eq!(
            diff.update_leaf(LeafIndex(4), &leaf),
            tree_err(TreeError::LeafOutOfRange)
        );
        assert_eq!(
            diff.set_parent_node(NodeIndex(99), &ParentNode::default()),
            tree_err(TreeError::NodeOutOfRange)
        );
        assert_eq!(
            diff.set_parent_node(NodeIndex(2), &ParentNode::default()),
            tree_err(TreeError::NodeTypeMismatch)
        );
        assert_eq!(
            diff.parent_hashes_for_path(cs, LeafIndex(0), &[])
                .unwrap_err(),
            Error::Tree(TreeError::PathLengthMismatch)
        );
        let a = tree.diff().into_staged();
        let b = tree.diff().into_staged();
        drop(diff);
        tree.merge(a).unwrap();
        assert_eq!(tree.merge(b), tree_err(TreeError::StaleDiff));
    });
}

#[test]
fn validation_rejects_tree_hash_mismatch() {
    with_cs(|cs| {
        let mut tree = generate_tree(cs, 4, GROUP).unwrap();
        let mut params = TreeValidation::new(GROUP);
        let wrong = [0u8; 32];
        params.tree_hash = Some(&wrong);
        assert_eq!(
            tree.validate(cs, &params),
            tree_err(TreeError::TreeHashMismatch)
        );
    });
}

#[test]
fn validation_rejects_bad_unmerged_leaves() {
    with_cs(|cs| {
        let base = nodes_of(&generate_tree(cs, 5, GROUP).unwrap());
        let cases: [(usize, Vec<u32>, TreeError); 4] = [
            (7, alloc::vec![2, 1], TreeError::UnmergedLeavesNotSorted),
            (1, alloc::vec![2], TreeError::UnmergedLeafNotDescendant),
            (11, alloc::vec![5], TreeError::UnmergedLeafBlank),
            (7, alloc::vec![0], TreeError::UnmergedLeafMissingBelow),
        ];
        for (x, unmerged, err) in cases {
            let mut nodes = base.clone();
            if nodes[x].is_none() {
                nodes[x] = Some(Node::Parent(ParentNode {
                    encryption_key: HpkePublicKey(alloc::vec![9; 32]),
                    ..Default::default()
                }));
            }
            parent_mut(&mut nodes, x).unmerged_leaves =
                unmerged.into_iter().map(LeafIndex).collect();
            assert_eq!(validate(cs, &mut rebuild(nodes)), tree_err(err), "{err:?}");
        }
    });
}

#[test]
fn validation_rejects_bad_leaves() {
    with_cs(|cs| {
        let base = leaves_only(cs, 3);
        type Edit = fn(&mut LeafNode);
        let cases: [(Edit, TreeError); 6] = [
            (
                |l| l.capabilities.versions.clear(),
                TreeError::LeafVersionUnsupported,
            ),
            (
                |l| l.capabilities.cipher_suites = alloc::vec![CipherSuite(2)],
                TreeError::LeafCipherSuiteUnsupported,
            ),
            (
                |l| {
                    l.credential = Credential::Other {
                        credential_type: CredentialType(0x0f0f),
                        data: Vec::new(),
                    }
                },
                TreeError::LeafCredentialUnsupported,
            ),
            (
                |l| {
                    l.extensions.0.push(Extension {
                        extension_type: ExtensionType(0x0f0f),
                        extension_data: Vec::new(),
                    })
                },
                TreeError::LeafExtensionUnsupported,
            ),
            (
                |l| {
                    l.capabilities.extensions.push(ExtensionType(0x0f0f));
                    for _ in 0..2 {
                        l.extensions.0.push(Extension {
                            extension_type: ExtensionType(0x0f0f),
                            extension_data: Vec::new(),
                        });
                    }
                },
                TreeError::LeafDuplicateExtension,
            ),
            (
                |l| {
                    l.leaf_node_source = LeafNodeSource::KeyPackage(Lifetime {
                        not_before: 10,
                        not_after: 20,
                    })
                },
                TreeError::LeafLifetimeInvalid,
            ),
        ];
        for (edit, err) in cases {
            let mut nodes = base.clone();
            edit(leaf_mut(&mut nodes, 1));
            let mut tree = rebuild(nodes);
            let mut params = TreeValidation::new(GROUP);
            params.now = Some(100);
            assert_eq!(tree.validate(cs, &params), tree_err(err), "{err:?}");
        }
        // Without a clock the lifetime is not checked (the signature then fails instead).
        let mut nodes = base.clone();
        leaf_mut(&mut nodes, 1).leaf_node_source = LeafNodeSource::KeyPackage(Lifetime {
            not_before: 10,
            not_after: 20,
        });
        assert_eq!(
            validate(cs, &mut rebuild(nodes)),
            tree_err(TreeError::LeafSignatureInvalid)
        );
    });
}

#[test]
fn validation_rejects_duplicate_keys() {
    with_cs(|cs| {
        let base = nodes_of(&generate_tree(cs, 4, GROUP).unwrap());
        let mut nodes = base.clone();
        let k = leaf_mut(&mut nodes, 0).encryption_key.clone();
        parent_mut(&mut nodes, 5).encryption_key = k;
        assert_eq!(
            validate(cs, &mut rebuild(nodes)),
            tree_err(TreeError::DuplicateEncryptionKey)
        );
        let mut nodes = base.clone();
        let k = leaf_mut(&mut nodes, 0).signature_key.clone();
        leaf_mut(&mut nodes, 3).signature_key = k;
        assert_eq!(
            validate(cs, &mut rebuild(nodes)),
            tree_err(TreeError::DuplicateSignatureKey)
        );
    });
}

#[test]
fn validation_rejects_bad_signature() {
    with_cs(|cs| {
        let mut nodes = leaves_only(cs, 3);
        leaf_mut(&mut nodes, 2).signature[0] ^= 1;
        assert_eq!(
            validate(cs, &mut rebuild(nodes)),
            tree_err(TreeError::LeafSignatureInvalid)
        );
        // A key_package leaf signed for one group still verifies in another (no context),
        // a commit leaf does not.
        let mut tree = generate_tree(cs, 4, GROUP).unwrap();
        tree.verify_leaf_signatures(cs, GROUP).unwrap();
        assert_eq!(
            tree.verify_leaf_signatures(cs, b"other group"),
            tree_err(TreeError::LeafSignatureInvalid)
        );
        validate(cs, &mut tree).unwrap();
    });
}

/// Leaf signatures are checked on the calling thread up to 64 leaves and in 64-leaf chunks
/// on rayon's pool above (feature `parallel`): on both sides of that line a tree verifies,
/// and one bad signature anywhere, first or last chunk, is found.
#[test]
fn leaf_signatures_on_both_sides_of_the_parallel_threshold() {
    with_cs(|cs| {
        for n in [64u32, 65, 130] {
            let base = leaves_only(cs, n);
            rebuild(base.clone())
                .verify_leaf_signatures(cs, GROUP)
                .unwrap();
            for bad in [0, n as usize / 2, n as usize - 1] {
                let mut nodes = base.clone();
                leaf_mut(&mut nodes, bad).signature[3] ^= 0x10;
                assert_eq!(
                    rebuild(nodes).verify_leaf_signatures(cs, GROUP),
                    tree_err(TreeError::LeafSignatureInvalid),
                    "n = {n}, bad leaf {bad}"
                );
            }
        }
    });
}

#[test]
fn validation_rejects_parent_hash_breaks() {
    with_cs(|cs| {
        // The root's key changed: the node below that linked to it no longer does.
        let mut nodes = nodes_of(&generate_tree(cs, 4, GROUP).unwrap());
        parent_mut(&mut nodes, 3).encryption_key = HpkePublicKey(alloc::vec![7; 32]);
        assert_eq!(
            validate(cs, &mut rebuild(nodes)),
            tree_err(TreeError::ParentHashMismatch)
        );
        // A parent nobody links to.
        let mut nodes = leaves_only(cs, 4);
        nodes[5] = Some(Node::Parent(ParentNode {
            encryption_key: HpkePublicKey(alloc::vec![7; 32]),
            ..Default::default()
        }));
        let mut tree = rebuild(nodes);
        assert_eq!(
            tree.verify_parent_hashes(cs),
            tree_err(TreeError::ParentHashMismatch)
        );

        // A leaf links to the parent but the parent's unmerged leaves do not match the
        // resolution of the leaf's side (§7.9.2 third criterion).
        let mut nodes = leaves_only(cs, 2);
        let key = HpkePublicKey(alloc::vec![7; 32]);
        nodes[1] = Some(Node::Parent(ParentNode {
            encryption_key: key.clone(),
            ..Default::default()
        }));
        let mut tree = rebuild(nodes.clone());
        let h2 = tree.node_tree_hash(cs, NodeIndex(2)).unwrap();
        leaf_mut(&mut nodes, 0).leaf_node_source =
            LeafNodeSource::Commit(parent_hash(cs, key.as_bytes(), &[], &h2).unwrap());
        rebuild(nodes.clone()).verify_parent_hashes(cs).unwrap();
        parent_mut(&mut nodes, 1).unmerged_leaves = alloc::vec![LeafIndex(0)];
        assert_eq!(
            rebuild(nodes).verify_parent_hashes(cs),
            tree_err(TreeError::ParentHashMismatch)
        );
        drop(tree);
    });
}

#[test]
fn random_operations_keep_hashes_and_blank_leaves_consistent() {
    with_cs(|cs| {
        let pool = generate_tree(cs, 24, b"pool").unwrap();
        let leaf = |i: u32| {
            pool.leaf(LeafIndex(i % 24))
                .unwrap()
                .to_leaf_node()
                .unwrap()
        };
        let mut tree = generate_tree(cs, 6, GROUP).unwrap();
        tree.tree_hash(cs).unwrap();
        let mut seed = 0x1234_5678u32;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed
        };
        for round in 0..40 {
            let mut diff = tree.diff();
            for _ in 0..(next() % 3 + 1) {
                let naive = (0..diff.size().leaf_count())
                    .map(LeafIndex)
                    .find(|l| diff.leaf(*l).is_none());
                assert_eq!(diff.leftmost_blank_leaf(), naive);
                let members: Vec<LeafIndex> = diff.leaves().map(|(i, _)| i).collect();
                let pick = members[next() as usize % members.len()];
                match next() % 3 {
                    0 => {
                        diff.add_leaf(&leaf(next())).unwrap();
                    }
                    1 if members.len() > 1 => diff.remove_leaf(pick).unwrap(),
                    _ => diff.update_leaf(pick, &leaf(next())).unwrap(),
                }
            }
            let h = diff.tree_hash(cs).unwrap();
            let enc = diff.encode_extension().unwrap();
            let staged = diff.into_staged();
            tree.merge(staged).unwrap();
            let naive = (0..tree.size().leaf_count())
                .map(LeafIndex)
                .find(|l| tree.leaf(*l).is_none());
            assert_eq!(tree.leftmost_blank_leaf(), naive, "round {round}");
            assert_eq!(tree.encode_extension().unwrap(), enc);
            assert_eq!(tree.tree_hash(cs).unwrap(), h, "round {round}");
            let mut fresh = RatchetTree::decode_extension(&enc).unwrap();
            assert_eq!(fresh.tree_hash(cs).unwrap(), h, "round {round}");
            // The rightmost leaf is occupied after truncation (§7.8), unless one leaf is left.
            let count = tree.size().leaf_count();
            if count > 1 {
                assert!((count / 2..count).any(|l| tree.leaf(LeafIndex(l)).is_some()));
            }
        }
    });
}

#[test]
fn mutated_encodings_never_panic() {
    with_cs(|cs| {
        let tree = generate_tree(cs, 5, GROUP).unwrap();
        let enc = tree.encode_extension().unwrap();
        let leaf = tree.leaf(LeafIndex(1)).unwrap().encoded().to_vec();
        crate::fuzzing::tree::ratchet_tree(&enc);
        crate::fuzzing::tree::leaf_node(&leaf);
        let mut seed = 0x9e37_79b9u32;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed as usize
        };
        for _ in 0..300 {
            for base in [&enc, &leaf] {
                let mut m = base.clone();
                match next() % 3 {
                    0 => {
                        let i = next() % m.len();
                        m[i] ^= 1 << (next() % 8);
                    }
                    1 => m.truncate(next() % m.len()),
                    _ => {
                        let i = next() % m.len();
                        m.insert(i, next() as u8);
                    }
                }
                crate::fuzzing::tree::ratchet_tree(&m);
                crate::fuzzing::tree::leaf_node(&m);
            }
        }
    });
}
