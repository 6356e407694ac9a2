//! Unit tests of the leaf indexes (RFC 9420 §7.3): the signature-key index and the
//! credential counts, on the base tree, on diffs (queries against base minus changed plus
//! new leaves) and after merges, compared with passes over the leaves; digest collisions;
//! rebuilds on decode.

use alloc::collections::BTreeSet;
use alloc::vec::Vec;

use super::index_tests::{GROUP, colliding_keys, with_cs};
use super::*;
use crate::fuzzing::tree::generate_tree;
use crate::messages::CredentialType;
use crate::tree_math::LeafIndex;

/// The signature-key and credential queries of the view answer exactly like passes over
/// its leaves, for every key of `seen` and the leaves' own keys (RFC 9420 §7.3).
fn check_leaf_indexes<T: TreeView>(t: &T, seen: &BTreeSet<Vec<u8>>) {
    let leaves: Vec<(LeafIndex, LeafNodeRef<'_>)> = t.leaves().collect();
    assert_eq!(t.member_count() as usize, leaves.len());
    let holders = |k: &[u8]| -> Vec<LeafIndex> {
        leaves
            .iter()
            .filter(|(_, l)| l.signature_key() == k)
            .map(|(i, _)| *i)
            .collect()
    };
    let own: Vec<Vec<u8>> = leaves
        .iter()
        .map(|(_, l)| l.signature_key().to_vec())
        .collect();
    for k in own.iter().chain(seen) {
        let h = holders(k);
        assert_eq!(t.contains_signature_key(k), !h.is_empty(), "key {k:?}");
        for (i, _) in &leaves {
            let others = h.iter().any(|x| x != i);
            assert_eq!(t.contains_signature_key_except(k, *i), others);
        }
        assert_eq!(
            t.contains_signature_key_except(k, LeafIndex(u32::MAX)),
            !h.is_empty()
        );
    }
    assert!(!t.contains_signature_key(&[0xee; 32]));
    let in_use: BTreeSet<CredentialType> =
        leaves.iter().map(|(_, l)| l.credential_type()).collect();
    let listed: Vec<CredentialType> = t.credential_types_in_use().collect();
    assert_eq!(listed.len(), in_use.len(), "each type once: {listed:?}");
    assert_eq!(listed.into_iter().collect::<BTreeSet<_>>(), in_use);
    for ty in [0u16, 1, 2, 3, 0x0a0a, 0xffff].map(CredentialType) {
        let using = leaves.iter().filter(|(_, l)| l.credential_type() == ty);
        assert_eq!(t.credential_in_use_count(ty) as usize, using.count());
        let supporting = leaves
            .iter()
            .filter(|(_, l)| l.capability_credentials().any(|c| c == ty))
            .count();
        assert_eq!(t.credential_supported_count(ty) as usize, supporting);
        assert_eq!(
            t.credential_type_supported_by_all(ty),
            supporting == leaves.len(),
            "type {ty:?}"
        );
    }
}

/// Leaf `i` of `pool` with a credential and capabilities picked by `pick` (some listing a
/// type twice, some listing none), and sometimes another leaf's signature key.
fn varied_leaf(pool: &RatchetTree, i: u32, pick: u32) -> LeafNode {
    use crate::messages::Credential;
    let mut l = pool
        .leaf(LeafIndex(i % 32))
        .unwrap()
        .to_leaf_node()
        .unwrap();
    l.credential = match pick % 3 {
        0 => Credential::Basic(alloc::vec![pick as u8]),
        1 => Credential::Other {
            credential_type: CredentialType(3),
            data: alloc::vec![1, 2],
        },
        _ => Credential::Other {
            credential_type: CredentialType(0x0a0a),
            data: Vec::new(),
        },
    };
    l.capabilities.credentials = match (pick / 3) % 5 {
        0 => alloc::vec![CredentialType(1)],
        1 => alloc::vec![CredentialType(1), CredentialType(3)],
        2 => alloc::vec![CredentialType(3), CredentialType(1), CredentialType(3)],
        3 => Vec::new(),
        _ => alloc::vec![CredentialType(0x0a0a), CredentialType(1), CredentialType(2)],
    };
    if (pick / 15).is_multiple_of(4) {
        // A signature key shared with another pool leaf (digest and full match).
        l.signature_key = pool
            .leaf(LeafIndex((i + 1) % 32))
            .unwrap()
            .to_leaf_node()
            .unwrap()
            .signature_key;
    }
    l
}

#[test]
fn leaf_indexes_follow_random_operations() {
    with_cs(|cs| {
        let pool = generate_tree(cs, 32, b"pool").unwrap();
        let mut tree = generate_tree(cs, 7, GROUP).unwrap();
        let mut seed = 0x2545_f491u32;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed
        };
        let mut seen: BTreeSet<Vec<u8>> = pool
            .leaves()
            .chain(tree.leaves())
            .map(|(_, l)| l.signature_key().to_vec())
            .collect();
        check_leaf_indexes(&tree, &seen);
        check_leaf_indexes(&tree.diff(), &seen);
        for round in 0..40u32 {
            let mut diff = tree.diff();
            for _ in 0..(next() % 5 + 1) {
                let members: Vec<LeafIndex> = diff.leaves().map(|(i, _)| i).collect();
                let pick = members[next() as usize % members.len()];
                let leaf = varied_leaf(&pool, next(), next());
                match next() % 4 {
                    0 => {
                        diff.add_leaf(&leaf).unwrap();
                    }
                    1 if members.len() > 1 => diff.remove_leaf(pick).unwrap(),
                    2 => diff.update_leaf(pick, &leaf).unwrap(),
                    _ => diff.set_leaf(pick, &leaf).unwrap(),
                }
                check_leaf_indexes(&diff, &seen);
            }
            seen.extend(diff.leaves().map(|(_, l)| l.signature_key().to_vec()));
            tree.merge(diff.into_staged()).unwrap();
            check_leaf_indexes(&tree, &seen);
            check_leaf_indexes(&tree.diff(), &seen);
            // The merged indexes equal freshly built ones.
            let fresh = RatchetTree::decode_extension(&tree.encode_extension().unwrap()).unwrap();
            assert_eq!(
                fresh.credential_counts(),
                tree.credential_counts(),
                "round {round}"
            );
            assert_eq!(
                fresh.signature_key_index().len(),
                tree.signature_key_index().len(),
                "round {round}"
            );
            assert_eq!(
                tree.signature_key_index().len(),
                tree.member_count() as usize
            );
        }
    });
}

