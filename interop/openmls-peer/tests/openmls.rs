//! melos and OpenMLS 0.9 (crates.io) in one group, suite 1 (RFC 9420 §17.1), the way the
//! IETF interop runner mixes them: an OpenMLS client joins a melos group from a Welcome
//! (ratchet tree in the Welcome) and by external Commit, adds a melos member by Commit, and
//! application messages flow among all. With melos's default GREASE (RFC 9420 §13.5: values
//! in every capability list and an extension in every GroupInfo) OpenMLS accepts everything;
//! with GREASE *extensions* in a leaf or a KeyPackage, opt-in in melos, OpenMLS refuses them
//! (it decodes a received GREASE extension as an unknown type, which never equals the GREASE
//! type it decodes from the capabilities), which is why they are off by default.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use melos::crypto::rust_crypto::RustCrypto;
use melos::framing::{MlsMessage, MlsMessageBody};
use melos::group::{
    CommitOptions, Group, GroupConfig, GroupInfoOptions, KeyPackageOptions, ProcessedContent,
    PskStore, SigningIdentity,
};
use melos::messages::{
    Credential, KeyPackage as MelosKeyPackage, KeyPackageBundle, Lifetime, is_grease,
};
use melos::ratchet_tree::TreeView;
use melos::tree_math::LeafIndex;
use melos::{CipherSuite, CryptoProvider};
use openmls::prelude::tls_codec::{Deserialize as _, Serialize as _};
use openmls::prelude::{
    BasicCredential, Ciphersuite, CredentialWithKey, KeyPackage,
    MIXED_PLAINTEXT_WIRE_FORMAT_POLICY, MlsGroup, MlsGroupJoinConfig, MlsMessageBodyIn,
    MlsMessageIn, MlsMessageOut, OpenMlsProvider as _, ProcessedMessageContent, ProtocolVersion,
    StagedWelcome,
};
use openmls_basic_credential::SignatureKeyPair;
use openmls_rust_crypto::OpenMlsRustCrypto;

const SUITE: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
const OPENMLS_SUITE: Ciphersuite = Ciphersuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;

// ---- the melos side ----

fn provider() -> Arc<dyn CryptoProvider> {
    Arc::new(RustCrypto::new())
}

fn melos_identity(p: &Arc<dyn CryptoProvider>, name: &str) -> SigningIdentity {
    let cs = p.suite(SUITE).unwrap();
    SigningIdentity::generate(cs, Credential::Basic(name.as_bytes().to_vec())).unwrap()
}

/// Seconds since the Unix epoch.
fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Valid from an hour ago to a day from now: OpenMLS checks KeyPackage lifetimes against
/// the system clock.
fn lifetime() -> Lifetime {
    Lifetime {
        not_before: now() - 3600,
        not_after: now() + 86_400,
    }
}

fn melos_key_package(
    p: &Arc<dyn CryptoProvider>,
    id: &SigningIdentity,
    grease_extensions: bool,
) -> KeyPackageBundle {
    let options = KeyPackageOptions {
        grease_extensions,
        ..KeyPackageOptions::new(lifetime())
    };
    id.key_package_with(p.suite(SUITE).unwrap(), options)
        .unwrap()
}

fn encode_key_package(kp: &MelosKeyPackage) -> Vec<u8> {
    MlsMessage::new(MlsMessageBody::KeyPackage(kp.clone()))
        .encode()
        .unwrap()
}

fn decode(bytes: &[u8]) -> MlsMessage {
    MlsMessage::decode(bytes).unwrap()
}

fn melos_commit(g: &mut Group, bytes: &[u8]) {
    let ProcessedContent::Commit(staged) = g.process(&decode(bytes), None).unwrap().content else {
        panic!("not a Commit")
    };
    g.merge_staged_commit(*staged).unwrap();
}

fn melos_send(g: &mut Group, text: &[u8]) -> Vec<u8> {
    g.encrypt_application(text, b"").unwrap().encode().unwrap()
}

fn melos_receive(g: &mut Group, bytes: &[u8]) -> Vec<u8> {
    match g.process(&decode(bytes), None).unwrap().content {
        ProcessedContent::Application(data) => data,
        _ => panic!("not an application message"),
    }
}

// ---- the OpenMLS side ----

struct OpenMlsClient {
    provider: OpenMlsRustCrypto,
    signer: SignatureKeyPair,
    credential: CredentialWithKey,
}

impl OpenMlsClient {
    fn new(name: &str) -> Self {
        let signer = SignatureKeyPair::new(OPENMLS_SUITE.signature_algorithm()).unwrap();
        let credential = CredentialWithKey {
            credential: BasicCredential::new(name.as_bytes().to_vec()).into(),
            signature_key: signer.public().into(),
        };
        OpenMlsClient {
            provider: OpenMlsRustCrypto::default(),
            signer,
            credential,
        }
    }

