//! Unit tests of TreeKEM: path secrets, create/apply round trips, excluded leaves, key
//! deletion, and one negative test per [`TreeKemError`] check.

use alloc::vec::Vec;

use super::*;
use crate::codec;
use crate::crypto::rust_crypto::RustCrypto;
use crate::crypto::{CipherSuite, CipherSuiteProvider, CryptoProvider, Secret};
use crate::error::{CryptoError, Error, TreeKemError};
use crate::fuzzing::treekem::{GROUP_ID, Member, fixture, group_context, member_leaf};
use crate::messages::{LeafNodeSource, UpdatePath};
use crate::ratchet_tree::{RatchetTree, TreeView};
use crate::tree_math::{LeafIndex, NodeIndex};

fn with_cs<R>(suite: u16, f: impl FnOnce(&dyn CipherSuiteProvider) -> R) -> R {
    let p = RustCrypto::new();
    f(p.cipher_suite_provider(CipherSuite(suite)).unwrap())
}

/// Leaf `sender` of `tree` commits (no proposals); returns the committer's output and the
/// provisional group context.
fn commit(
    cs: &dyn CipherSuiteProvider,
    tree: &RatchetTree,
    members: &[Member],
    sender: u32,
) -> (CommitterPath, Vec<u8>, RatchetTree) {
    let me = &members[sender as usize];
    let current = tree
        .leaf(LeafIndex(sender))
        .unwrap()
        .to_leaf_node()
        .unwrap();
    let new_leaf = NewLeaf::refresh(cs, &current).unwrap();
    let mut diff = tree.diff();
    let prepared = prepare_update_path(
        cs,
        &mut diff,
        LeafIndex(sender),
        GROUP_ID,
        new_leaf,
        &me.signature.private_key,
        None,
    )
    .unwrap();
    let gc = group_context(cs, diff.tree_hash(cs).unwrap()).unwrap();
    let out = prepared.encrypt(cs, &gc, &[]).unwrap();
    let staged = diff.into_staged();
    let mut after = tree.clone();
    after.merge(staged).unwrap();
    (out, gc, after)
}

/// Merges `path` from `sender` into a diff of `tree`; returns the error if any.
fn merge_err(
    cs: &dyn CipherSuiteProvider,
    tree: &RatchetTree,
    sender: u32,
    path: &UpdatePath,
) -> Error {
    let mut diff = tree.diff();
    merge_update_path(cs, &mut diff, LeafIndex(sender), GROUP_ID, path, &[]).unwrap_err()
}

/// Recomputes the leaf's parent hash for the path's keys and re-signs it, so that only the
/// change under test is wrong.
fn repair(
    cs: &dyn CipherSuiteProvider,
    tree: &RatchetTree,
    m: &Member,
    sender: u32,
    p: &mut UpdatePath,
) {
    let keys: Vec<&[u8]> = p
        .nodes
        .iter()
        .map(|n| n.encryption_key.as_bytes())
        .collect();
    let h = tree
        .diff()
        .parent_hashes_for_path(cs, LeafIndex(sender), &keys)
        .unwrap();
    p.leaf_node.leaf_node_source = LeafNodeSource::Commit(h.leaf);
    p.leaf_node
        .sign(cs, &m.signature.private_key, GROUP_ID, LeafIndex(sender))
        .unwrap();
}

/// Every key held by `keys` matches the public key in `tree`.
fn assert_consistent(cs: &dyn CipherSuiteProvider, tree: &RatchetTree, keys: &TreePrivateKeys) {
    let leaf = keys.own_leaf().node().unwrap();
    let public = cs.kem_public_key(keys.leaf_key()).unwrap();
    assert_eq!(tree.node_public_key(leaf), Some(public.as_slice()));
    for n in keys.path_nodes() {
        let public = cs.kem_public_key(keys.key_for(n).unwrap()).unwrap();
        assert_eq!(tree.node_public_key(n), Some(public.as_slice()), "node {n}");
    }
}

