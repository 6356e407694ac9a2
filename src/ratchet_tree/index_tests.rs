//! Unit tests of the tree's indexes: the encryption-key index (RFC 9420 §12.4.2, §16.8) on
//! the base tree and on diffs, digest collisions, the blank-subtree counts that let
//! resolutions skip blank subtrees (§4.1.2), the diff's leftmost blank leaf and the in-place
//! `unmerged_leaves` insertion of `add_leaf` (§7.7, §12.1.1).

use alloc::collections::BTreeSet;
use alloc::vec::Vec;

use super::*;
use crate::crypto::rust_crypto::RustCrypto;
use crate::crypto::{CipherSuite, CryptoProvider, HpkePublicKey};
use crate::fuzzing::tree::generate_tree;
use crate::tree_math::{LeafIndex, NodeIndex};

pub(super) const GROUP: &[u8] = b"group";

pub(super) fn with_cs<R>(f: impl FnOnce(&dyn CipherSuiteProvider) -> R) -> R {
    let p = RustCrypto::new();
    f(p.cipher_suite_provider(CipherSuite(1)).unwrap())
}

/// Every key in the view, by a pass over the nodes.
fn scan_keys<T: TreeView>(t: &T) -> BTreeSet<Vec<u8>> {
    (0..t.size().node_width())
        .filter_map(|x| t.node_public_key(NodeIndex(x)).map(<[u8]>::to_vec))
        .collect()
}

/// The resolution without any index (RFC 9420 §4.1.2, recursive definition).
fn naive_resolution<T: TreeView>(t: &T, x: NodeIndex) -> Vec<NodeIndex> {
    if let Some(p) = t.parent_node(x) {
        let mut out = alloc::vec![x];
        out.extend(p.unmerged_leaves().filter_map(LeafIndex::node));
        return out;
    }
    if !t.is_blank(x) {
        return alloc::vec![x];
    }
    match (t.size().left(x), t.size().right(x)) {
        (Some(l), Some(r)) => {
            let mut out = naive_resolution(t, l);
            out.extend(naive_resolution(t, r));
            out
        }
        _ => Vec::new(),
    }
}

/// The index answers exactly like a scan, for every key of `old` and `t`, and resolutions
/// with blank-subtree skipping equal the naive ones.
fn check_view<T: TreeView>(t: &T, old: &BTreeSet<Vec<u8>>) {
    let keys = scan_keys(t);
    for k in keys.iter().chain(old) {
        assert_eq!(t.contains_encryption_key(k), keys.contains(k), "key {k:?}");
    }
    assert!(!t.contains_encryption_key(&[0xee; 32]));
    for x in (0..t.size().node_width()).map(NodeIndex) {
        assert_eq!(t.resolution(x), naive_resolution(t, x), "node {}", x.0);
        assert_eq!(t.resolution_is_empty(x), naive_resolution(t, x).is_empty());
        if t.known_blank_subtree(x) {
            assert!(naive_resolution(t, x).is_empty());
        }
    }
}

fn leaf_with_key(tree: &RatchetTree, from: u32, key: Vec<u8>) -> LeafNode {
    let mut l = tree.leaf(LeafIndex(from)).unwrap().to_leaf_node().unwrap();
    l.encryption_key = HpkePublicKey(key);
    l
}

fn parent_with_key(key: Vec<u8>) -> ParentNode {
    ParentNode {
        encryption_key: HpkePublicKey(key),
        parent_hash: alloc::vec![1; 32],
        unmerged_leaves: Vec::new(),
    }
}

