//! Every group operation in every post-quantum suite of draft-ietf-mls-pq-ciphersuites
//! (feature `pq`): create, add (Welcome), update, remove, external join, an external PSK,
//! state save/restore, and ReInit from suite 1 to the PQ suite, with all members agreeing on
//! the epoch authenticator and exchanging application messages after each step.

#![cfg(feature = "pq")]

use std::sync::Arc;

use melos::crypto::PqSuite;
use melos::crypto::Secret;
use melos::crypto::rust_crypto::RustCrypto;
use melos::framing::MlsMessage;
use melos::group::{
    CommitOptions, ExternalCommitOptions, Group, GroupConfig, GroupInfoOptions, ProcessedContent,
    PskStore, SigningIdentity,
};
use melos::messages::{Credential, Extensions, KeyPackageBundle, Lifetime};
use melos::tree_math::LeafIndex;
use melos::{CipherSuite, CryptoProvider, Error, GroupError};

const S1: CipherSuite = CipherSuite(1);

fn provider() -> Arc<dyn CryptoProvider> {
    Arc::new(RustCrypto::new())
}

/// The default provider with the PQ suite `suite` registered at `code_point`.
fn provider_at(suite: PqSuite, code_point: CipherSuite) -> Arc<dyn CryptoProvider> {
    Arc::new(
        RustCrypto::new()
            .with_pq_code_point(suite, code_point)
            .unwrap(),
    )
}

fn identity(p: &Arc<dyn CryptoProvider>, suite: CipherSuite, name: &str) -> SigningIdentity {
    let cs = p.suite(suite).unwrap();
    SigningIdentity::generate(cs, Credential::Basic(name.as_bytes().to_vec())).unwrap()
}

fn key_package(
    p: &Arc<dyn CryptoProvider>,
    id: &SigningIdentity,
    suite: CipherSuite,
) -> KeyPackageBundle {
    let lifetime = Lifetime {
        not_before: 0,
        not_after: u64::MAX,
    };
    id.key_package(p.suite(suite).unwrap(), lifetime).unwrap()
}

/// A group `group_id` in `suite` of `names`, the first creating it and adding the others by
/// one Welcome with the ratchet tree in it.
fn group(
    p: &Arc<dyn CryptoProvider>,
    suite: CipherSuite,
    group_id: &[u8],
    names: &[&str],
) -> Vec<Group> {
    let ids: Vec<_> = names.iter().map(|n| identity(p, suite, n)).collect();
    let config = GroupConfig::default();
    let mut first = Group::create(
        p.clone(),
        suite,
        group_id.to_vec(),
        ids[0].clone(),
        config.clone(),
    )
    .unwrap();
    assert_eq!(first.cipher_suite(), suite);
    let mut opts = CommitOptions::default().with_ratchet_tree();
    let mut bundles = Vec::new();
    for id in &ids[1..] {
        let b = key_package(p, id, suite);
        opts = opts.add_member(b.key_package.clone());
        bundles.push((id.clone(), b));
    }
    let out = first.commit(opts).unwrap();
    first.merge_pending_commit().unwrap();
    let w = out.welcome.unwrap();
    let mut groups = vec![first];
    for (id, b) in bundles {
        let g = Group::join(
            p.clone(),
            &w,
            &b,
            id,
            None,
            config.clone(),
            &PskStore::new(),
        )
        .unwrap();
        groups.push(g);
    }
    groups
}

/// Everyone but `from` processes `commit` and merges it; `from` merges its pending commit.
fn deliver(groups: &mut [Group], from: Option<usize>, commit: &MlsMessage) {
    for (i, g) in groups.iter_mut().enumerate() {
        if Some(i) == from {
            g.merge_pending_commit().unwrap();
        } else {
            let m = g.process(commit, None).unwrap();
            let ProcessedContent::Commit(s) = m.content else {
                panic!("not a commit")
            };
            g.merge_staged_commit(*s).unwrap();
        }
    }
}