#[test]
fn path_secret_chain_and_encryption() {
    with_cs(1, |cs| {
        let s0 = PathSecret::new(Secret::from_slice(&[7; 32]));
        let s1 = s0.next(cs).unwrap();
        assert_ne!(s0, s1);
        assert_eq!(s1.as_secret().len(), cs.hash_len());
        assert_eq!(s0.node_key_pair(cs).unwrap(), s0.node_key_pair(cs).unwrap());
        assert_ne!(s0.node_key_pair(cs).unwrap(), s1.node_key_pair(cs).unwrap());
        assert_eq!(PathSecret::random(cs).unwrap().as_secret().len(), 32);

        let pair = s1.node_key_pair(cs).unwrap();
        let ct = s0.encrypt(cs, &pair.public_key, b"ctx").unwrap();
        let back = PathSecret::decrypt(cs, &pair.private_key, b"ctx", &ct).unwrap();
        assert_eq!(back, s0);
        assert_eq!(
            PathSecret::decrypt(cs, &pair.private_key, b"other", &ct).unwrap_err(),
            Error::Crypto(CryptoError::DecryptionFailed)
        );
        assert_eq!(alloc::format!("{s0:?}"), "PathSecret([redacted])");
    });
}

#[test]
fn every_member_processes_every_commit() {
    for suite in [1u16, 2, 3] {
        with_cs(suite, |cs| {
            let (tree, members) = fixture(cs, 5, &[0, 3]).unwrap();
            for m in &members {
                assert_consistent(cs, &tree, &m.keys);
            }
            for sender in 0..5u32 {
                let (out, gc, after) = commit(cs, &tree, &members, sender);
                assert_consistent(cs, &after, &out.private_keys);
                for m in members.iter().filter(|m| m.keys.own_leaf().0 != sender) {
                    let mut diff = tree.diff();
                    let merged = merge_update_path(
                        cs,
                        &mut diff,
                        LeafIndex(sender),
                        GROUP_ID,
                        &out.update_path,
                        &[],
                    )
                    .unwrap();
                    assert_eq!(group_context(cs, diff.tree_hash(cs).unwrap()).unwrap(), gc);
                    // decrypt_in (the node's public key from the tree) gives the same.
                    let mut keys_in = m.keys.clone();
                    let got_in = merged.decrypt_in(cs, &diff, &gc, &mut keys_in).unwrap();
                    let mut keys = m.keys.clone();
                    let got = merged.decrypt(cs, &gc, &mut keys).unwrap();
                    assert_eq!(got.commit_secret, out.commit_secret);
                    assert_eq!(got_in.commit_secret, out.commit_secret);
                    assert_eq!(got_in.path_secret, got.path_secret);
                    assert!(keys_in.path_nodes().eq(keys.path_nodes()));
                    for n in keys.path_nodes() {
                        assert_eq!(keys_in.key_for(n), keys.key_for(n));
                    }
                    let mine = out
                        .path_secrets
                        .iter()
                        .find(|(n, _)| *n == got.node)
                        .unwrap();
                    assert_eq!(mine.1, got.path_secret);
                    let mut mine_after = tree.clone();
                    mine_after.merge(diff.into_staged()).unwrap();
                    assert_eq!(mine_after, after);
                    assert_consistent(cs, &after, &keys);
                    // Keys from the common ancestor up are exactly the new path's.
                    let lca = after
                        .size()
                        .common_ancestor(
                            LeafIndex(sender).node().unwrap(),
                            keys.own_leaf().node().unwrap(),
                        )
                        .unwrap();
                    let upper: Vec<NodeIndex> = keys
                        .path_nodes()
                        .filter(|n| n.level() >= lca.level())
                        .collect();
                    let expected: Vec<NodeIndex> = merged
                        .path_nodes()
                        .filter(|n| n.level() >= lca.level())
                        .collect();
                    assert_eq!(upper, expected);
                }
            }
        });
    }
}

#[test]
fn single_member_commit() {
    with_cs(1, |cs| {
        let (tree, members) = fixture(cs, 1, &[]).unwrap();
        let (out, _, after) = commit(cs, &tree, &members, 0);
        assert!(out.update_path.nodes.is_empty());
        assert!(out.path_secrets.is_empty());
        assert_eq!(out.commit_secret.len(), 32);
        assert_eq!(after.leaf(LeafIndex(0)).unwrap().parent_hash(), b"");
    });
}