#[test]
fn signature_key_digest_collisions_fall_back_to_full_comparison() {
    with_cs(|cs| {
        let mut tree = generate_tree(cs, 4, GROUP).unwrap();
        let (a, b, c) = colliding_keys();
        let with_sig = |t: &RatchetTree, l: u32, key: &[u8]| {
            let mut n = t.leaf(LeafIndex(l)).unwrap().to_leaf_node().unwrap();
            n.signature_key = crate::crypto::SignaturePublicKey(key.to_vec());
            n
        };
        let mut diff = tree.diff();
        diff.set_leaf(LeafIndex(1), &with_sig(&tree, 1, &a))
            .unwrap();
        assert!(diff.contains_signature_key(&a));
        assert!(!diff.contains_signature_key(&b));
        diff.set_leaf(LeafIndex(2), &with_sig(&tree, 2, &b))
            .unwrap();
        assert!(diff.contains_signature_key(&b));
        assert!(!diff.contains_signature_key(&c));
        assert!(!diff.contains_signature_key_except(&a, LeafIndex(1)));
        assert!(diff.contains_signature_key_except(&a, LeafIndex(2)));
        tree.merge(diff.into_staged()).unwrap();
        assert!(tree.contains_signature_key(&a) && tree.contains_signature_key(&b));
        assert!(!tree.contains_signature_key(&c));
        assert!(!tree.contains_signature_key_except(&b, LeafIndex(2)));
        // Removing the holder of `a` in a diff: the base still has it, the diff does not,
        // and `b` (same digest) stays findable in both.
        let mut diff = tree.diff();
        diff.remove_leaf(LeafIndex(1)).unwrap();
        assert!(!diff.contains_signature_key(&a));
        assert!(diff.contains_signature_key(&b));
        assert!(tree.contains_signature_key(&a));
        // A new leaf takes `a` over.
        let added = diff.add_leaf(&with_sig(&tree, 3, &a)).unwrap();
        assert_eq!(added, LeafIndex(1));
        assert!(diff.contains_signature_key(&a));
        assert!(!diff.contains_signature_key_except(&a, added));
        let seen: BTreeSet<Vec<u8>> = [a, b, c].into_iter().collect();
        check_leaf_indexes(&diff, &seen);
        tree.merge(diff.into_staged()).unwrap();
        check_leaf_indexes(&tree, &seen);
    });
}