fn commit_all(groups: &mut [Group], from: usize, opts: CommitOptions) {
    let out = groups[from].commit(opts).unwrap();
    deliver(groups, Some(from), &out.commit);
}

/// Same epoch, same authenticator and context everywhere, and application messages flow
/// from every member to every other.
fn agree(groups: &mut [Group]) {
    let a = groups[0].epoch_authenticator().to_vec();
    for g in groups.iter() {
        assert_eq!(g.epoch_authenticator(), a.as_slice());
        assert_eq!(g.group_context(), groups[0].group_context());
    }
    for i in 0..groups.len() {
        let msg = groups[i].encrypt_application(b"hello", b"").unwrap();
        for (j, g) in groups.iter_mut().enumerate() {
            if j != i {
                let got = g.process(&msg, None).unwrap();
                assert!(matches!(got.content, ProcessedContent::Application(d) if d == b"hello"));
            }
        }
    }
}

/// The whole life of a group in `suite` (at the value the provider gives it).
fn life_of_a_group(p: &Arc<dyn CryptoProvider>, suite: CipherSuite) {
    // Create and add by Welcome.
    let mut g = group(p, suite, b"pq", &["alice", "bob", "carol"]);
    agree(&mut g);

    // Update: Bob proposes, Alice commits it.
    let prop = g[1].propose_update().unwrap();
    for i in [0, 2] {
        g[i].process(&prop, None).unwrap();
    }
    commit_all(&mut g, 0, CommitOptions::default());
    agree(&mut g);
    // A commit with a path from Carol (an UpdatePath encrypted to the PQ KEM keys).
    commit_all(&mut g, 2, CommitOptions::default());
    agree(&mut g);

    // Remove Carol.
    let out = g[0]
        .commit(CommitOptions::default().remove_member(LeafIndex(2)))
        .unwrap();
    let mut g: Vec<Group> = g.into_iter().take(2).collect();
    deliver(&mut g, Some(0), &out.commit);
    assert_eq!(g[0].member_count(), 2);
    agree(&mut g);

    // External join: Dave joins by an external commit to Bob's GroupInfo.
    let gi = g[1].group_info(GroupInfoOptions::default()).unwrap();
    let dave_id = identity(p, suite, "dave");
    let (dave, out) = Group::join_by_external_commit(
        p.clone(),
        &gi,
        None,
        dave_id,
        GroupConfig::default(),
        &PskStore::new(),
        ExternalCommitOptions::default(),
    )
    .unwrap();
    deliver(&mut g, None, &out.commit);
    g.push(dave);
    assert_eq!(g[0].member_count(), 3);
    agree(&mut g);

    // An external PSK in a commit.
    let psk = Secret::from(vec![7u8; 32]);
    for m in g.iter_mut() {
        m.psk_store_mut().insert(b"ext".to_vec(), psk.clone());
    }
    let proposal = g[2].external_psk_proposal(b"ext").unwrap();
    commit_all(&mut g, 2, CommitOptions::default().with_proposal(proposal));
    agree(&mut g);

    // Save and restore every member.
    let mut g: Vec<Group> = g
        .iter()
        .map(|m| Group::from_bytes(p.clone(), m.to_bytes().unwrap().as_bytes()).unwrap())
        .collect();
    agree(&mut g);
    commit_all(&mut g, 1, CommitOptions::default());
    agree(&mut g);
}