    /// PublicMessage handshakes (as melos sends by default), ratchet tree in Welcomes.
    fn join_config() -> MlsGroupJoinConfig {
        MlsGroupJoinConfig::builder()
            .wire_format_policy(MIXED_PLAINTEXT_WIRE_FORMAT_POLICY)
            .use_ratchet_tree_extension(true)
            .build()
    }

    /// A fresh KeyPackage as an `MLSMessage`, its private keys in the provider's storage.
    fn key_package(&self) -> Vec<u8> {
        let bundle = KeyPackage::builder()
            .build(
                OPENMLS_SUITE,
                &self.provider,
                &self.signer,
                self.credential.clone(),
            )
            .unwrap();
        MlsMessageOut::from(bundle.key_package().clone())
            .to_bytes()
            .unwrap()
    }

    /// Joins from an `MLSMessage` Welcome, the tree from its `ratchet_tree` extension.
    fn join(&self, welcome: &[u8]) -> Result<MlsGroup, String> {
        let MlsMessageBodyIn::Welcome(welcome) = message_in(welcome).extract() else {
            panic!("not a Welcome")
        };
        StagedWelcome::new_from_welcome(&self.provider, &Self::join_config(), welcome, None)
            .and_then(|staged| staged.into_group(&self.provider))
            .map_err(|e| format!("{e:?}"))
    }

    /// Joins by external Commit (RFC 9420 §12.4.3.2) from an `MLSMessage` GroupInfo with the
    /// tree and `external_pub`; returns the group and the Commit as an `MLSMessage`.
    fn join_external(&self, group_info: &[u8]) -> (MlsGroup, Vec<u8>) {
        let MlsMessageBodyIn::GroupInfo(group_info) = message_in(group_info).extract() else {
            panic!("not a GroupInfo")
        };
        let (mut group, bundle) = MlsGroup::external_commit_builder()
            .with_config(Self::join_config())
            .build_group(&self.provider, group_info, self.credential.clone())
            .unwrap()
            .load_psks(self.provider.storage())
            .unwrap()
            .build(
                self.provider.rand(),
                self.provider.crypto(),
                &self.signer,
                |_| true,
            )
            .unwrap()
            .finalize(&self.provider)
            .unwrap();
        group.merge_pending_commit(&self.provider).unwrap();
        let (commit, _, _) = bundle.into_contents();
        (group, commit.to_bytes().unwrap())
    }

    /// Validates a KeyPackage `MLSMessage` as OpenMLS does before an Add.
    fn validate_key_package(&self, bytes: &[u8]) -> Result<KeyPackage, String> {
        let MlsMessageBodyIn::KeyPackage(kp) = message_in(bytes).extract() else {
            panic!("not a KeyPackage")
        };
        kp.validate(self.provider.crypto(), ProtocolVersion::Mls10)
            .map_err(|e| format!("{e:?}"))
    }

    /// Adds the KeyPackage `MLSMessage` by Commit, merged; returns the Commit and the
    /// Welcome as `MLSMessage`s.
    fn add(&self, group: &mut MlsGroup, key_package: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let kp = self.validate_key_package(key_package).unwrap();
        let (commit, welcome, _) = group
            .add_members(&self.provider, &self.signer, &[kp])
            .unwrap();
        group.merge_pending_commit(&self.provider).unwrap();
        (commit.to_bytes().unwrap(), welcome.to_bytes().unwrap())
    }

    fn send(&self, group: &mut MlsGroup, text: &[u8]) -> Vec<u8> {
        group
            .create_message(&self.provider, &self.signer, text)
            .unwrap()
            .to_bytes()
            .unwrap()
    }

    fn receive(&self, group: &mut MlsGroup, bytes: &[u8]) -> ProcessedMessageContent {
        let message = message_in(bytes).try_into_protocol_message().unwrap();
        group
            .process_message(&self.provider, message)
            .unwrap()
            .into_content()
    }

    fn receive_application(&self, group: &mut MlsGroup, bytes: &[u8]) -> Vec<u8> {
        match self.receive(group, bytes) {
            ProcessedMessageContent::ApplicationMessage(m) => m.into_bytes(),
            _ => panic!("not an application message"),
        }
    }

    fn receive_commit(&self, group: &mut MlsGroup, bytes: &[u8]) {
        let ProcessedMessageContent::StagedCommitMessage(staged) = self.receive(group, bytes)
        else {
            panic!("not a Commit")
        };
        group.merge_staged_commit(&self.provider, *staged).unwrap();
    }
}

fn message_in(bytes: &[u8]) -> MlsMessageIn {
    MlsMessageIn::tls_deserialize_exact(bytes).unwrap()
}

