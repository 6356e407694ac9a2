use alloc::vec::Vec;

use super::*;
use crate::crypto::CipherSuite;
use crate::crypto::CryptoProvider;
use crate::crypto::rust_crypto::RustCrypto;

fn tree(provider: &RustCrypto, leaves: u32, config: SecretTreeConfig) -> SecretTree {
    let cs = provider.cipher_suite_provider(CipherSuite(1)).unwrap();
    let secret = Secret::new(vec![0x42; cs.hash_len()]);
    SecretTree::with_config(secret, TreeSize::from_leaf_count(leaves).unwrap(), config)
}

fn err(e: Error) -> SecretTreeError {
    match e {
        Error::SecretTree(e) => e,
        e => panic!("unexpected error {e:?}"),
    }
}

#[test]
fn sender_and_receiver_agree_in_order() {
    let provider = RustCrypto::new();
    let cs = provider.cipher_suite_provider(CipherSuite(1)).unwrap();
    let mut sender = tree(&provider, 4, SecretTreeConfig::default());
    let mut receiver = tree(&provider, 4, SecretTreeConfig::default());
    for expected in 0..5u32 {
        for kind in [ContentKind::Handshake, ContentKind::Application] {
            let (generation, key) = sender.next_key(cs, LeafIndex(3), kind).unwrap();
            assert_eq!(generation, expected);
            assert_eq!(key.key.len(), cs.aead_key_len());
            assert_eq!(key.nonce.len(), cs.aead_nonce_len());
            assert_eq!(
                receiver
                    .key_for(cs, LeafIndex(3), kind, generation)
                    .unwrap(),
                key
            );
        }
    }
}

#[test]
fn ratchets_and_leaves_are_distinct() {
    let provider = RustCrypto::new();
    let cs = provider.cipher_suite_provider(CipherSuite(1)).unwrap();
    let mut t = tree(&provider, 2, SecretTreeConfig::default());
    let a = t
        .key_for(cs, LeafIndex(0), ContentKind::Handshake, 0)
        .unwrap();
    let b = t
        .key_for(cs, LeafIndex(0), ContentKind::Application, 0)
        .unwrap();
    let c = t
        .key_for(cs, LeafIndex(1), ContentKind::Handshake, 0)
        .unwrap();
    assert_ne!(a, b);
    assert_ne!(a, c);
    assert_ne!(b, c);
}

#[test]
fn out_of_order_delivery_inside_the_window() {
    let provider = RustCrypto::new();
    let cs = provider.cipher_suite_provider(CipherSuite(1)).unwrap();
    let mut sender = tree(&provider, 8, SecretTreeConfig::default());
    let sent: Vec<AeadKeyNonce> = (0..10)
        .map(|_| {
            sender
                .next_key(cs, LeafIndex(5), ContentKind::Application)
                .unwrap()
                .1
        })
        .collect();
    let mut receiver = tree(&provider, 8, SecretTreeConfig::default());
    for generation in [7u32, 2, 9, 0, 8, 1, 3, 6, 5, 4] {
        let key = receiver.key_for(cs, LeafIndex(5), ContentKind::Application, generation);
        assert_eq!(
            key.unwrap(),
            sent[generation as usize],
            "generation {generation}"
        );
    }
    let ratchet = &receiver.leaves[&LeafIndex(5)].application;
    assert!(ratchet.retained.is_empty());
    assert_eq!(ratchet.next_generation, 10);
}