#[test]
fn added_leaves_are_excluded() {
    with_cs(1, |cs| {
        let (tree, members) = fixture(cs, 3, &[0]).unwrap();
        let (joiner, _, _) = member_leaf(cs, 3, b"joiner").unwrap();
        let sender = LeafIndex(1);
        let me = &members[1];
        let mut diff = tree.diff();
        let added = diff.add_leaf(&joiner).unwrap();
        assert_eq!(added, LeafIndex(3));
        let current = tree.leaf(sender).unwrap().to_leaf_node().unwrap();
        let prepared = prepare_update_path(
            cs,
            &mut diff,
            sender,
            GROUP_ID,
            NewLeaf::refresh(cs, &current).unwrap(),
            &me.signature.private_key,
            None,
        )
        .unwrap();
        let gc = group_context(cs, diff.tree_hash(cs).unwrap()).unwrap();
        let out = prepared.encrypt(cs, &gc, &[added]).unwrap();
        // Node 3's copath child is node 5 with resolution [leaf 2, leaf 3]: leaf 3 excluded.
        assert_eq!(out.update_path.nodes[1].encrypted_path_secret.len(), 1);

        let receiver = &members[2];
        let mut diff = tree.diff();
        diff.add_leaf(&joiner).unwrap();
        let err =
            merge_update_path(cs, &mut diff, sender, GROUP_ID, &out.update_path, &[]).unwrap_err();
        assert_eq!(err, Error::TreeKem(TreeKemError::CiphertextCountMismatch));
        let merged =
            merge_update_path(cs, &mut diff, sender, GROUP_ID, &out.update_path, &[added]).unwrap();
        let mut keys = receiver.keys.clone();
        let got = merged.decrypt(cs, &gc, &mut keys).unwrap();
        assert_eq!(got.commit_secret, out.commit_secret);

        // The joiner gets the path secret of its common ancestor with the committer.
        let mut after = tree.clone();
        after.merge(diff.into_staged()).unwrap();
        let lca = NodeIndex(3);
        let (_, secret) = out.path_secrets.iter().find(|(n, _)| *n == lca).unwrap();
        let mut joiner_keys = TreePrivateKeys::new(
            added,
            cs.kem_derive_key_pair(b"joiner").unwrap().private_key,
        );
        let commit_secret = joiner_keys
            .apply_path_secret(cs, &after, lca, secret.clone())
            .unwrap();
        assert_eq!(commit_secret.as_secret(), &out.commit_secret);
        assert_consistent(cs, &after, &joiner_keys);
    });
}

#[test]
fn rejects_sender_out_of_range() {
    with_cs(1, |cs| {
        let (tree, members) = fixture(cs, 3, &[]).unwrap();
        let (out, _, _) = commit(cs, &tree, &members, 0);
        let e = merge_err(cs, &tree, 100, &out.update_path);
        assert_eq!(e, Error::TreeKem(TreeKemError::SenderOutOfRange));
        let mut diff = tree.diff();
        let current = tree.leaf(LeafIndex(0)).unwrap().to_leaf_node().unwrap();
        let e = prepare_update_path(
            cs,
            &mut diff,
            LeafIndex(100),
            GROUP_ID,
            NewLeaf::refresh(cs, &current).unwrap(),
            &members[0].signature.private_key,
            None,
        )
        .unwrap_err();
        assert_eq!(e, Error::TreeKem(TreeKemError::SenderOutOfRange));
    });
}

#[test]
fn rejects_leaf_source_not_commit() {
    with_cs(1, |cs| {
        let (tree, members) = fixture(cs, 3, &[]).unwrap();
        let (mut out, _, _) = commit(cs, &tree, &members, 0);
        out.update_path.leaf_node.leaf_node_source = LeafNodeSource::Update;
        out.update_path
            .leaf_node
            .sign(
                cs,
                &members[0].signature.private_key,
                GROUP_ID,
                LeafIndex(0),
            )
            .unwrap();
        let e = merge_err(cs, &tree, 0, &out.update_path);
        assert_eq!(e, Error::TreeKem(TreeKemError::LeafSourceNotCommit));
    });
}

