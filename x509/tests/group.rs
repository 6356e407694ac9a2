//! End to end: a melos group whose members present `x509` credentials (RFC 9420 §5.3),
//! their leaf signature key being their certificate's key (§5.3.1), with
//! [`X509CredentialValidator`] as the group's credential validator. A member whose chain
//! does not validate can neither create, be added to, nor be joined into the group.

mod common;

use std::sync::Arc;

use common::*;
use melos::crypto::rust_crypto::RustCrypto;
use melos::group::{CommitOptions, Group, GroupConfig, GroupHooks, PskStore, SigningIdentity};
use melos::messages::{
    Certificate, Credential, KeyPackageBundle, LeafNodeSource, Lifetime, Proposal, Update,
};
use melos::ratchet_tree::TreeView;
use melos::tree_math::LeafIndex;
use melos::{CipherSuite, CryptoProvider, Error, GroupError};
use melos_x509::{TrustAnchor, ValidationTime, X509CredentialValidator};

/// MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.
const SUITE: CipherSuite = CipherSuite(1);
const FOREVER: Lifetime = Lifetime {
    not_before: 0,
    not_after: u64::MAX,
};

fn provider() -> Arc<dyn CryptoProvider> {
    Arc::new(RustCrypto::new())
}

fn strict(pki: &Pki) -> GroupConfig {
    let v = X509CredentialValidator::new(
        vec![TrustAnchor::from_der(&pki.root).unwrap()],
        ValidationTime::Fixed(NOW),
    );
    GroupConfig {
        hooks: GroupHooks::new().with_credential_validator(Arc::new(v)),
        ..GroupConfig::default()
    }
}

/// How a test client's certificate is made.
enum Cert {
    /// Issued by the intermediate for the client's own signature key.
    Valid,
    /// Issued by the intermediate, but expired at [`NOW`].
    Expired,
    /// Issued by a CA the validator does not trust.
    Untrusted,
    /// Issued by the intermediate for another key than the client's signature key.
    OtherKey,
}

/// A client `name` with a fresh Ed25519 signature key, an x509 credential (leaf and
/// intermediate) made as `how` says, and a KeyPackage.
fn client(
    p: &Arc<dyn CryptoProvider>,
    pki: &Pki,
    name: &str,
    how: Cert,
) -> (SigningIdentity, KeyPackageBundle) {
    let cs = p.suite(SUITE).unwrap();
    let mut id = SigningIdentity::generate(cs, Credential::Basic(Vec::new())).unwrap();
    let key = match how {
        Cert::OtherKey => Key::ed25519(77).mls_public(),
        _ => id.signature_public_key().0.clone(),
    };
    let subject = format!("CN={name},O=melos");
    let chain = match how {
        Cert::Untrusted => {
            let rogue = Key::ed25519(66);
            let ca = issue(INTER, &rogue, ROOT, &signer(&rogue), ca_extensions(), VALID);
            let leaf = issue_spki(
                &subject,
                ed25519_spki(&key),
                INTER,
                &signer(&rogue),
                leaf_extensions(),
                VALID,
            );
            vec![leaf, ca]
        }
        _ => {
            let validity = match how {
                Cert::Expired => (1_600_000_000, NOW - 1),
                _ => VALID,
            };
            let leaf = issue_spki(
                &subject,
                ed25519_spki(&key),
                INTER,
                &signer(&pki.inter_key),
                leaf_extensions(),
                validity,
            );
            vec![leaf, pki.inter.clone()]
        }
    };
    id.credential = Credential::X509(
        chain
            .into_iter()
            .map(|cert_data| Certificate { cert_data })
            .collect(),
    );
    let kp = id.key_package(cs, FOREVER).unwrap();
    (id, kp)
}

fn join(
    p: &Arc<dyn CryptoProvider>,
    welcome: &melos::framing::MlsMessage,
    client: (SigningIdentity, KeyPackageBundle),
    config: GroupConfig,
) -> Result<Group, Error> {
    Group::join(
        p.clone(),
        welcome,
        &client.1,
        client.0,
        None,
        config,
        &PskStore::new(),
    )
}

const REJECTED: Error = Error::Group(GroupError::CredentialRejected);

#[test]
fn x509_members_form_a_group() {
    let p = provider();
    let pki = Pki::ed25519();
    let config = strict(&pki);
    let (alice, _) = client(&p, &pki, "alice", Cert::Valid);
    let mut alice =
        Group::create(p.clone(), SUITE, b"x509".to_vec(), alice, config.clone()).unwrap();
    let bob = client(&p, &pki, "bob", Cert::Valid);
    let carol = client(&p, &pki, "carol", Cert::Valid);
    let out = alice
        .commit(
            CommitOptions::default()
                .with_ratchet_tree()
                .add_member(bob.1.key_package.clone())
                .add_member(carol.1.key_package.clone()),
        )
        .unwrap();
    alice.merge_pending_commit().unwrap();
    let welcome = out.welcome.unwrap();
    let bob = join(&p, &welcome, bob, config.clone()).unwrap();
    let carol = join(&p, &welcome, carol, config).unwrap();
    assert_eq!(bob.epoch_authenticator(), alice.epoch_authenticator());
    assert_eq!(carol.epoch_authenticator(), alice.epoch_authenticator());
}

#[test]
fn a_member_with_a_bad_chain_is_not_added() {
    let p = provider();
    let pki = Pki::ed25519();
    let config = strict(&pki);
    let (alice, _) = client(&p, &pki, "alice", Cert::Valid);
    let mut alice = Group::create(p.clone(), SUITE, b"x509".to_vec(), alice, config).unwrap();
    for how in [Cert::Expired, Cert::Untrusted, Cert::OtherKey] {
        let (_, kp) = client(&p, &pki, "mallory", how);
        let e = alice
            .commit(CommitOptions::default().add_member(kp.key_package))
            .unwrap_err();
        assert_eq!(e, REJECTED);
    }
}