#[test]
fn a_key_cannot_be_obtained_twice() {
    let provider = RustCrypto::new();
    let cs = provider.cipher_suite_provider(CipherSuite(1)).unwrap();
    let mut t = tree(&provider, 2, SecretTreeConfig::default());
    let leaf = LeafIndex(1);
    t.key_for(cs, leaf, ContentKind::Handshake, 0).unwrap();
    let again = t.key_for(cs, leaf, ContentKind::Handshake, 0).unwrap_err();
    assert_eq!(err(again), SecretTreeError::GenerationExpired);
    // The same for a retained (skipped) generation.
    t.key_for(cs, leaf, ContentKind::Handshake, 3).unwrap();
    t.key_for(cs, leaf, ContentKind::Handshake, 2).unwrap();
    let again = t.key_for(cs, leaf, ContentKind::Handshake, 2).unwrap_err();
    assert_eq!(err(again), SecretTreeError::GenerationExpired);
    // And for the sender: generations only go forward.
    let (g, _) = t.next_key(cs, leaf, ContentKind::Handshake).unwrap();
    assert_eq!(g, 4);
    let used = t.key_for(cs, leaf, ContentKind::Handshake, 4).unwrap_err();
    assert_eq!(err(used), SecretTreeError::GenerationExpired);
}

#[test]
fn leaf_out_of_range() {
    let provider = RustCrypto::new();
    let cs = provider.cipher_suite_provider(CipherSuite(1)).unwrap();
    let mut t = tree(&provider, 4, SecretTreeConfig::default());
    let e = t
        .key_for(cs, LeafIndex(4), ContentKind::Handshake, 0)
        .unwrap_err();
    assert_eq!(err(e), SecretTreeError::LeafOutOfRange);
    let e = t
        .next_key(cs, LeafIndex(u32::MAX), ContentKind::Application)
        .unwrap_err();
    assert_eq!(err(e), SecretTreeError::LeafOutOfRange);
}

#[test]
fn generation_too_far_ahead() {
    let provider = RustCrypto::new();
    let cs = provider.cipher_suite_provider(CipherSuite(1)).unwrap();
    let config = SecretTreeConfig {
        max_forward_jump: 10,
        max_retained_keys: 100,
    };
    let mut t = tree(&provider, 2, config);
    let e = t
        .key_for(cs, LeafIndex(0), ContentKind::Application, 11)
        .unwrap_err();
    assert_eq!(err(e), SecretTreeError::GenerationTooFarAhead);
    // Rejected without moving the ratchet: a jump of exactly 10 still works.
    t.key_for(cs, LeafIndex(0), ContentKind::Application, 10)
        .unwrap();
    // The window is relative to the ratchet: now 11 + 10 is reachable, 11 + 11 is not.
    let e = t
        .key_for(cs, LeafIndex(0), ContentKind::Application, 22)
        .unwrap_err();
    assert_eq!(err(e), SecretTreeError::GenerationTooFarAhead);
    t.key_for(cs, LeafIndex(0), ContentKind::Application, 21)
        .unwrap();
    // A far-away generation is rejected at once, not after a long loop.
    let e = t
        .key_for(cs, LeafIndex(0), ContentKind::Application, u32::MAX)
        .unwrap_err();
    assert_eq!(err(e), SecretTreeError::GenerationTooFarAhead);
}