#[test]
fn rejects_bad_leaf_signature() {
    with_cs(1, |cs| {
        let (tree, members) = fixture(cs, 3, &[]).unwrap();
        let (mut out, _, _) = commit(cs, &tree, &members, 0);
        out.update_path.leaf_node.signature[0] ^= 1;
        let e = merge_err(cs, &tree, 0, &out.update_path);
        assert_eq!(e, Error::TreeKem(TreeKemError::LeafSignatureInvalid));
        // Signed for another leaf index.
        let (out, _, _) = commit(cs, &tree, &members, 0);
        let e = merge_err(cs, &tree, 1, &out.update_path);
        assert_eq!(e, Error::TreeKem(TreeKemError::LeafSignatureInvalid));
    });
}

#[test]
fn rejects_unchanged_leaf_key() {
    with_cs(1, |cs| {
        let (tree, members) = fixture(cs, 3, &[]).unwrap();
        let (mut out, _, _) = commit(cs, &tree, &members, 0);
        let old = tree.leaf(LeafIndex(0)).unwrap().encryption_key().to_vec();
        out.update_path.leaf_node.encryption_key = old.into();
        repair(cs, &tree, &members[0], 0, &mut out.update_path);
        let e = merge_err(cs, &tree, 0, &out.update_path);
        assert_eq!(e, Error::TreeKem(TreeKemError::LeafEncryptionKeyUnchanged));
    });
}

#[test]
fn rejects_path_length_mismatch() {
    with_cs(1, |cs| {
        let (tree, members) = fixture(cs, 3, &[]).unwrap();
        let (mut out, _, _) = commit(cs, &tree, &members, 0);
        out.update_path.nodes.pop();
        // The leaf (and its signature) is unchanged: the length is checked first.

        let e = merge_err(cs, &tree, 0, &out.update_path);
        assert_eq!(e, Error::TreeKem(TreeKemError::PathLengthMismatch));
    });
}

#[test]
fn rejects_ciphertext_count_mismatch() {
    with_cs(1, |cs| {
        let (tree, members) = fixture(cs, 3, &[]).unwrap();
        let (mut out, _, _) = commit(cs, &tree, &members, 0);
        out.update_path.nodes[1].encrypted_path_secret.pop();
        let e = merge_err(cs, &tree, 0, &out.update_path);
        assert_eq!(e, Error::TreeKem(TreeKemError::CiphertextCountMismatch));
    });
}

#[test]
fn rejects_duplicate_encryption_keys() {
    with_cs(1, |cs| {
        let (tree, members) = fixture(cs, 3, &[]).unwrap();
        // A path key equal to another member's leaf key.
        let (mut out, _, _) = commit(cs, &tree, &members, 0);
        let other = tree.leaf(LeafIndex(2)).unwrap().encryption_key().to_vec();
        out.update_path.nodes[1].encryption_key = other.into();
        repair(cs, &tree, &members[0], 0, &mut out.update_path);
        let e = merge_err(cs, &tree, 0, &out.update_path);
        assert_eq!(e, Error::TreeKem(TreeKemError::DuplicateEncryptionKey));
        // A path key held only by a node the diff changed (a leaf replaced in the diff).
        let (mut out, _, _) = commit(cs, &tree, &members, 0);
        let key = cs.kem_generate_key_pair().unwrap().public_key;
        let mut replaced = tree.leaf(LeafIndex(2)).unwrap().to_leaf_node().unwrap();
        replaced.encryption_key = key.clone();
        out.update_path.nodes[1].encryption_key = key;
        repair(cs, &tree, &members[0], 0, &mut out.update_path);
        let mut diff = tree.diff();
        diff.set_leaf(LeafIndex(2), &replaced).unwrap();
        let e = merge_update_path(cs, &mut diff, LeafIndex(0), GROUP_ID, &out.update_path, &[])
            .unwrap_err();
        assert_eq!(e, Error::TreeKem(TreeKemError::DuplicateEncryptionKey));
        // Two path nodes with the same key.
        let (mut out, _, _) = commit(cs, &tree, &members, 0);
        out.update_path.nodes[1].encryption_key = out.update_path.nodes[0].encryption_key.clone();
        repair(cs, &tree, &members[0], 0, &mut out.update_path);
        let e = merge_err(cs, &tree, 0, &out.update_path);
        assert_eq!(e, Error::TreeKem(TreeKemError::DuplicateEncryptionKey));
    });
}