#[test]
fn key_index_follows_random_operations() {
    with_cs(|cs| {
        let pool = generate_tree(cs, 32, b"pool").unwrap();
        let leaf = |i: u32| {
            pool.leaf(LeafIndex(i % 32))
                .unwrap()
                .to_leaf_node()
                .unwrap()
        };
        let mut tree = generate_tree(cs, 7, GROUP).unwrap();
        let mut seed = 0x9e37_79b9u32;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed
        };
        let mut seen = scan_keys(&tree);
        seen.extend(scan_keys(&pool));
        check_view(&tree, &seen);
        for round in 0..40u8 {
            let mut diff = tree.diff();
            for _ in 0..(next() % 4 + 1) {
                let members: Vec<LeafIndex> = diff.leaves().map(|(i, _)| i).collect();
                let pick = members[next() as usize % members.len()];
                match next() % 4 {
                    0 => {
                        diff.add_leaf(&leaf(next())).unwrap();
                    }
                    1 if members.len() > 1 => diff.remove_leaf(pick).unwrap(),
                    2 => diff.update_leaf(pick, &leaf(next())).unwrap(),
                    _ => {
                        // A path of new parent keys, as an UpdatePath merge sets.
                        let x = pick.node().unwrap();
                        let path: Vec<NodeIndex> = diff.size().direct_path(x).unwrap().collect();
                        for (i, p) in path.into_iter().enumerate() {
                            let key = alloc::vec![round, i as u8, 9, 9, 9, 9, 9, 9, 1];
                            seen.insert(key.clone());
                            diff.set_parent_node(p, &parent_with_key(key)).unwrap();
                        }
                    }
                }
                check_view(&diff, &seen);
            }
            seen.extend(scan_keys(&diff));
            let staged = diff.into_staged();
            tree.merge(staged).unwrap();
            check_view(&tree, &seen);
            // The merged store's blank-subtree answers are exact, and the store and index
            // equal freshly built ones.
            for x in (0..tree.size().node_width()).map(NodeIndex) {
                let blank = naive_resolution(&tree, x).is_empty();
                assert_eq!(tree.subtree_blank(x), blank, "round {round} node {}", x.0);
            }
            let fresh = RatchetTree::decode_extension(&tree.encode_extension().unwrap()).unwrap();
            assert!(fresh == tree, "round {round}");
            assert_eq!(
                fresh.key_index().len(),
                tree.key_index().len(),
                "round {round}"
            );
        }
    });
}

/// Two 32-byte keys with the same 32-bit digest, and a third one.
pub(super) fn colliding_keys() -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let mut a = alloc::vec![5u8; 24];
    a.extend(hex_bytes("bf77b7611cde10b7"));
    let mut b = alloc::vec![5u8; 24];
    b.extend(hex_bytes("6bcc7426611ec94e"));
    let mut c = alloc::vec![5u8; 24];
    c.extend([3u8; 8]);
    assert_eq!(index::key_digest(&a), index::key_digest(&b));
    (a, b, c)
}