#[test]
fn retained_keys_are_bounded_and_oldest_evicted() {
    let provider = RustCrypto::new();
    let cs = provider.cipher_suite_provider(CipherSuite(1)).unwrap();
    let config = SecretTreeConfig {
        max_forward_jump: 1000,
        max_retained_keys: 3,
    };
    let mut sender = tree(&provider, 2, config);
    let sent: Vec<AeadKeyNonce> = (0..=12)
        .map(|_| {
            sender
                .next_key(cs, LeafIndex(0), ContentKind::Handshake)
                .unwrap()
                .1
        })
        .collect();
    let mut t = tree(&provider, 2, config);
    t.key_for(cs, LeafIndex(0), ContentKind::Handshake, 5)
        .unwrap();
    // 2, 3, 4 are retained; 0 and 1 were never kept.
    assert_eq!(t.leaves[&LeafIndex(0)].handshake.retained.len(), 3);
    let e = t
        .key_for(cs, LeafIndex(0), ContentKind::Handshake, 1)
        .unwrap_err();
    assert_eq!(err(e), SecretTreeError::GenerationExpired);
    // Skipping 6 and 7 evicts 2 and 3, the oldest.
    t.key_for(cs, LeafIndex(0), ContentKind::Handshake, 8)
        .unwrap();
    for g in [2u32, 3] {
        let e = t
            .key_for(cs, LeafIndex(0), ContentKind::Handshake, g)
            .unwrap_err();
        assert_eq!(err(e), SecretTreeError::GenerationExpired);
    }
    for g in [7u32, 4, 6] {
        let key = t
            .key_for(cs, LeafIndex(0), ContentKind::Handshake, g)
            .unwrap();
        assert_eq!(key, sent[g as usize]);
    }
    assert!(t.leaves[&LeafIndex(0)].handshake.retained.is_empty());

    let mut none_kept = tree(
        &provider,
        2,
        SecretTreeConfig {
            max_retained_keys: 0,
            ..config
        },
    );
    none_kept
        .key_for(cs, LeafIndex(1), ContentKind::Handshake, 2)
        .unwrap();
    let e = none_kept
        .key_for(cs, LeafIndex(1), ContentKind::Handshake, 1)
        .unwrap_err();
    assert_eq!(err(e), SecretTreeError::GenerationExpired);
}

#[test]
fn generation_overflow() {
    let provider = RustCrypto::new();
    let cs = provider.cipher_suite_provider(CipherSuite(1)).unwrap();
    let mut t = tree(&provider, 1, SecretTreeConfig::default());
    t.next_key(cs, LeafIndex(0), ContentKind::Application)
        .unwrap();
    t.leaves
        .get_mut(&LeafIndex(0))
        .unwrap()
        .application
        .next_generation = u64::from(u32::MAX);
    let (g, _) = t
        .next_key(cs, LeafIndex(0), ContentKind::Application)
        .unwrap();
    assert_eq!(g, u32::MAX);
    let e = t
        .next_key(cs, LeafIndex(0), ContentKind::Application)
        .unwrap_err();
    assert_eq!(err(e), SecretTreeError::GenerationOverflow);
    let e = t
        .key_for(cs, LeafIndex(0), ContentKind::Application, u32::MAX)
        .unwrap_err();
    assert_eq!(err(e), SecretTreeError::GenerationExpired);
}

#[test]
fn large_tree_is_lazy_and_deletes_parents() {
    let provider = RustCrypto::new();
    let cs = provider.cipher_suite_provider(CipherSuite(1)).unwrap();
    let mut t = tree(&provider, 100_000, SecretTreeConfig::default());
    assert_eq!(t.nodes.len(), 1);
    t.next_key(cs, LeafIndex(99_999), ContentKind::Application)
        .unwrap();
    // One sibling per level of the path is kept; the path itself (and the leaf) is deleted.
    assert_eq!(t.nodes.len(), 17);
    assert!(!t.nodes.contains_key(&t.size.root()));
    assert!(!t.nodes.contains_key(&LeafIndex(99_999).node().unwrap()));
    // The neighbouring leaf only needs its own, already derived, secret.
    t.next_key(cs, LeafIndex(99_998), ContentKind::Application)
        .unwrap();
    assert_eq!(t.nodes.len(), 16);
    assert_eq!(t.leaves.len(), 2);
}

#[test]
fn lazy_derivation_matches_any_order() {
    let provider = RustCrypto::new();
    let cs = provider.cipher_suite_provider(CipherSuite(1)).unwrap();
    let mut forward = tree(&provider, 16, SecretTreeConfig::default());
    let mut backward = tree(&provider, 16, SecretTreeConfig::default());
    let a: Vec<_> = (0..16)
        .map(|l| {
            forward
                .key_for(cs, LeafIndex(l), ContentKind::Handshake, 0)
                .unwrap()
        })
        .collect();
    let b: Vec<_> = (0..16)
        .rev()
        .map(|l| {
            backward
                .key_for(cs, LeafIndex(l), ContentKind::Handshake, 0)
                .unwrap()
        })
        .collect();
    assert!(a.iter().eq(b.iter().rev()));
    assert!(forward.nodes.is_empty());
    assert!(backward.nodes.is_empty());
}