#[test]
fn rejects_parent_hash_mismatch() {
    with_cs(1, |cs| {
        let (tree, members) = fixture(cs, 3, &[]).unwrap();
        let (mut out, _, _) = commit(cs, &tree, &members, 0);
        // A new key for a path node without a new leaf parent hash.
        out.update_path.nodes[1].encryption_key = cs.kem_generate_key_pair().unwrap().public_key;
        out.update_path
            .leaf_node
            .sign(
                cs,
                &members[0].signature.private_key,
                GROUP_ID,
                LeafIndex(0),
            )
            .unwrap();
        let e = merge_err(cs, &tree, 0, &out.update_path);
        assert_eq!(e, Error::TreeKem(TreeKemError::ParentHashMismatch));
        // And nothing was staged.
        let mut diff = tree.diff();
        let _ = merge_update_path(cs, &mut diff, LeafIndex(0), GROUP_ID, &out.update_path, &[]);
        assert_eq!(diff.changed_nodes(), 0);
    });
}

#[test]
fn rejects_public_key_mismatch() {
    with_cs(1, |cs| {
        let (tree, members) = fixture(cs, 3, &[]).unwrap();
        let (mut out, gc, _) = commit(cs, &tree, &members, 0);
        // The root's key is not the one derived from its path secret; the leaf's parent hash
        // is recomputed so that the merge accepts it.
        out.update_path.nodes[1].encryption_key = cs.kem_generate_key_pair().unwrap().public_key;
        repair(cs, &tree, &members[0], 0, &mut out.update_path);
        let mut diff = tree.diff();
        let merged =
            merge_update_path(cs, &mut diff, LeafIndex(0), GROUP_ID, &out.update_path, &[])
                .unwrap();
        // Receiver 1 decrypts node 1's secret (under the context it was encrypted with) and
        // derives a root key that differs from the one sent.
        let mut keys = members[1].keys.clone();
        let before: Vec<NodeIndex> = keys.path_nodes().collect();
        let e = merged.decrypt(cs, &gc, &mut keys).unwrap_err();
        assert_eq!(e, Error::TreeKem(TreeKemError::PublicKeyMismatch));
        assert_eq!(
            keys.path_nodes().collect::<Vec<_>>(),
            before,
            "keys untouched on error"
        );
        // Under the right provisional context (new tree hash), the old ciphertext fails.
        let gc2 = group_context(cs, diff.tree_hash(cs).unwrap()).unwrap();
        assert_ne!(gc, gc2);
        let e = merged.decrypt(cs, &gc2, &mut keys).unwrap_err();
        assert_eq!(e, Error::Crypto(CryptoError::DecryptionFailed));
    });
}

#[test]
fn receiver_errors() {
    with_cs(1, |cs| {
        let (tree, members) = fixture(cs, 5, &[0]).unwrap();
        let (out, gc, _) = commit(cs, &tree, &members, 3);
        let mut diff = tree.diff();
        let merged =
            merge_update_path(cs, &mut diff, LeafIndex(3), GROUP_ID, &out.update_path, &[])
                .unwrap();
        let mut keys = members[3].keys.clone();
        assert_eq!(
            merged.decrypt(cs, &gc, &mut keys).unwrap_err(),
            Error::TreeKem(TreeKemError::ReceiverIsSender)
        );
        // A leaf outside the tree is below no filtered-path node.
        let key = cs.kem_generate_key_pair().unwrap().private_key;
        let mut keys = TreePrivateKeys::new(LeafIndex(100), key.clone());
        assert_eq!(
            merged.decrypt(cs, &gc, &mut keys).unwrap_err(),
            Error::TreeKem(TreeKemError::ReceiverNotInPath)
        );
        // Leaf 0 without the key of node 1 (set by its own commit): nothing to decrypt with.
        let mut keys = TreePrivateKeys::new(LeafIndex(0), members[0].keys.leaf_key().clone());
        assert_eq!(
            merged.decrypt(cs, &gc, &mut keys).unwrap_err(),
            Error::TreeKem(TreeKemError::NoPrivateKey)
        );
        // With it, leaf 0 succeeds, and its old key for root 7 is replaced.
        let mut keys = members[0].keys.clone();
        assert!(keys.key_for(NodeIndex(7)).is_some());
        let got = merged.decrypt(cs, &gc, &mut keys).unwrap();
        assert_eq!(got.node, NodeIndex(3));
        assert_eq!(
            keys.path_nodes().collect::<Vec<_>>(),
            [NodeIndex(1), NodeIndex(3), NodeIndex(7)]
        );
        assert_ne!(
            keys.key_for(NodeIndex(7)),
            members[0].keys.key_for(NodeIndex(7))
        );
    });
}

