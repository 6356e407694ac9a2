//! Consistency checks of restored group state: each inconsistency is `InvalidState`.

use super::*;
use crate::group::CommitOptions;
use crate::group::tests::group_of;
use crate::secret_tree::WriteState;
use crate::tree_math::LeafIndex;

/// Bob's state with a past epoch, a pending proposal... and Alice's with a pending commit.
fn states() -> (Arc<dyn CryptoProvider>, GroupState, GroupState) {
    let (p, mut g) = group_of(2);
    let out = g[1].commit(CommitOptions::default()).unwrap();
    g[1].merge_pending_commit().unwrap();
    for i in [0, 2] {
        let m = g[i].process(&out.commit, None).unwrap();
        let super::super::ProcessedContent::Commit(s) = m.content else {
            panic!("not a commit")
        };
        g[i].merge_staged_commit(*s).unwrap();
    }
    g[0].commit(CommitOptions::default()).unwrap();
    let a = body_of(&p, g[0].to_bytes().unwrap().as_bytes());
    let b = body_of(&p, g[1].to_bytes().unwrap().as_bytes());
    (p, a, b)
}

/// The decoded body of a checksum-form saved state.
pub(super) fn body_of(p: &Arc<dyn CryptoProvider>, bytes: &[u8]) -> GroupState {
    let (_, body) = envelope::open(&**p, bytes, None).unwrap();
    codec::decode_exact(body.as_bytes()).unwrap()
}

/// `s` in a checksum envelope for its own suite (so that the body checks are reached).
fn restore(p: &Arc<dyn CryptoProvider>, s: &GroupState) -> Result<Group, Error> {
    let cs = p.suite(s.group_context.cipher_suite).unwrap();
    Group::from_bytes(p.clone(), envelope::checksummed(cs, s).unwrap().as_bytes())
}

#[test]
fn consistent_states_restore() {
    let (p, a, b) = states();
    assert!(a.pending_commit.is_some());
    assert_eq!(b.past_epochs.len(), 1);
    restore(&p, &a).unwrap();
    restore(&p, &b).unwrap();
}

#[test]
fn custom_hook_bits_need_hooks() {
    let (p, _, b) = states();
    for bits in [1u8, 2, 3, 8] {
        let mut s = b.clone();
        s.config.custom_hooks = bits;
        assert_eq!(
            restore(&p, &s).unwrap_err(),
            Error::Group(GroupError::MissingHooks),
            "bits {bits}"
        );
    }
}

#[test]
fn each_inconsistency_is_invalid_state() {
    let (p, a, b) = states();
    let invalid = Error::Group(GroupError::InvalidState);
    let check = |base: &GroupState, what: &str, f: &dyn Fn(&mut GroupState)| {
        let mut s = base.clone();
        f(&mut s);
        assert_eq!(restore(&p, &s).unwrap_err(), invalid, "{what}");
    };
    check(&b, "tree hash", &|s| s.group_context.tree_hash[0] ^= 1);
    check(&b, "short secret", &|s| {
        s.epoch.init_secret = StateSecret(Secret::zero(16));
    });
    check(&b, "past epoch not older", &|s| {
        s.past_epochs[0].context.epoch = s.group_context.epoch;
    });
    check(&b, "too many past epochs", &|s| {
        s.config.max_past_epochs = 0
    });
    check(&b, "active flag", &|s| s.active = 2);
    check(&b, "config flag", &|s| s.config.handshake_format = 2);
    check(&b, "padding", &|s| s.config.padding = 2);
    check(&b, "grease bits", &|s| s.config.grease = 4);
    check(&b, "unknown hook bit", &|s| s.config.custom_hooks = 16);
    check(&b, "signature key", &|s| s.signature_public_key.0[0] ^= 1);
    check(&b, "leaf not in tree", &|s| s.keys.own_leaf = LeafIndex(7));
    check(&b, "path key off path", &|s| {
        let key = s.keys.leaf_key.clone();
        s.keys.path_keys.push(format::PathKeyState {
            node: NodeIndex(5),
            key,
        });
    });
    check(&b, "more resumption psks than kept", &|s| {
        s.config.max_resumption_psks = 1;
    });
    check(&b, "reinit while active", &|s| {
        s.reinit = Some(crate::messages::ReInit {
            group_id: b"n".to_vec(),
            version: crate::messages::ProtocolVersion::MLS10,
            cipher_suite: s.group_context.cipher_suite,
            extensions: crate::messages::Extensions::default(),
        });
    });
    check(&b, "stored resumption psk twice", &|s| {
        let entry = format::StoredResumptionPskState {
            group_id: b"other".to_vec(),
            epoch: 3,
            psk: StateSecret(Secret::zero(32)),
        };
        s.stored_resumption_psks = vec![entry.clone(), entry];
    });
    check(&b, "resumption psk from the future", &|s| {
        s.resumption_psks[0].epoch = s.group_context.epoch + 1;
    });
    check(&a, "pending commit of another epoch", &|s| {
        if let Some(c) = s.pending_commit.as_mut() {
            c.base_epoch += 1;
        }
    });
    check(&a, "pending commit tree", &|s| {
        if let Some(c) = s.pending_commit.as_mut() {
            c.context.tree_hash[0] ^= 1;
        }
    });
    check(&a, "pending commit secret", &|s| {
        if let Some(c) = s.pending_commit.as_mut()
            && let Some(f) = c.secrets.as_mut()
        {
            f.encryption_secret = StateSecret(Secret::zero(1));
        }
    });
}

#[test]
fn psk_store_and_retention_round_trip() {
    let (p, mut g) = group_of(1);
    g[0].psk_store_mut()
        .insert(b"ext".to_vec(), Secret::new(vec![1; 5]));
    g[0].psk_store_mut()
        .insert_resumption(b"other".to_vec(), 9, Secret::new(vec![2; 48]));
    let restored = Group::from_bytes(p.clone(), g[0].to_bytes().unwrap().as_bytes()).unwrap();
    assert_eq!(restored.psk_store(), g[0].psk_store());
    assert_eq!(
        restored.resumption_psk_epochs().collect::<Vec<_>>(),
        g[0].resumption_psk_epochs().collect::<Vec<_>>()
    );
    assert_eq!(restored.config(), g[0].config());
    assert_eq!(restored.pending_reinit(), None);
}

/// The body's own version must be the envelope's (only a hand-made state with a valid
/// checksum can differ).
#[test]
fn unknown_version_is_its_own_error() {
    let (p, _, mut b) = states();
    b.version = 1;
    assert_eq!(
        restore(&p, &b).unwrap_err(),
        Error::Group(GroupError::UnsupportedStateVersion)
    );
}

#[test]
fn zeroizing_writer_matches_the_derived_encoding() {
    let (_p, a, b) = states();
    for s in [&a, &b] {
        let mut out = Vec::new();
        s.write_state(&mut out).unwrap();
        assert_eq!(out, codec::encode(s).unwrap());
    }
}