/// ReInit of a suite-1 group of three into `suite` (RFC 9420 §11.2): Carol creates the new
/// group, the others join it by the Welcome.
fn reinit_into(p: &Arc<dyn CryptoProvider>, suite: CipherSuite) {
    let mut g = group(p, S1, b"old", &["alice", "bob", "carol"]);
    let prop = g[1]
        .propose_reinit(b"new".to_vec(), suite, Extensions::default())
        .unwrap();
    for i in [0, 2] {
        g[i].process(&prop, None).unwrap();
    }
    commit_all(&mut g, 0, CommitOptions::default());
    for m in &g {
        assert!(!m.is_active());
        assert_eq!(m.pending_reinit().unwrap().cipher_suite, suite);
    }
    // Identities of the new suite, with the same credentials.
    let ids: Vec<SigningIdentity> = ["alice", "bob", "carol"]
        .iter()
        .map(|n| identity(p, suite, n))
        .collect();
    let bundles: Vec<KeyPackageBundle> = ids[..2]
        .iter()
        .map(|id| key_package(p, id, suite))
        .collect();
    let (carol, out) = g[2]
        .reinit(
            ids[2].clone(),
            bundles.iter().map(|b| b.key_package.clone()).collect(),
            GroupConfig::default(),
            CommitOptions::default().with_ratchet_tree(),
        )
        .unwrap();
    assert_eq!(carol.cipher_suite(), suite);
    let w = out.welcome.unwrap();
    let mut new = Vec::new();
    for ((m, b), id) in g[..2].iter().zip(&bundles).zip(&ids) {
        let joined = m
            .join_reinit(
                &w,
                b,
                id.clone(),
                None,
                GroupConfig::default(),
                &PskStore::new(),
            )
            .unwrap();
        new.push(joined);
    }
    new.push(carol);
    agree(&mut new);
    commit_all(&mut new, 1, CommitOptions::default());
    agree(&mut new);
}

macro_rules! suite_tests {
    ($($name:ident => $suite:ident,)*) => {
        $(
            mod $name {
                use super::*;

                #[test]
                fn group_operations() {
                    let p = provider();
                    life_of_a_group(&p, PqSuite::$suite.default_code_point());
                }

                #[test]
                fn reinit_from_suite_1() {
                    let p = provider();
                    reinit_into(&p, PqSuite::$suite.default_code_point());
                }
            }
        )*
    };
}

suite_tests! {
    tbd1_xwing_aes128_sha256_ed25519 => MLS_128_MLKEM768X25519_AES128GCM_SHA256_Ed25519,
    tbd2_xwing_aes256_sha384_ed25519 => MLS_128_MLKEM768X25519_AES256GCM_SHA384_Ed25519,
    tbd3_mlkem768p256_aes128_sha256_p256 => MLS_128_MLKEM768P256_AES128GCM_SHA256_P256,
    tbd4_mlkem768p256_aes256_sha384_p256 => MLS_128_MLKEM768P256_AES256GCM_SHA384_P256,
    tbd5_mlkem1024p384_aes256_sha384_p384 => MLS_192_MLKEM1024P384_AES256GCM_SHA384_P384,
    tbd6_mlkem768_aes256_sha384_ed25519 => MLS_128_MLKEM768_AES256GCM_SHA384_Ed25519,
    tbd7_mlkem768_aes256_sha384_p256 => MLS_128_MLKEM768_AES256GCM_SHA384_P256,
    tbd8_mlkem1024_aes256_sha384_p384 => MLS_192_MLKEM1024_AES256GCM_SHA384_P384,
    tbd9_xwing_chacha20_sha384_mldsa44 => MLS_128_MLKEM768X25519_CHACHA20POLY1305_SHA384_MLDSA44,
    tbd10_mlkem768_aes256_sha384_mldsa65 => MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65,
    tbd11_mlkem1024_aes256_sha384_mldsa87 => MLS_256_MLKEM1024_AES256GCM_SHA384_MLDSA87,
}

/// A PQ suite at a value registered at run time (OpenMLS's 0x0050 for TBD7) runs the same.
#[test]
fn suite_at_a_registered_value() {
    let tbd7 = PqSuite::MLS_128_MLKEM768_AES256GCM_SHA384_P256;
    let p = provider_at(tbd7, CipherSuite(0x0050));
    assert!(p.suite(tbd7.default_code_point()).is_err());
    let mut g = group(&p, CipherSuite(0x0050), b"g", &["a", "b"]);
    agree(&mut g);
    commit_all(&mut g, 1, CommitOptions::default());
    agree(&mut g);
}