#[test]
fn debug_does_not_leak_secrets() {
    let provider = RustCrypto::new();
    let t = tree(&provider, 2, SecretTreeConfig::default());
    let s = alloc::format!("{t:?}");
    assert!(s.contains("[redacted]"));
    assert!(!s.contains("66, 66"));
}

// Saved state (RFC 9420 §9.2).

fn used_tree(provider: &RustCrypto) -> SecretTree {
    let cs = provider.cipher_suite_provider(CipherSuite(1)).unwrap();
    let config = SecretTreeConfig {
        max_forward_jump: 50,
        max_retained_keys: 5,
    };
    let mut t = tree(provider, 8, config);
    t.next_key(cs, LeafIndex(0), ContentKind::Application)
        .unwrap();
    // Skips generations 0..=9 of leaf 5 (the last 5 are retained).
    t.key_for(cs, LeafIndex(5), ContentKind::Application, 10)
        .unwrap();
    t.key_for(cs, LeafIndex(5), ContentKind::Handshake, 0)
        .unwrap();
    t
}

#[test]
fn state_round_trip_behaves_identically() {
    let provider = RustCrypto::new();
    let cs = provider.cipher_suite_provider(CipherSuite(1)).unwrap();
    let mut a = used_tree(&provider);
    let bytes = a.encode_state().unwrap();
    let mut b = SecretTree::decode_state(bytes.as_bytes()).unwrap();
    assert_eq!(b.encode_state().unwrap(), bytes);
    assert_eq!(b.size(), a.size());
    assert_eq!(b.config(), a.config());
    let app = ContentKind::Application;
    // A retained key, a used key, an unused leaf and the sender's next key all agree.
    for t in [&mut a, &mut b] {
        assert!(t.key_for(cs, LeafIndex(5), app, 9).is_ok());
        assert_eq!(
            err(t.key_for(cs, LeafIndex(5), app, 4).unwrap_err()),
            SecretTreeError::GenerationExpired
        );
        assert_eq!(
            err(t.key_for(cs, LeafIndex(5), app, 10).unwrap_err()),
            SecretTreeError::GenerationExpired
        );
    }
    assert_eq!(
        a.key_for(cs, LeafIndex(5), app, 7).unwrap(),
        b.key_for(cs, LeafIndex(5), app, 7).unwrap()
    );
    assert_eq!(
        a.key_for(cs, LeafIndex(6), app, 3).unwrap(),
        b.key_for(cs, LeafIndex(6), app, 3).unwrap()
    );
    assert_eq!(
        a.next_key(cs, LeafIndex(0), app).unwrap(),
        b.next_key(cs, LeafIndex(0), app).unwrap()
    );
    assert_eq!(a.encode_state().unwrap(), b.encode_state().unwrap());
}

#[test]
fn truncated_state_is_rejected() {
    let provider = RustCrypto::new();
    let bytes = used_tree(&provider).encode_state().unwrap();
    let bytes = bytes.as_bytes();
    for len in 0..bytes.len() {
        assert!(SecretTree::decode_state(&bytes[..len]).is_err());
    }
    let mut long = bytes.to_vec();
    long.push(0);
    assert_eq!(
        SecretTree::decode_state(&long).unwrap_err(),
        Error::Decode(crate::error::DecodeError::TrailingBytes)
    );
}