#[test]
fn apply_path_secret_checks_public_keys() {
    with_cs(1, |cs| {
        let (tree, members) = fixture(cs, 3, &[0]).unwrap();
        let mut keys = members[2].keys.clone();
        let wrong = PathSecret::new(Secret::from_slice(&[9; 32]));
        assert_eq!(
            keys.apply_path_secret(cs, &tree, NodeIndex(3), wrong)
                .unwrap_err(),
            Error::TreeKem(TreeKemError::PublicKeyMismatch)
        );
        assert_eq!(
            keys.apply_path_secret(cs, &tree, NodeIndex(1), PathSecret::new(Secret::zero(32)))
                .unwrap_err(),
            Error::TreeKem(TreeKemError::ReceiverNotInPath)
        );
    });
}

#[test]
fn private_keys_bookkeeping() {
    with_cs(1, |cs| {
        let k = |b: u8| crate::crypto::HpkePrivateKey::new(alloc::vec![b; 32]);
        let mut keys = TreePrivateKeys::new(LeafIndex(0), k(0));
        keys.insert_path_key(NodeIndex(7), k(7));
        keys.insert_path_key(NodeIndex(1), k(1));
        keys.insert_path_key(NodeIndex(3), k(3));
        keys.insert_path_key(NodeIndex(3), k(33));
        assert_eq!(
            keys.path_nodes().collect::<Vec<_>>(),
            [NodeIndex(1), NodeIndex(3), NodeIndex(7)]
        );
        assert_eq!(keys.key_for(NodeIndex(3)), Some(&k(33)));
        assert_eq!(keys.key_for(NodeIndex(0)), Some(&k(0)));
        keys.retain_direct_path(crate::tree_math::TreeSize::from_leaf_count(4).unwrap());
        assert_eq!(
            keys.path_nodes().collect::<Vec<_>>(),
            [NodeIndex(1), NodeIndex(3)]
        );
        keys.remove_path_key(NodeIndex(1));
        keys.remove_path_keys_from_level(2);
        assert_eq!(keys.path_nodes().count(), 0);
        keys.set_leaf_key(k(5));
        assert_eq!(keys.leaf_key(), &k(5));
        let _ = cs;
    });
}

#[test]
fn fuzz_entry_does_not_panic() {
    with_cs(1, |cs| {
        let (tree, members) = fixture(cs, 5, &[0, 3]).unwrap();
        let (out, _, _) = commit(cs, &tree, &members, 1);
        let encoded = codec::encode(&out.update_path).unwrap();
        for mode in 0..=255u8 {
            let mut data = alloc::vec![mode];
            data.extend_from_slice(&encoded);
            crate::fuzzing::treekem::update_path(&data);
            if mode % 16 == 0 {
                data.truncate(data.len() / 2);
                crate::fuzzing::treekem::update_path(&data);
            }
        }
        crate::fuzzing::treekem::update_path(&[]);
        // Random byte flips of a valid path (xorshift, fixed seed).
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..300 {
            let mut data = alloc::vec![(x >> 8) as u8];
            data.extend_from_slice(&encoded);
            for _ in 0..1 + (x % 3) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let i = (x as usize) % data.len();
                data[i] ^= (x >> 32) as u8 | 1;
            }
            crate::fuzzing::treekem::update_path(&data);
        }
    });
}