fn hex_bytes(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

#[test]
fn digest_collisions_fall_back_to_full_comparison() {
    with_cs(|cs| {
        let mut tree = generate_tree(cs, 4, GROUP).unwrap();
        let (a, b, c) = colliding_keys();
        // A short key and its zero-extended form are different keys.
        let short = alloc::vec![5u8, 5];
        let padded = alloc::vec![5u8, 5, 0, 0, 0, 0, 0, 0, 0];
        let mut diff = tree.diff();
        diff.set_leaf(LeafIndex(1), &leaf_with_key(&tree, 1, a.clone()))
            .unwrap();
        diff.set_parent_node(NodeIndex(1), &parent_with_key(b.clone()))
            .unwrap();
        diff.set_parent_node(NodeIndex(5), &parent_with_key(short.clone()))
            .unwrap();
        for (k, present) in [
            (&a, true),
            (&b, true),
            (&c, false),
            (&short, true),
            (&padded, false),
        ] {
            assert_eq!(diff.contains_encryption_key(k), present);
        }
        tree.merge(diff.into_staged()).unwrap();
        for (k, present) in [
            (&a, true),
            (&b, true),
            (&c, false),
            (&short, true),
            (&padded, false),
        ] {
            assert_eq!(tree.contains_encryption_key(k), present);
            assert_eq!(tree.diff().contains_encryption_key(k), present);
        }
        // Blanking one of the colliding nodes: its key is gone (a digest match is not
        // enough), the other stays findable.
        let mut diff = tree.diff();
        diff.blank_node(NodeIndex(1)).unwrap();
        assert!(!diff.contains_encryption_key(&b));
        assert!(diff.contains_encryption_key(&a));
        // A key shared by two nodes stays present while one of them holds it.
        diff.set_parent_node(NodeIndex(5), &parent_with_key(a.clone()))
            .unwrap();
        diff.blank_direct_path(NodeIndex(2)).unwrap(); // leaf 1's path: nodes 1, 3
        assert!(diff.contains_encryption_key(&a));
        assert!(!diff.contains_encryption_key(&short));
        diff.set_leaf(LeafIndex(1), &leaf_with_key(&tree, 1, c.clone()))
            .unwrap();
        assert!(diff.contains_encryption_key(&a));
        diff.blank_node(NodeIndex(5)).unwrap();
        assert!(!diff.contains_encryption_key(&a));
        assert!(diff.contains_encryption_key(&c));
        check_view(&diff, &[a, b, c, short, padded].into_iter().collect());
    });
}

#[test]
fn diff_lookups_after_add_remove_update_and_truncation() {
    with_cs(|cs| {
        let pool = generate_tree(cs, 4, b"pool").unwrap();
        let mut tree = generate_tree(cs, 8, GROUP).unwrap();
        let key_of =
            |t: &RatchetTree, l: u32| t.leaf(LeafIndex(l)).unwrap().encryption_key().to_vec();
        let old5 = key_of(&tree, 5);
        let root_key = tree.node_public_key(tree.size().root()).map(<[u8]>::to_vec);
        let mut diff = tree.diff();
        let new = pool.leaf(LeafIndex(0)).unwrap().to_leaf_node().unwrap();
        diff.update_leaf(LeafIndex(5), &new).unwrap();
        assert!(!diff.contains_encryption_key(&old5));
        assert!(diff.contains_encryption_key(new.encryption_key.as_bytes()));
        if let Some(k) = &root_key {
            // update_leaf blanked the direct path, root included.
            assert!(!diff.contains_encryption_key(k));
        }
        // Remove the right half: the tree truncates to 4 leaves.
        let right: Vec<Vec<u8>> = (4..8)
            .filter_map(|l| diff.leaf(LeafIndex(l)).map(|n| n.encryption_key().to_vec()))
            .collect();
        for l in 4..8 {
            if diff.leaf(LeafIndex(l)).is_some() {
                diff.remove_leaf(LeafIndex(l)).unwrap();
            }
        }
        assert_eq!(diff.size().leaf_count(), 4);
        for k in &right {
            assert!(!diff.contains_encryption_key(k));
        }
        let added = pool.leaf(LeafIndex(1)).unwrap().to_leaf_node().unwrap();
        assert_eq!(diff.add_leaf(&added).unwrap(), LeafIndex(4));
        assert!(diff.contains_encryption_key(added.encryption_key.as_bytes()));
        let seen: BTreeSet<Vec<u8>> = right.iter().cloned().chain([old5]).collect();
        check_view(&diff, &seen);
        tree.merge(diff.into_staged()).unwrap();
        check_view(&tree, &seen);
        // Grow again in a later diff: nodes past the old width are blank.
        let mut diff = tree.diff();
        for i in 2..4 {
            diff.add_leaf(&pool.leaf(LeafIndex(i)).unwrap().to_leaf_node().unwrap())
                .unwrap();
        }
        diff.add_leaf(&leaf_with_key(&pool, 0, alloc::vec![3; 32]))
            .unwrap();
        assert_eq!(diff.size().leaf_count(), 8);
        check_view(&diff, &seen);
        tree.merge(diff.into_staged()).unwrap();
        check_view(&tree, &seen);
    });
}

#[test]
fn add_leaf_fills_blanks_and_extends_unmerged_leaves_in_place() {
    with_cs(|cs| {
        let pool = generate_tree(cs, 2, b"pool").unwrap();
        let leaf = pool.leaf(LeafIndex(0)).unwrap().to_leaf_node().unwrap();
        // 128 leaves, the odd ones blank, every parent set: the root ends up listing 64
        // unmerged leaves (256 bytes: the length prefix grows from 1 to 2 bytes).
        let n = 128u32;
        let nodes: Vec<Option<Node>> = (0..2 * n - 1)
            .map(|x| match x % 4 {
                0 => Some(Node::Leaf(leaf.clone())),
                2 if x != 2 * n - 2 => None,
                2 => Some(Node::Leaf(leaf.clone())),
                _ => Some(Node::Parent(parent_with_key(alloc::vec![x as u8, 1, 2]))),
            })
            .collect();
        let tree = RatchetTree::from_nodes(&nodes).unwrap();
        let mut diff = tree.diff();
        for expect in (0..n / 2 - 1).map(|i| 2 * i + 1) {
            assert_eq!(diff.leftmost_blank_leaf(), Some(LeafIndex(expect)));
            assert_eq!(diff.add_leaf(&leaf).unwrap(), LeafIndex(expect));
        }
        assert_eq!(diff.leftmost_blank_leaf(), None);
        let root = diff.size().root();
        assert_eq!(diff.parent_node(root).unwrap().unmerged_count(), 63);
        diff.remove_leaf(LeafIndex(9)).unwrap();
        diff.remove_leaf(LeafIndex(3)).unwrap();
        assert_eq!(diff.leftmost_blank_leaf(), Some(LeafIndex(3)));
        assert_eq!(diff.add_leaf(&leaf).unwrap(), LeafIndex(3));
        assert_eq!(diff.leftmost_blank_leaf(), Some(LeafIndex(9)));
        for x in (0..diff.size().node_width()).map(NodeIndex) {
            let Some(p) = diff.parent_node(x) else {
                continue;
            };
            // Canonical: re-encoding the parsed node gives the same bytes.
            let owned = p.to_parent_node().unwrap();
            assert_eq!(codec::encode(&owned).unwrap(), diff.node_bytes(x).unwrap());
            let expected: Vec<LeafIndex> = (0..n)
                .map(LeafIndex)
                .filter(|l| l.0 % 2 == 1 && l.0 != n - 1 && diff.leaf(*l).is_some())
                .filter(|l| {
                    diff.size()
                        .direct_path(l.node().unwrap())
                        .unwrap()
                        .any(|a| a == x)
                })
                .collect();
            assert_eq!(owned.unmerged_leaves, expected, "node {}", x.0);
        }
    });
}

#[test]
fn heap_size_counts_the_indexes() {
    with_cs(|cs| {
        let tree = generate_tree(cs, 64, GROUP).unwrap();
        let enc = tree.encode_extension().unwrap();
        let idx = tree.key_index().heap_size();
        assert!(idx >= tree.key_index().len() * 8);
        assert!(
            tree.heap_size() < 2 * enc.len(),
            "{} vs {}",
            tree.heap_size(),
            enc.len()
        );
    });
}

#[test]
fn key_index_rebuilds_keep_every_entry() {
    let stored = |i: u32| {
        let mut v = alloc::vec![32u8];
        v.extend([i as u8; 28]);
        v.extend(i.to_be_bytes());
        v
    };
    let mut idx = index::KeyIndex::default();
    // Every key also held by a second node, to cover shared keys.
    for i in 0..1000u32 {
        idx.insert(2 * i, &stored(i));
        idx.insert(2 * i + 1, &stored(i));
    }
    for i in (0..1000u32).step_by(3) {
        idx.remove(2 * i, &stored(i));
    }
    // Removing and re-inserting an entry of the sorted array.
    idx.remove(3, &stored(1));
    idx.insert(3, &stored(1));
    for i in 0..1000u32 {
        let mut got: Vec<u32> = idx.candidates(&stored(i)[1..]).collect();
        got.sort_unstable();
        let want: Vec<u32> = if i % 3 == 0 {
            alloc::vec![2 * i + 1]
        } else {
            alloc::vec![2 * i, 2 * i + 1]
        };
        assert_eq!(got, want, "key {i}");
    }
    assert_eq!(idx.len(), 2000 - 334);
    assert!(idx.candidates(&[9; 32]).next().is_none());
}