fn openmls_authenticator(group: &MlsGroup) -> Vec<u8> {
    group.epoch_authenticator().as_slice().to_vec()
}

/// Alice (melos, default config) creates a group and adds Bob (OpenMLS) by Commit; Bob
/// joins from the Welcome with the tree in it.
fn melos_group_with_openmls_member() -> (Arc<dyn CryptoProvider>, Group, OpenMlsClient, MlsGroup) {
    let p = provider();
    let mut alice = Group::create(
        p.clone(),
        SUITE,
        b"melos+openmls".to_vec(),
        melos_identity(&p, "alice"),
        GroupConfig::default(),
    )
    .unwrap();
    // The defaults under test: every suite and GREASE values listed, no GREASE extension.
    let leaf = alice.ratchet_tree().leaf(LeafIndex(0)).unwrap();
    let leaf = leaf.to_leaf_node().unwrap();
    assert_eq!(leaf.capabilities.without_grease().cipher_suites.len(), 7);
    assert!(
        leaf.capabilities
            .cipher_suites
            .iter()
            .any(|s| s.is_grease())
    );
    assert!(leaf.extensions.is_empty());
    let gi = alice.group_info(GroupInfoOptions::default()).unwrap();
    let MlsMessageBody::GroupInfo(gi) = &gi.body else {
        panic!("not a GroupInfo")
    };
    assert!(gi.extensions.iter().any(|e| is_grease(e.extension_type.0)));

    let bob = OpenMlsClient::new("bob");
    let MlsMessageBody::KeyPackage(bob_kp) = decode(&bob.key_package()).body else {
        panic!("not a KeyPackage")
    };
    let out = alice
        .commit(
            CommitOptions::default()
                .with_ratchet_tree()
                .add_member(bob_kp),
        )
        .unwrap();
    alice.merge_pending_commit().unwrap();
    let welcome = out.welcome.unwrap().encode().unwrap();
    let bob_group = bob.join(&welcome).unwrap();
    assert_eq!(
        openmls_authenticator(&bob_group),
        alice.epoch_authenticator()
    );
    (p, alice, bob, bob_group)
}

/// (i) An OpenMLS client's KeyPackage is added to a melos group by a melos Commit, the
/// OpenMLS client joins from the Welcome (whose GroupInfo carries a GREASE extension), and
/// application messages go both ways; then OpenMLS processes a melos Commit with a path
/// (the committer's new leaf with GREASE capabilities) and the reverse.
#[test]
fn an_openmls_member_joins_a_melos_group() {
    let (_p, mut alice, bob, mut bob_group) = melos_group_with_openmls_member();
    let m = melos_send(&mut alice, b"hello from melos");
    assert_eq!(
        bob.receive_application(&mut bob_group, &m),
        b"hello from melos"
    );
    let m = bob.send(&mut bob_group, b"hello from OpenMLS");
    assert_eq!(melos_receive(&mut alice, &m), b"hello from OpenMLS");

    // A melos Commit with an UpdatePath, processed by OpenMLS.
    let out = alice.commit(CommitOptions::default()).unwrap();
    alice.merge_pending_commit().unwrap();
    bob.receive_commit(&mut bob_group, &out.commit.encode().unwrap());
    assert_eq!(
        openmls_authenticator(&bob_group),
        alice.epoch_authenticator()
    );
    let m = bob.send(&mut bob_group, b"new epoch");
    assert_eq!(melos_receive(&mut alice, &m), b"new epoch");
}

/// (ii) The OpenMLS member adds a melos member (default KeyPackage: GREASE values in its
/// capabilities) by Commit; the melos member joins from the OpenMLS Welcome, the existing
/// melos member processes the OpenMLS Commit, and messages flow among all three.
#[test]
fn an_openmls_member_adds_a_melos_member() {
    let (p, mut alice, bob, mut bob_group) = melos_group_with_openmls_member();
    let carol_id = melos_identity(&p, "carol");
    let carol_kp = melos_key_package(&p, &carol_id, false);
    let (commit, welcome) = bob.add(&mut bob_group, &encode_key_package(&carol_kp.key_package));
    melos_commit(&mut alice, &commit);
    let mut carol = Group::join(
        p.clone(),
        &decode(&welcome),
        &carol_kp,
        carol_id,
        None,
        GroupConfig::default(),
        &PskStore::new(),
    )
    .unwrap();
    let auth = openmls_authenticator(&bob_group);
    assert_eq!(alice.epoch_authenticator(), auth);
    assert_eq!(carol.epoch_authenticator(), auth);
    assert_eq!(carol.members().len(), 3);

    let m = melos_send(&mut carol, b"from carol");
    assert_eq!(melos_receive(&mut alice, &m), b"from carol");
    assert_eq!(bob.receive_application(&mut bob_group, &m), b"from carol");
    let m = bob.send(&mut bob_group, b"from bob");
    assert_eq!(melos_receive(&mut alice, &m), b"from bob");
    assert_eq!(melos_receive(&mut carol, &m), b"from bob");
    let m = melos_send(&mut alice, b"from alice");
    assert_eq!(melos_receive(&mut carol, &m), b"from alice");
    assert_eq!(bob.receive_application(&mut bob_group, &m), b"from alice");

    // Carol's first Commit (her leaf, with GREASE capabilities, gets a new path).
    let out = carol.commit(CommitOptions::default()).unwrap();
    carol.merge_pending_commit().unwrap();
    let commit = out.commit.encode().unwrap();
    melos_commit(&mut alice, &commit);
    bob.receive_commit(&mut bob_group, &commit);
    assert_eq!(
        openmls_authenticator(&bob_group),
        carol.epoch_authenticator()
    );
    assert_eq!(alice.epoch_authenticator(), carol.epoch_authenticator());
}