#[test]
fn inconsistent_state_is_malformed() {
    let provider = RustCrypto::new();
    let good = used_tree(&provider).to_state().unwrap();
    let malformed = Error::Decode(crate::error::DecodeError::Malformed);
    let check = |f: &dyn Fn(&mut SecretTreeState)| {
        let mut s = good.clone();
        f(&mut s);
        assert_eq!(SecretTree::from_state(s).unwrap_err(), malformed);
    };
    assert!(SecretTree::from_state(good.clone()).is_ok());
    // Not a full tree.
    check(&|s| s.leaf_count = 3);
    check(&|s| s.leaf_count = 0);
    // A node outside the tree, or repeated.
    check(&|s| s.nodes[0].node = NodeIndex(15));
    check(&|s| {
        let n = s.nodes[0].clone();
        s.nodes.insert(0, n);
    });
    // A leaf outside the tree, or out of order.
    check(&|s| s.leaves[0].leaf = LeafIndex(8));
    check(&|s| s.leaves.swap(0, 1));
    // A generation past 2^32.
    check(&|s| s.leaves[0].handshake.next_generation = (1u64 << 32) + 1);
    // Retained keys: too many, not below the ratchet, not ascending.
    check(&|s| {
        let k = s.leaves[1].application.retained[0].clone();
        s.leaves[1].application.retained.insert(0, k);
    });
    check(&|s| s.leaves[1].application.retained[4].generation = 11);
    check(&|s| s.leaves[1].application.retained.swap(0, 1));
    check(&|s| s.max_retained_keys = 4);
}

#[test]
fn zeroizing_writer_matches_the_derived_encoding() {
    let provider = RustCrypto::new();
    let state = used_tree(&provider).to_state().unwrap();
    assert_eq!(
        encode_state(&state).unwrap().as_bytes(),
        crate::codec::encode(&state).unwrap().as_slice()
    );
}

// Peek, then commit (RFC 9420 §9.2, §6.3.2).

fn state(t: &SecretTree) -> Vec<u8> {
    t.encode_state().unwrap().as_bytes().to_vec()
}

#[test]
fn a_dropped_stage_changes_nothing() {
    let provider = RustCrypto::new();
    let cs = provider.cipher_suite_provider(CipherSuite(1)).unwrap();
    let mut sender = tree(&provider, 8, SecretTreeConfig::default());
    let sent: Vec<AeadKeyNonce> = (0..6)
        .map(|_| {
            sender
                .next_key(cs, LeafIndex(3), ContentKind::Application)
                .unwrap()
                .1
        })
        .collect();
    // A fresh tree: staging would start the leaf, consume node secrets and skip keys.
    let mut t = tree(&provider, 8, SecretTreeConfig::default());
    let before = state(&t);
    let staged = t
        .stage_key(cs, LeafIndex(3), ContentKind::Application, 5)
        .unwrap();
    assert_eq!(staged.key(), &sent[5]);
    assert_eq!(staged.generation(), 5);
    drop(staged);
    assert_eq!(state(&t), before);
    assert_eq!(t.nodes.len(), 1);
    assert!(t.leaves.is_empty());
    assert_eq!(
        t.peek_key(cs, LeafIndex(3), ContentKind::Application, 5)
            .unwrap(),
        sent[5]
    );
    assert_eq!(state(&t), before);
    // Committed, the same key is consumed once and the skipped ones are retained.
    let staged = t
        .stage_key(cs, LeafIndex(3), ContentKind::Application, 5)
        .unwrap();
    assert_eq!(staged.commit().unwrap(), sent[5]);
    assert_ne!(state(&t), before);
    let e = t
        .key_for(cs, LeafIndex(3), ContentKind::Application, 5)
        .unwrap_err();
    assert_eq!(err(e), SecretTreeError::GenerationExpired);
    // A retained key: peeked and dropped it stays, committed it is deleted.
    let after = state(&t);
    let staged = t
        .stage_key(cs, LeafIndex(3), ContentKind::Application, 2)
        .unwrap();
    assert_eq!(staged.key(), &sent[2]);
    drop(staged);
    assert_eq!(state(&t), after);
    let staged = t
        .stage_key(cs, LeafIndex(3), ContentKind::Application, 2)
        .unwrap();
    assert_eq!(staged.commit().unwrap(), sent[2]);
    let e = t
        .peek_key(cs, LeafIndex(3), ContentKind::Application, 2)
        .unwrap_err();
    assert_eq!(err(e), SecretTreeError::GenerationExpired);
    for g in [0u32, 1, 3, 4] {
        assert_eq!(
            t.key_for(cs, LeafIndex(3), ContentKind::Application, g)
                .unwrap(),
            sent[g as usize]
        );
    }
}