#[test]
fn diff_leaf_indexes_after_removes_truncation_and_growth() {
    with_cs(|cs| {
        let pool = generate_tree(cs, 32, b"pool").unwrap();
        let mut tree = generate_tree(cs, 8, GROUP).unwrap();
        let seen: BTreeSet<Vec<u8>> = pool
            .leaves()
            .chain(tree.leaves())
            .map(|(_, l)| l.signature_key().to_vec())
            .collect();
        let mut diff = tree.diff();
        // Leaf 2 becomes the only user of type 3; the right half goes.
        diff.update_leaf(LeafIndex(2), &varied_leaf(&pool, 5, 1 + 3 * 16))
            .unwrap();
        assert_eq!(diff.credential_in_use_count(CredentialType(3)), 1);
        assert!(!diff.credential_type_supported_by_all(CredentialType(3)));
        assert_eq!(tree.credential_in_use_count(CredentialType(3)), 0);
        for l in 4..8 {
            diff.remove_leaf(LeafIndex(l)).unwrap();
        }
        assert_eq!(diff.size().leaf_count(), 4);
        assert_eq!(diff.member_count(), 4);
        assert_eq!(tree.member_count(), 8);
        check_leaf_indexes(&diff, &seen);
        // Grow past the old width again: the removed leaves stay gone.
        for i in 0..3 {
            diff.add_leaf(&varied_leaf(&pool, 10 + i, 3)).unwrap();
        }
        assert_eq!(diff.size().leaf_count(), 8);
        check_leaf_indexes(&diff, &seen);
        diff.remove_leaf(LeafIndex(2)).unwrap();
        assert_eq!(diff.credential_in_use_count(CredentialType(3)), 0);
        assert!(diff.credential_types_in_use().eq([CredentialType(1)]));
        check_leaf_indexes(&diff, &seen);
        tree.merge(diff.into_staged()).unwrap();
        check_leaf_indexes(&tree, &seen);
        let fresh = RatchetTree::decode_extension(&tree.encode_extension().unwrap()).unwrap();
        assert_eq!(fresh.credential_counts(), tree.credential_counts());
    });
}

#[test]
fn credential_counts_count_each_listed_type_once() {
    with_cs(|cs| {
        let pool = generate_tree(cs, 32, b"pool").unwrap();
        let stored = |pick: u32| codec::encode(&varied_leaf(&pool, 0, pick)).unwrap();
        let mut counts = index::CredentialCounts::default();
        // Type 3 credential, capabilities [3, 1, 3]: one use, one support each.
        counts.insert(&stored(1 + 3 * 2));
        assert_eq!(counts.leaves(), 1);
        assert_eq!(counts.supported(CredentialType(3)), 1);
        assert_eq!(counts.supported(CredentialType(1)), 1);
        assert_eq!(counts.in_use(CredentialType(3)), 1);
        // Basic credential, no capabilities listed.
        counts.insert(&stored(3 * 3));
        assert_eq!(counts.leaves(), 2);
        assert_eq!(counts.supported(CredentialType(1)), 1);
        assert!(
            counts
                .in_use_types()
                .eq([CredentialType(1), CredentialType(3)])
        );
        counts.remove(&stored(1 + 3 * 2));
        assert_eq!(counts.supported(CredentialType(3)), 0);
        assert!(counts.in_use_types().eq([CredentialType(1)]));
        counts.remove(&stored(3 * 3));
        assert_eq!(counts, index::CredentialCounts::default());
        // Diff arithmetic never wraps.
        assert_eq!(index::combined(3, 2, 4), 1);
        assert_eq!(index::combined(0, 0, 1), 0);
        assert_eq!(index::combined(u32::MAX, 1, 0), u32::MAX);
    });
}

#[test]
fn heap_size_counts_the_leaf_indexes() {
    with_cs(|cs| {
        let tree = generate_tree(cs, 64, GROUP).unwrap();
        assert_eq!(tree.signature_key_index().len(), 64);
        let idx = tree.signature_key_index().heap_size() + tree.credential_counts().heap_size();
        assert!(idx >= 64 * 8);
        assert!(
            tree.heap_size()
                >= tree.key_index().heap_size()
                    + tree.signature_key_index().heap_size()
                    + tree.credential_counts().heap_size()
        );
    });
}
