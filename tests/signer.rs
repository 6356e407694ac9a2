//! External signers (RFC 9420 §5.1.2) and saved client material: a group whose members sign
//! through a `Signer` that never shows its key, scheme checks, and `to_bytes` / `from_bytes`
//! of `SigningIdentity` and `KeyPackageBundle`.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use common::{SUITE, new_client, provider};
use melos::crypto::{RawKeySigner, SignaturePublicKey, SignatureScheme, Signer};
use melos::framing::MlsMessage;
use melos::group::{
    CLIENT_MATERIAL_VERSION, CommitOptions, ExternalCommitOptions, ExternalProposer, Group,
    GroupConfig, GroupInfoOptions, ProcessedContent, PskStore, SigningIdentity,
};
use melos::messages::{
    Add, Credential, Extensions, ExternalSenders, KeyPackageBundle, Lifetime, Proposal,
};
use melos::{CipherSuite, CryptoProvider};
use melos::{CryptoError, Error, FramingError, GroupError, MessageError};

/// A signer in the style of an HSM handle: the key stays inside (a `RawKeySigner` the group
/// never sees), every call is counted, and it can be told to return broken signatures.
struct CountingSigner {
    inner: RawKeySigner,
    calls: AtomicUsize,
    corrupt: AtomicBool,
}