#[test]
fn failed_requests_leave_the_tree_unchanged() {
    let provider = RustCrypto::new();
    let cs = provider.cipher_suite_provider(CipherSuite(1)).unwrap();
    let config = SecretTreeConfig {
        max_forward_jump: 10,
        max_retained_keys: 3,
    };
    let mut t = tree(&provider, 4, config);
    let fresh = state(&t);
    // On a leaf not started yet: nothing is derived into the tree.
    let e = t
        .key_for(cs, LeafIndex(2), ContentKind::Handshake, 11)
        .unwrap_err();
    assert_eq!(err(e), SecretTreeError::GenerationTooFarAhead);
    assert_eq!(state(&t), fresh);
    let e = t
        .key_for(cs, LeafIndex(4), ContentKind::Handshake, 0)
        .unwrap_err();
    assert_eq!(err(e), SecretTreeError::LeafOutOfRange);
    assert_eq!(state(&t), fresh);
    // On a started leaf.
    t.key_for(cs, LeafIndex(2), ContentKind::Handshake, 4)
        .unwrap();
    let used = state(&t);
    for g in [4u32, 0, 16] {
        assert!(
            t.key_for(cs, LeafIndex(2), ContentKind::Handshake, g)
                .is_err()
        );
        assert!(
            t.stage_key(cs, LeafIndex(2), ContentKind::Handshake, g)
                .is_err()
        );
        assert_eq!(state(&t), used);
    }
    // An exhausted ratchet.
    t.leaves
        .get_mut(&LeafIndex(2))
        .unwrap()
        .handshake
        .next_generation = 1 << 32;
    let exhausted = state(&t);
    let e = t
        .key_for(cs, LeafIndex(2), ContentKind::Handshake, u32::MAX)
        .unwrap_err();
    assert_eq!(err(e), SecretTreeError::GenerationExpired);
    assert_eq!(state(&t), exhausted);
}

#[test]
fn stage_and_commit_match_key_for_and_state_round_trips() {
    let provider = RustCrypto::new();
    let cs = provider.cipher_suite_provider(CipherSuite(1)).unwrap();
    let config = SecretTreeConfig {
        max_forward_jump: 20,
        max_retained_keys: 4,
    };
    let mut a = tree(&provider, 16, config);
    let mut b = tree(&provider, 16, config);
    let requests = [
        (9u32, 3u32),
        (9, 0),
        (2, 0),
        (9, 12),
        (9, 10),
        (15, 20),
        (9, 2),
        (2, 1),
        (9, 13),
        (15, 17),
    ];
    for (i, (leaf, generation)) in requests.into_iter().enumerate() {
        let kind = if i % 2 == 0 {
            ContentKind::Application
        } else {
            ContentKind::Handshake
        };
        let expected = a.key_for(cs, LeafIndex(leaf), kind, generation);
        let peeked = b.peek_key(cs, LeafIndex(leaf), kind, generation);
        assert_eq!(peeked, expected);
        let got = b
            .stage_key(cs, LeafIndex(leaf), kind, generation)
            .and_then(|s| s.commit());
        assert_eq!(got, expected);
        assert_eq!(state(&a), state(&b));
        let back = SecretTree::decode_state(&state(&b)).unwrap();
        assert_eq!(state(&back), state(&b));
    }
}