/// An OpenMLS client joins a melos group by external Commit from a melos GroupInfo (with
/// the tree, `external_pub` and a GREASE extension); the melos member processes it.
#[test]
fn an_openmls_client_joins_a_melos_group_by_external_commit() {
    let (_p, mut alice, bob, mut bob_group) = melos_group_with_openmls_member();
    let dave = OpenMlsClient::new("dave");
    let gi = alice.group_info(GroupInfoOptions::default()).unwrap();
    let (mut dave_group, commit) = dave.join_external(&gi.encode().unwrap());
    melos_commit(&mut alice, &commit);
    bob.receive_commit(&mut bob_group, &commit);
    assert_eq!(
        openmls_authenticator(&dave_group),
        alice.epoch_authenticator()
    );
    assert_eq!(
        openmls_authenticator(&bob_group),
        alice.epoch_authenticator()
    );
    let m = melos_send(&mut alice, b"welcome, dave");
    assert_eq!(
        dave.receive_application(&mut dave_group, &m),
        b"welcome, dave"
    );
}

/// (iii) Why GREASE extensions are opt-in: OpenMLS 0.9 refuses a melos KeyPackage with a
/// GREASE extension (in its leaf and in the KeyPackage), and a Welcome into a group whose
/// tree has a melos leaf with a GREASE extension. The same without them is accepted.
#[test]
fn openmls_refuses_grease_extensions() {
    let p = provider();
    let bob = OpenMlsClient::new("bob");

    let carol_id = melos_identity(&p, "carol");
    let greased = melos_key_package(&p, &carol_id, true);
    assert!(
        greased
            .key_package
            .extensions
            .iter()
            .any(|e| is_grease(e.extension_type.0))
    );
    let refused = bob.validate_key_package(&encode_key_package(&greased.key_package));
    let err = refused.expect_err("OpenMLS 0.9 accepted a KeyPackage with GREASE extensions");
    assert!(err.contains("UnsupportedExtension"), "{err}");
    let plain = melos_key_package(&p, &carol_id, false);
    bob.validate_key_package(&encode_key_package(&plain.key_package))
        .unwrap();

    // A group whose creator's leaf carries a GREASE extension.
    let config = GroupConfig {
        grease_extensions: true,
        ..GroupConfig::default()
    };
    let mut alice = Group::create(
        p.clone(),
        SUITE,
        b"greased".to_vec(),
        melos_identity(&p, "alice"),
        config,
    )
    .unwrap();
    let MlsMessageBody::KeyPackage(bob_kp) = decode(&bob.key_package()).body else {
        panic!("not a KeyPackage")
    };
    let out = alice
        .commit(
            CommitOptions::default()
                .with_ratchet_tree()
                .add_member(bob_kp),
        )
        .unwrap();
    let err = bob
        .join(&out.welcome.unwrap().encode().unwrap())
        .expect_err("OpenMLS 0.9 joined a tree with a GREASE leaf extension");
    assert!(err.contains("UnsupportedExtension"), "{err}");
}

/// OpenMLS's own encoding round-trips through melos and back (a sanity check of the wire
/// glue above).
#[test]
fn key_packages_cross_the_wire_both_ways() {
    let p = provider();
    let bob = OpenMlsClient::new("bob");
    let bytes = bob.key_package();
    let MlsMessageBody::KeyPackage(kp) = decode(&bytes).body else {
        panic!("not a KeyPackage")
    };
    kp.validate(p.suite(SUITE).unwrap(), now()).unwrap();
    assert_eq!(encode_key_package(&kp), bytes);
    let theirs = bob.validate_key_package(&bytes).unwrap();
    assert_eq!(
        MlsMessageOut::from(theirs)
            .tls_serialize_detached()
            .unwrap(),
        bytes
    );
}