impl CountingSigner {
    fn new(p: &Arc<dyn CryptoProvider>, suite: CipherSuite) -> Arc<Self> {
        Arc::new(CountingSigner {
            inner: RawKeySigner::generate(p.clone(), suite).unwrap(),
            calls: AtomicUsize::new(0),
            corrupt: AtomicBool::new(false),
        })
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl Signer for CountingSigner {
    fn signature_scheme(&self) -> SignatureScheme {
        self.inner.signature_scheme()
    }

    fn public_key(&self) -> &SignaturePublicKey {
        self.inner.public_key()
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let mut sig = self.inner.sign(message)?;
        if self.corrupt.load(Ordering::SeqCst)
            && let Some(b) = sig.last_mut()
        {
            *b ^= 1;
        }
        Ok(sig)
    }
}

fn life() -> Lifetime {
    Lifetime {
        not_before: 0,
        not_after: u64::MAX,
    }
}

fn basic(name: &str) -> Credential {
    Credential::Basic(name.as_bytes().to_vec())
}

fn commit_to_all(groups: &mut [&mut Group], from: usize, opts: CommitOptions) -> MlsMessage {
    let out = groups[from].commit(opts).unwrap();
    for (i, g) in groups.iter_mut().enumerate() {
        if i == from {
            g.merge_pending_commit().unwrap();
        } else {
            let m = g.process(&out.commit, None).unwrap();
            let ProcessedContent::Commit(s) = m.content else {
                panic!("not a commit")
            };
            g.merge_staged_commit(*s).unwrap();
        }
    }
    out.commit
}

fn application(m: melos::group::ProcessedMessage) -> Vec<u8> {
    match m.content {
        ProcessedContent::Application(d) => d,
        _ => panic!("not an application message"),
    }
}

/// Alice (external signer) creates a group; Bob (external signer, KeyPackage signed by it)
/// joins by Welcome; both send messages, update and commit; every signature comes from the
/// signers and every peer verifies it.
#[test]
fn external_signers_run_a_group() {
    let p = provider();
    let cs = p.suite(SUITE).unwrap();
    let alice_signer = CountingSigner::new(&p, SUITE);
    let bob_signer = CountingSigner::new(&p, SUITE);
    let alice_id = SigningIdentity::new(basic("alice"), alice_signer.clone());
    let bob_id = SigningIdentity::new(basic("bob"), bob_signer.clone());
    assert!(alice_id.key_pair().is_none());
    assert_eq!(alice_id.signature_public_key(), alice_signer.public_key());

    let mut alice = Group::create(
        p.clone(),
        SUITE,
        b"signers".to_vec(),
        alice_id,
        GroupConfig::default(),
    )
    .unwrap();
    assert_eq!(alice_signer.calls(), 1, "the creator's leaf");

    let bob_kp = bob_id.key_package(cs, life()).unwrap();
    assert_eq!(bob_signer.calls(), 2, "leaf node and KeyPackage");
    bob_kp.key_package.verify_signature(cs).unwrap();

    let out = alice
        .commit(
            CommitOptions::default()
                .with_ratchet_tree()
                .add_member(bob_kp.key_package.clone()),
        )
        .unwrap();
    alice.merge_pending_commit().unwrap();
    // Leaf node of the path, the Commit's content, the GroupInfo of the Welcome.
    assert_eq!(alice_signer.calls(), 4);
    let mut bob = Group::join(
        p.clone(),
        &out.welcome.unwrap(),
        &bob_kp,
        bob_id,
        None,
        GroupConfig::default(),
        &PskStore::new(),
    )
    .unwrap();
    assert_eq!(bob.epoch_authenticator(), alice.epoch_authenticator());

    let msg = bob.encrypt_application(b"hello alice", b"").unwrap();
    assert_eq!(
        application(alice.process(&msg, None).unwrap()),
        b"hello alice"
    );
    let msg = alice.encrypt_application(b"hello bob", b"").unwrap();
    assert_eq!(application(bob.process(&msg, None).unwrap()), b"hello bob");

    // An Update proposal by Bob, committed by Alice; then a commit by Bob.
    let update = bob.propose_update().unwrap();
    alice.process(&update, None).unwrap();
    commit_to_all(&mut [&mut alice, &mut bob], 0, CommitOptions::default());
    commit_to_all(&mut [&mut alice, &mut bob], 1, CommitOptions::default());
    assert_eq!(bob.epoch_authenticator(), alice.epoch_authenticator());
    assert_eq!(alice.epoch(), 3);
    assert!(bob_signer.calls() >= 7);
    assert!(alice_signer.calls() >= 7);
    assert!(alice.identity().key_pair().is_none());
}

/// A signer that returns a wrong signature: every receiver refuses what it signed, and the
/// receiving group is left as it was.
#[test]
fn wrong_signatures_are_refused() {
    let p = provider();
    let alice_signer = CountingSigner::new(&p, SUITE);
    let (bob_id, bob_kp) = new_client(&p, "bob");
    let mut alice = Group::create(
        p.clone(),
        SUITE,
        b"bad signer".to_vec(),
        SigningIdentity::new(basic("alice"), alice_signer.clone()),
        GroupConfig::default(),
    )
    .unwrap();
    let out = alice
        .commit(
            CommitOptions::default()
                .with_ratchet_tree()
                .add_member(bob_kp.key_package.clone()),
        )
        .unwrap();
    alice.merge_pending_commit().unwrap();
    let welcome = out.welcome.unwrap();
    let mut bob = Group::join(
        p.clone(),
        &welcome,
        &bob_kp,
        bob_id,
        None,
        GroupConfig::default(),
        &PskStore::new(),
    )
    .unwrap();

    alice_signer.corrupt.store(true, Ordering::SeqCst);
    let msg = alice.encrypt_application(b"forged?", b"").unwrap();
    assert_eq!(
        bob.process(&msg, None).unwrap_err(),
        Error::Framing(FramingError::InvalidSignature)
    );
    // Handshake messages: refused, and Bob's saved state is byte for byte the same.
    let before = bob.to_bytes().unwrap();
    let proposal = alice.propose_update().unwrap();
    assert_eq!(
        bob.process(&proposal, None).unwrap_err(),
        Error::Framing(FramingError::InvalidSignature)
    );
    let commit = alice.commit(CommitOptions::default()).unwrap();
    assert_eq!(
        bob.process(&commit.commit, None).unwrap_err(),
        Error::Framing(FramingError::InvalidSignature)
    );
    assert_eq!(bob.to_bytes().unwrap(), before);
    alice.clear_pending_commit();

    // A Welcome whose GroupInfo signature is wrong is refused too.
    let (carol_id, carol_kp) = new_client(&p, "carol");
    let out = alice
        .commit(
            CommitOptions::default()
                .with_ratchet_tree()
                .add_member(carol_kp.key_package.clone()),
        )
        .unwrap();
    let err = Group::join(
        p.clone(),
        &out.welcome.unwrap(),
        &carol_kp,
        carol_id,
        None,
        GroupConfig::default(),
        &PskStore::new(),
    )
    .unwrap_err();
    assert_eq!(err, Error::Message(MessageError::GroupInfoSignatureInvalid));
}

/// The signer's scheme must be the one of the group's suite: an Ed25519 signer (and a raw
/// Ed25519 key) cannot create a P-256 group, and neither signs anything there.
#[test]
fn signer_scheme_must_match_the_suite() {
    let p = provider();
    let p256 = CipherSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256;
    let ed = CountingSigner::new(&p, SUITE);
    let err = Group::create(
        p.clone(),
        p256,
        b"g".to_vec(),
        SigningIdentity::new(basic("alice"), ed.clone()),
        GroupConfig::default(),
    )
    .unwrap_err();
    assert_eq!(err, Error::Group(GroupError::SignerSchemeMismatch));
    assert_eq!(ed.calls(), 0);

    let (raw_ed, _) = new_client(&p, "alice");
    let err = Group::create(
        p.clone(),
        p256,
        b"g".to_vec(),
        raw_ed,
        GroupConfig::default(),
    )
    .unwrap_err();
    assert_eq!(err, Error::Group(GroupError::SignerSchemeMismatch));

    let id = SigningIdentity::new(basic("bob"), ed.clone());
    let err = id.key_package(p.suite(p256).unwrap(), life()).unwrap_err();
    assert_eq!(err, Error::Group(GroupError::SignerSchemeMismatch));

    // Suites 1 and 3 share Ed25519: a raw key of suite 1 signs in a suite-3 group.
    let (raw_ed, _) = new_client(&p, "carol");
    let suite3 = CipherSuite::MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_ED25519;
    Group::create(
        p.clone(),
        suite3,
        b"g".to_vec(),
        raw_ed,
        GroupConfig::default(),
    )
    .unwrap();
}

/// A saved group state holds no key of an external signer: the restored group refuses to
/// sign until the signer is given back (with the right public key).
#[test]
fn restored_group_needs_its_external_signer() {
    let p = provider();
    let signer = CountingSigner::new(&p, SUITE);
    let mut alice = Group::create(
        p.clone(),
        SUITE,
        b"restore".to_vec(),
        SigningIdentity::new(basic("alice"), signer.clone()),
        GroupConfig::default(),
    )
    .unwrap();
    let saved = alice.to_bytes().unwrap();
    let mut restored = Group::from_bytes(p.clone(), saved.as_bytes()).unwrap();
    assert_eq!(
        restored.commit(CommitOptions::default()).unwrap_err(),
        Error::Group(GroupError::SignerRequired)
    );
    let other = CountingSigner::new(&p, SUITE);
    assert_eq!(
        restored.set_signer(other).unwrap_err(),
        Error::Group(GroupError::SetSignerKeyMismatch)
    );
    restored.set_signer(signer.clone()).unwrap();
    let (bob_id, bob_kp) = new_client(&p, "bob");
    let out = restored
        .commit(
            CommitOptions::default()
                .with_ratchet_tree()
                .add_member(bob_kp.key_package.clone()),
        )
        .unwrap();
    restored.merge_pending_commit().unwrap();
    let bob = Group::join(
        p.clone(),
        &out.welcome.unwrap(),
        &bob_kp,
        bob_id,
        None,
        GroupConfig::default(),
        &PskStore::new(),
    )
    .unwrap();
    assert_eq!(bob.epoch_authenticator(), restored.epoch_authenticator());
    let _ = alice.encrypt_application(b"x", b"").unwrap();
}

/// `SigningIdentity` and `KeyPackageBundle` round-trip through bytes; a restored bundle joins
/// by Welcome and a restored identity signs verifiably.
#[test]
fn client_material_round_trips() {
    let p = provider();
    let cs = p.suite(SUITE).unwrap();
    let (alice_id, _) = new_client(&p, "alice");
    let (bob_id, bob_kp) = new_client(&p, "bob");

    let alice_bytes = alice_id.to_bytes().unwrap();
    assert_eq!(&alice_bytes.as_bytes()[..8], b"melosSID");
    assert_eq!(
        &alice_bytes.as_bytes()[8..10],
        &CLIENT_MATERIAL_VERSION.to_be_bytes()
    );
    let alice_restored = SigningIdentity::from_bytes(alice_bytes.as_bytes()).unwrap();
    assert_eq!(alice_restored, alice_id);
    let bob_restored = SigningIdentity::from_bytes(bob_id.to_bytes().unwrap().as_bytes()).unwrap();
    let kp_bytes = bob_kp.to_bytes().unwrap();
    let kp_restored = KeyPackageBundle::from_bytes(kp_bytes.as_bytes()).unwrap();
    assert_eq!(kp_restored, bob_kp);

    // The restored identity signs: a KeyPackage that verifies, and a group Bob joins.
    let kp2 = alice_restored.key_package(cs, life()).unwrap();
    kp2.key_package.verify_signature(cs).unwrap();
    let mut alice = Group::create(
        p.clone(),
        SUITE,
        b"restored".to_vec(),
        alice_restored,
        GroupConfig::default(),
    )
    .unwrap();
    let out = alice
        .commit(
            CommitOptions::default()
                .with_ratchet_tree()
                .add_member(kp_restored.key_package.clone()),
        )
        .unwrap();
    alice.merge_pending_commit().unwrap();
    let mut bob = Group::join(
        p.clone(),
        &out.welcome.unwrap(),
        &kp_restored,
        bob_restored,
        None,
        GroupConfig::default(),
        &PskStore::new(),
    )
    .unwrap();
    let msg = alice.encrypt_application(b"restored", b"").unwrap();
    assert_eq!(application(bob.process(&msg, None).unwrap()), b"restored");
    let msg = bob.encrypt_application(b"back", b"").unwrap();
    assert_eq!(application(alice.process(&msg, None).unwrap()), b"back");

    // Debug never shows a private key.
    let shown = format!("{alice_id:?} {bob_kp:?}");
    assert!(shown.contains("[redacted]"));
    let secret = alice_id.key_pair().unwrap().private_key.as_bytes();
    let hex: String = secret.iter().take(8).map(|b| format!("{b:02x}")).collect();
    assert!(!shown.contains(&hex));
}

/// Each malformed input is refused with its own error.
#[test]
fn client_material_refusals() {
    let p = provider();
    let (id, kp) = new_client(&p, "alice");
    let id_bytes = id.to_bytes().unwrap().as_bytes().to_vec();
    let kp_bytes = kp.to_bytes().unwrap().as_bytes().to_vec();
    fn err<T>(e: GroupError) -> Result<T, Error> {
        Err(Error::Group(e))
    }

    for len in 0..id_bytes.len() {
        assert_eq!(
            SigningIdentity::from_bytes(&id_bytes[..len]),
            err(GroupError::ClientMaterialTruncated),
            "identity cut at {len}"
        );
    }
    for len in 0..kp_bytes.len() {
        assert_eq!(
            KeyPackageBundle::from_bytes(&kp_bytes[..len]),
            err(GroupError::ClientMaterialTruncated),
            "bundle cut at {len}"
        );
    }

    let mut wrong_version = id_bytes.clone();
    wrong_version[9] ^= 2;
    assert_eq!(
        SigningIdentity::from_bytes(&wrong_version),
        err(GroupError::UnsupportedClientMaterialVersion)
    );
    let mut wrong_version = kp_bytes.clone();
    wrong_version[8] = 0xff;
    assert_eq!(
        KeyPackageBundle::from_bytes(&wrong_version),
        err(GroupError::UnsupportedClientMaterialVersion)
    );

    let mut trailing = id_bytes.clone();
    trailing.push(0);
    assert_eq!(
        SigningIdentity::from_bytes(&trailing),
        err(GroupError::ClientMaterialTrailingBytes)
    );
    let mut trailing = kp_bytes.clone();
    trailing.extend_from_slice(b"xyz");
    assert_eq!(
        KeyPackageBundle::from_bytes(&trailing),
        err(GroupError::ClientMaterialTrailingBytes)
    );

    // One kind of material is not the other.
    assert_eq!(
        SigningIdentity::from_bytes(&kp_bytes),
        err(GroupError::ClientMaterialWrongKind)
    );
    assert_eq!(
        KeyPackageBundle::from_bytes(&id_bytes),
        err(GroupError::ClientMaterialWrongKind)
    );

    // A length prefix larger than the input allocates nothing and is a truncation.
    let mut huge = id_bytes[..12].to_vec();
    huge.extend_from_slice(&[0x00, 0x01, 0x80, 0xff, 0xff, 0xff]);
    assert_eq!(
        SigningIdentity::from_bytes(&huge),
        err(GroupError::ClientMaterialTruncated)
    );

    // The fuzz entry point takes valid and broken material without panicking.
    for bytes in [
        &id_bytes[..],
        &kp_bytes[..],
        &huge[..],
        &trailing[..],
        b"melosSID",
    ] {
        melos::fuzzing::messages::client_material(bytes);
    }

    // An identity with an external signer has no key bytes to save.
    let external = SigningIdentity::new(basic("hsm"), CountingSigner::new(&p, SUITE));
    assert_eq!(external.to_bytes(), err(GroupError::SignerNotSerializable));
}

/// External join (RFC 9420 §12.4.3.2) with signers on both sides: the member's GroupInfo
/// and the joiner's leaf and Commit are signed by their signers and verified by the other.
#[test]
fn external_commit_with_signers() {
    let p = provider();
    let alice_signer = CountingSigner::new(&p, SUITE);
    let carol_signer = CountingSigner::new(&p, SUITE);
    let mut alice = Group::create(
        p.clone(),
        SUITE,
        b"external".to_vec(),
        SigningIdentity::new(basic("alice"), alice_signer.clone()),
        GroupConfig::default(),
    )
    .unwrap();
    let gi = alice.group_info(GroupInfoOptions::default()).unwrap();
    assert_eq!(alice_signer.calls(), 2, "leaf and GroupInfo");
    let (mut carol, out) = Group::join_by_external_commit(
        p.clone(),
        &gi,
        None,
        SigningIdentity::new(basic("carol"), carol_signer.clone()),
        GroupConfig::default(),
        &PskStore::new(),
        ExternalCommitOptions::default(),
    )
    .unwrap();
    assert_eq!(carol_signer.calls(), 2, "leaf and Commit");
    let m = alice.process(&out.commit, None).unwrap();
    let ProcessedContent::Commit(s) = m.content else {
        panic!("not a commit")
    };
    alice.merge_staged_commit(*s).unwrap();
    assert_eq!(alice.epoch_authenticator(), carol.epoch_authenticator());
    let msg = carol.encrypt_application(b"joined", b"").unwrap();
    assert_eq!(application(alice.process(&msg, None).unwrap()), b"joined");

    // A joiner whose signer is of another scheme is refused before anything is signed.
    let p256 = CountingSigner::new(&p, CipherSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256);
    let err = Group::join_by_external_commit(
        p.clone(),
        &gi,
        None,
        SigningIdentity::new(basic("dave"), p256.clone()),
        GroupConfig::default(),
        &PskStore::new(),
        ExternalCommitOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err, Error::Group(GroupError::SignerSchemeMismatch));
    assert_eq!(p256.calls(), 0);
}

/// An external sender (RFC 9420 §12.1.8) whose key is behind a signer: its proposal is
/// verified by the members; a signer of another scheme is refused when the proposer is made.
#[test]
fn external_proposer_with_signer() {
    let p = provider();
    let ds_signer = CountingSigner::new(&p, SUITE);
    let ds = ExternalProposer::new(
        p.clone(),
        SUITE,
        SigningIdentity::new(basic("ds"), ds_signer.clone()),
    )
    .unwrap();
    let mut ext = Extensions::default();
    ext.write(&ExternalSenders(vec![ds.external_sender()]))
        .unwrap();
    let (alice_id, _) = new_client(&p, "alice");
    let mut alice = Group::create_with_extensions(
        p.clone(),
        SUITE,
        b"ds".to_vec(),
        alice_id,
        GroupConfig::default(),
        ext,
    )
    .unwrap();
    let (_, bob_kp) = new_client(&p, "bob");
    let proposal = ds
        .propose(
            alice.group_id(),
            alice.epoch(),
            0,
            Proposal::Add(Box::new(Add {
                key_package: bob_kp.key_package.clone(),
            })),
            b"",
        )
        .unwrap();
    assert_eq!(ds_signer.calls(), 1);
    let m = alice.process(&proposal, None).unwrap();
    let ProcessedContent::Proposal(_, reference, _) = m.content else {
        panic!("not a proposal")
    };
    // The default policy holds outsiders' proposals for the application.
    alice.approve_proposal(&reference).unwrap();
    let out = alice.commit(CommitOptions::default()).unwrap();
    alice.merge_pending_commit().unwrap();
    assert!(out.welcome.is_some());
    assert_eq!(alice.member_count(), 2);

    let p256 = CipherSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256;
    let err = ExternalProposer::new(
        p.clone(),
        p256,
        SigningIdentity::new(basic("ds2"), ds_signer.clone()),
    )
    .unwrap_err();
    assert_eq!(err, Error::Group(GroupError::SignerSchemeMismatch));
}

/// The new error variants print as sentences.
#[test]
fn signer_errors_display_sentences() {
    for e in [
        GroupError::SignerSchemeMismatch,
        GroupError::SignerNotSerializable,
        GroupError::ClientMaterialTruncated,
        GroupError::UnsupportedClientMaterialVersion,
        GroupError::ClientMaterialTrailingBytes,
        GroupError::ClientMaterialWrongKind,
        GroupError::InvalidClientMaterial,
        GroupError::SignerRequired,
        GroupError::SetSignerKeyMismatch,
    ] {
        let text = e.to_string();
        assert!(text.contains(' '), "{e:?} prints as {text}");
    }
}