/// A KeyPackage whose ML-KEM `init_key` fails the FIPS 203 modulus check is refused when
/// added (RFC 9420 §10, the D4 check through `kem_validate_public_key`).
#[test]
fn key_package_with_invalid_mlkem_init_key_is_refused() {
    let p = provider();
    let suite = PqSuite::MLS_128_MLKEM768_AES256GCM_SHA384_Ed25519.default_code_point();
    let cs = p.suite(suite).unwrap();
    let mut g = group(&p, suite, b"g", &["alice", "carol"]);
    let bob = identity(&p, suite, "bob");
    let mut kp = key_package(&p, &bob, suite).key_package;
    let mut init = kp.init_key.as_bytes().to_vec();
    init[0] = 0xff;
    init[1] |= 0x0f; // first coefficient 4095 >= q
    kp.init_key = melos::crypto::HpkePublicKey(init);
    kp.sign(cs, bob.key_pair().unwrap()).unwrap();
    assert_eq!(
        kp.validate(cs, 0),
        Err(Error::Group(GroupError::InvalidKemPublicKey))
    );
    let before = g[0].to_bytes().unwrap();
    assert_eq!(
        g[0].commit(CommitOptions::default().add_member(kp))
            .map(|_| ()),
        Err(Error::Group(GroupError::InvalidKemPublicKey))
    );
    assert_eq!(g[0].to_bytes().unwrap().as_bytes(), before.as_bytes());
}

/// A raw key of a PQ suite knows its signature scheme (RFC 9420 §5.1, the scheme of the
/// suite; draft-ietf-mls-pq-ciphersuites §4), ML-DSA included, from the provider that made
/// or took it, at a default or a registered code point, and after a group state round
/// trip. Without a provider ([`SigningIdentity::from_key_pair`]) a PQ suite's value names
/// no scheme: a deployment chooses it.
#[test]
fn raw_pq_key_has_its_signature_scheme() {
    let tbd9 = PqSuite::MLS_128_MLKEM768X25519_CHACHA20POLY1305_SHA384_MLDSA44;
    let registered = provider_at(tbd9, CipherSuite(0x0052));
    let p = provider();
    let mut cases: Vec<_> = PqSuite::ALL
        .into_iter()
        .map(|s| (p.clone(), s.default_code_point(), s))
        .collect();
    cases.push((registered, CipherSuite(0x0052), tbd9));
    for (p, suite, pq) in cases {
        let scheme = Some(pq.components().3);
        let cs = p.suite(suite).unwrap();
        let id = identity(&p, suite, "a");
        assert_eq!(id.signature_scheme(), scheme, "{pq:?} at {suite:?}");
        let key_pair = id.key_pair().unwrap().clone();
        let taken = SigningIdentity::from_private_key(
            cs,
            Credential::Basic(b"a".to_vec()),
            key_pair.private_key.clone(),
        )
        .unwrap();
        assert_eq!(taken.signature_scheme(), scheme);
        let bare =
            SigningIdentity::from_key_pair(suite, Credential::Basic(b"a".to_vec()), key_pair);
        assert_eq!(bare.signature_scheme(), None);
        assert_eq!(bare, id);
    }
    let tbd10 = PqSuite::MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65;
    let p = provider();
    let g = group(&p, tbd10.default_code_point(), b"g", &["a", "b"]);
    let restored = Group::from_bytes(p.clone(), g[0].to_bytes().unwrap().as_bytes()).unwrap();
    assert_eq!(
        restored.identity().signature_scheme(),
        Some(melos::crypto::SignatureScheme::MLDSA65)
    );
    // The RFC 9420 suites as before.
    let id = identity(&p, S1, "a");
    assert_eq!(
        id.signature_scheme(),
        Some(melos::crypto::SignatureScheme::ED25519)
    );
}