#[test]
fn a_creator_with_a_bad_chain_cannot_create() {
    let p = provider();
    let pki = Pki::ed25519();
    let (mallory, _) = client(&p, &pki, "mallory", Cert::Untrusted);
    let e = Group::create(p.clone(), SUITE, b"x509".to_vec(), mallory, strict(&pki)).unwrap_err();
    assert_eq!(e, REJECTED);
}

#[test]
fn a_strict_member_refuses_a_bad_chain_added_by_a_lax_one() {
    let p = provider();
    let pki = Pki::ed25519();
    // Alice uses melos's default validator (x509 chains as opaque bytes).
    let lax = GroupConfig::default();
    let (alice, _) = client(&p, &pki, "alice", Cert::Valid);
    let mut alice = Group::create(p.clone(), SUITE, b"x509".to_vec(), alice, lax).unwrap();
    let bob = client(&p, &pki, "bob", Cert::Valid);
    let out = alice
        .commit(
            CommitOptions::default()
                .with_ratchet_tree()
                .add_member(bob.1.key_package.clone()),
        )
        .unwrap();
    alice.merge_pending_commit().unwrap();
    let mut bob = join(&p, &out.welcome.unwrap(), bob, strict(&pki)).unwrap();

    // Alice adds Mallory, whose certificate has expired: Bob refuses the Commit ...
    let mallory = client(&p, &pki, "mallory", Cert::Expired);
    let dave = client(&p, &pki, "dave", Cert::Valid);
    let out = alice
        .commit(
            CommitOptions::default()
                .with_ratchet_tree()
                .add_member(mallory.1.key_package.clone())
                .add_member(dave.1.key_package.clone()),
        )
        .unwrap();
    let (epoch, authenticator) = (bob.epoch(), bob.epoch_authenticator().to_vec());
    assert_eq!(bob.process(&out.commit, None).unwrap_err(), REJECTED);
    assert_eq!(
        (bob.epoch(), bob.epoch_authenticator()),
        (epoch, &authenticator[..])
    );
    // ... and Dave, joining with the strict validator, refuses the tree Mallory is in.
    assert_eq!(
        join(&p, &out.welcome.unwrap(), dave, strict(&pki)).unwrap_err(),
        REJECTED
    );
}

/// An Update proposal of member `leaf` of `g` (its own group) with `chain` as its new
/// credential, same signature key.
fn update_with(
    p: &Arc<dyn CryptoProvider>,
    g: &Group,
    leaf: LeafIndex,
    chain: Vec<Vec<u8>>,
) -> Proposal {
    let cs = p.suite(SUITE).unwrap();
    let mut node = g.ratchet_tree().leaf(leaf).unwrap().to_leaf_node().unwrap();
    node.credential = Credential::X509(
        chain
            .into_iter()
            .map(|cert_data| Certificate { cert_data })
            .collect(),
    );
    node.encryption_key = cs.kem_generate_key_pair().unwrap().public_key;
    node.leaf_node_source = LeafNodeSource::Update;
    node.sign(
        cs,
        &g.identity().key_pair().unwrap().private_key,
        g.group_id(),
        leaf,
    )
    .unwrap();
    Proposal::Update(Box::new(Update { leaf_node: node }))
}

/// RFC 9420 §5.3.2: a member may renew its certificate (same subject), but not change its
/// identity, nor present an expired certificate.
#[test]
fn certificate_renewal_keeps_the_identity() {
    let p = provider();
    let pki = Pki::ed25519();
    let config = strict(&pki);
    let (alice, _) = client(&p, &pki, "alice", Cert::Valid);
    let mut alice =
        Group::create(p.clone(), SUITE, b"x509".to_vec(), alice, config.clone()).unwrap();
    let bob = client(&p, &pki, "bob", Cert::Valid);
    let out = alice
        .commit(
            CommitOptions::default()
                .with_ratchet_tree()
                .add_member(bob.1.key_package.clone()),
        )
        .unwrap();
    alice.merge_pending_commit().unwrap();
    let mut bob = join(&p, &out.welcome.unwrap(), bob, config).unwrap();
    let bob_key = ed25519_spki(&bob.identity().signature_public_key().0);
    let bob_leaf = LeafIndex(1);
    let cert = |subject: &str, validity| {
        vec![
            issue_spki(
                subject,
                bob_key.clone(),
                INTER,
                &signer(&pki.inter_key),
                leaf_extensions(),
                validity,
            ),
            pki.inter.clone(),
        ]
    };

    // A renewed certificate for the same subject and key: accepted.
    let renewed = update_with(
        &p,
        &bob,
        bob_leaf,
        cert("CN=bob,O=melos", (NOW - 5, NOW + 1_000)),
    );
    let msg = bob.propose(renewed).unwrap();
    alice.process(&msg, None).unwrap();

    // A certificate for another subject: not a valid successor.
    let other = update_with(&p, &bob, bob_leaf, cert("CN=mallory,O=melos", VALID));
    let msg = bob.propose(other).unwrap();
    assert_eq!(
        alice.process(&msg, None).unwrap_err(),
        Error::Group(GroupError::CredentialNotValidSuccessor)
    );

    // An expired certificate for the same subject: rejected.
    let expired = update_with(
        &p,
        &bob,
        bob_leaf,
        cert("CN=bob,O=melos", (1_600_000_000, NOW - 1)),
    );
    let msg = bob.propose(expired).unwrap();
    assert_eq!(alice.process(&msg, None).unwrap_err(), REJECTED);
}
