//! melos and OpenMLS 0.9.2 (feature `extensions-draft`), suite 1: SelfRemove (0x000a,
//! draft-ietf-mls-extensions "SelfRemove Proposal") both ways in a four-member group (Alice
//! and Carol melos, Bob and Dave OpenMLS), every remaining member agreeing on the epoch
//! authenticator; last-resort KeyPackages, whose marking differs (see DIFFERENCES.md).

use std::sync::Arc;

use melos::crypto::rust_crypto::RustCrypto;
use melos::framing::{MlsMessage, MlsMessageBody};
use melos::group::{
    CommitOptions, Group, GroupConfig, KeyPackageOptions, ProcessedContent, PskStore, SelfRemoval,
    SigningIdentity,
};
use melos::messages::{Credential, KeyPackageBundle as MelosKeyPackageBundle, Lifetime};
use melos::{CipherSuite, CryptoProvider};
use openmls::prelude::tls_codec::Deserialize as _;
use openmls::prelude::{
    BasicCredential, Capabilities, Ciphersuite, CredentialWithKey, ExtensionType, KeyPackage,
    KeyPackageIn, MIXED_PLAINTEXT_WIRE_FORMAT_POLICY, MlsGroup, MlsGroupJoinConfig,
    MlsMessageBodyIn, MlsMessageIn, MlsMessageOut, OpenMlsProvider as _, ProcessedMessageContent,
    ProposalType, ProtocolVersion, StagedWelcome,
};
use openmls_basic_credential::SignatureKeyPair;
use openmls_rust_crypto::OpenMlsRustCrypto;

const SUITE: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
const OPENMLS_SUITE: Ciphersuite = Ciphersuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;
const FOREVER: Lifetime = Lifetime {
    not_before: 0,
    not_after: u64::MAX,
};

fn decode(bytes: &[u8]) -> MlsMessage {
    MlsMessage::decode(bytes).unwrap()
}

fn message_in(bytes: &[u8]) -> MlsMessageIn {
    MlsMessageIn::tls_deserialize_exact(bytes).unwrap()
}

fn provider() -> Arc<dyn CryptoProvider> {
    Arc::new(RustCrypto::new())
}

struct OpenMlsClient {
    provider: OpenMlsRustCrypto,
    signer: SignatureKeyPair,
    group: Option<MlsGroup>,
}

impl OpenMlsClient {
    /// Processes a proposal and stores it for a later Commit.
    fn receive_proposal(&mut self, bytes: &[u8]) {
        let message = message_in(bytes).try_into_protocol_message().unwrap();
        let provider = &self.provider;
        let group = self.group.as_mut().unwrap();
        let processed = group.process_message(provider, message).unwrap();
        let ProcessedMessageContent::ProposalMessage(q) = processed.into_content() else {
            panic!("not a proposal")
        };
        group
            .store_pending_proposal(provider.storage(), *q)
            .unwrap();
    }

    /// Processes and merges a Commit; returns whether it removed this client.
    fn receive_commit(&mut self, bytes: &[u8]) -> bool {
        let message = message_in(bytes).try_into_protocol_message().unwrap();
        let provider = &self.provider;
        let group = self.group.as_mut().unwrap();
        let processed = group.process_message(provider, message).unwrap();
        let ProcessedMessageContent::StagedCommitMessage(s) = processed.into_content() else {
            panic!("not a commit")
        };
        let removed = s.self_removed();
        group.merge_staged_commit(provider, *s).unwrap();
        assert_eq!(group.is_active(), !removed);
        removed
    }

    fn epoch_authenticator(&self) -> Vec<u8> {
        self.group
            .as_ref()
            .unwrap()
            .epoch_authenticator()
            .as_slice()
            .to_vec()
    }
}

/// An OpenMLS client (capabilities: SelfRemove) and its KeyPackage, last-resort if asked.
fn openmls_client(name: &str, last_resort: bool) -> (OpenMlsClient, KeyPackage) {
    let provider = OpenMlsRustCrypto::default();
    let signer = SignatureKeyPair::new(OPENMLS_SUITE.signature_algorithm()).unwrap();
    let credential = CredentialWithKey {
        credential: BasicCredential::new(name.as_bytes().to_vec()).into(),
        signature_key: signer.public().into(),
    };
    let caps = Capabilities::new(
        None,
        None,
        Some(&[ExtensionType::AppDataDictionary]),
        Some(&[ProposalType::SelfRemove]),
        None,
    );
    let mut builder = KeyPackage::builder().leaf_node_capabilities(caps);
    if last_resort {
        builder = builder.mark_as_last_resort();
    }
    let bundle = builder
        .build(OPENMLS_SUITE, &provider, &signer, credential)
        .unwrap();
    let kp = bundle.key_package().clone();
    (
        OpenMlsClient {
            provider,
            signer,
            group: None,
        },
        kp,
    )
}

fn melos_key_package(kp: &KeyPackage) -> melos::messages::KeyPackage {
    let bytes = MlsMessageOut::from(kp.clone()).to_bytes().unwrap();
    let MlsMessageBody::KeyPackage(kp) = decode(&bytes).body else {
        panic!("not a KeyPackage")
    };
    kp
}

fn melos_client(
    p: &Arc<dyn CryptoProvider>,
    name: &str,
    last_resort: bool,
) -> (SigningIdentity, MelosKeyPackageBundle) {
    let cs = p.suite(SUITE).unwrap();
    let id = SigningIdentity::generate(cs, Credential::Basic(name.as_bytes().to_vec())).unwrap();
    let kp = id
        .key_package_with(
            cs,
            KeyPackageOptions {
                last_resort,
                ..KeyPackageOptions::new(FOREVER)
            },
        )
        .unwrap();
    (id, kp)
}

fn join_config() -> MlsGroupJoinConfig {
    MlsGroupJoinConfig::builder()
        .wire_format_policy(MIXED_PLAINTEXT_WIRE_FORMAT_POLICY)
        .use_ratchet_tree_extension(true)
        .build()
}

fn openmls_join(c: &mut OpenMlsClient, welcome: &[u8]) {
    let MlsMessageBodyIn::Welcome(welcome) = message_in(welcome).extract() else {
        panic!("not a Welcome")
    };
    let group = StagedWelcome::new_from_welcome(&c.provider, &join_config(), welcome, None)
        .unwrap()
        .into_group(&c.provider)
        .unwrap();
    c.group = Some(group);
}

/// Alice (melos, default capabilities: SelfRemove included) creates the group and adds
/// Bob (OpenMLS), Carol (melos) and Dave (OpenMLS) by one Welcome: leaves 0 to 3.
fn four_members() -> (Group, OpenMlsClient, Group, OpenMlsClient) {
    let p = provider();
    let (alice_id, _) = melos_client(&p, "alice", false);
    let mut alice = Group::create(
        p.clone(),
        SUITE,
        b"sr-room".to_vec(),
        alice_id,
        GroupConfig::default(),
    )
    .unwrap();
    let (mut bob, bob_kp) = openmls_client("bob", false);
    let (carol_id, carol_kp) = melos_client(&p, "carol", false);
    let (mut dave, dave_kp) = openmls_client("dave", false);
    let out = alice
        .commit(
            CommitOptions::default()
                .with_ratchet_tree()
                .add_member(melos_key_package(&bob_kp))
                .add_member(carol_kp.key_package.clone())
                .add_member(melos_key_package(&dave_kp)),
        )
        .unwrap();
    alice.merge_pending_commit().unwrap();
    let welcome = out.welcome.unwrap();
    let carol = Group::join(
        p.clone(),
        &welcome,
        &carol_kp,
        carol_id,
        None,
        GroupConfig::default(),
        &PskStore::new(),
    )
    .unwrap();
    let w = welcome.encode().unwrap();
    openmls_join(&mut bob, &w);
    openmls_join(&mut dave, &w);
    assert_eq!(alice.epoch_authenticator(), bob.epoch_authenticator());
    assert_eq!(alice.epoch_authenticator(), carol.epoch_authenticator());
    assert_eq!(alice.epoch_authenticator(), dave.epoch_authenticator());
    (alice, bob, carol, dave)
}

/// A melos member processes and merges `commit`; returns how it saw its own removal.
fn melos_receive_commit(g: &mut Group, commit: &[u8]) -> Option<SelfRemoval> {
    let ProcessedContent::Commit(s) = g.process(&decode(commit), None).unwrap().content else {
        panic!("not a commit")
    };
    let removal = s.self_removal().cloned();
    g.merge_staged_commit(*s).unwrap();
    removal
}

#[test]
fn openmls_member_leaves_by_self_remove_and_melos_commits() {
    let (mut alice, mut bob, mut carol, mut dave) = four_members();
    // Bob (OpenMLS) leaves.
    let sr = bob
        .group
        .as_mut()
        .unwrap()
        .leave_group_via_self_remove(&bob.provider, &bob.signer)
        .unwrap()
        .to_bytes()
        .unwrap();
    let sr_melos = decode(&sr);
    assert!(matches!(sr_melos.body, MlsMessageBody::PublicMessage(_)));
    alice.process(&sr_melos, None).unwrap();
    carol.process(&sr_melos, None).unwrap();
    dave.receive_proposal(&sr);
    // Alice (melos) commits: the SelfRemove by reference, with a path.
    let out = alice.commit(CommitOptions::default()).unwrap();
    alice.merge_pending_commit().unwrap();
    let commit = out.commit.encode().unwrap();
    assert!(bob.receive_commit(&commit));
    assert_eq!(melos_receive_commit(&mut carol, &commit), None);
    assert!(!dave.receive_commit(&commit));
    assert_eq!(alice.member_count(), 3);
    assert_eq!(alice.epoch_authenticator(), carol.epoch_authenticator());
    assert_eq!(alice.epoch_authenticator(), dave.epoch_authenticator());
    // Dave (OpenMLS) commits next; everyone still agrees.
    let (c, _, _) = dave
        .group
        .as_mut()
        .unwrap()
        .commit_to_pending_proposals(&dave.provider, &dave.signer)
        .unwrap();
    dave.group
        .as_mut()
        .unwrap()
        .merge_pending_commit(&dave.provider)
        .unwrap();
    let c = c.to_bytes().unwrap();
    melos_receive_commit(&mut alice, &c);
    melos_receive_commit(&mut carol, &c);
    assert_eq!(alice.epoch_authenticator(), dave.epoch_authenticator());
    assert_eq!(carol.epoch_authenticator(), dave.epoch_authenticator());
}

#[test]
fn melos_member_leaves_by_self_remove_and_openmls_commits() {
    let (mut alice, mut bob, mut carol, mut dave) = four_members();
    // Carol (melos) leaves.
    let sr = carol.self_remove().unwrap();
    let bytes = sr.encode().unwrap();
    alice.process(&sr, None).unwrap();
    bob.receive_proposal(&bytes);
    dave.receive_proposal(&bytes);
    // Bob (OpenMLS) commits the pending proposals.
    let (c, _, _) = bob
        .group
        .as_mut()
        .unwrap()
        .commit_to_pending_proposals(&bob.provider, &bob.signer)
        .unwrap();
    bob.group
        .as_mut()
        .unwrap()
        .merge_pending_commit(&bob.provider)
        .unwrap();
    let commit = c.to_bytes().unwrap();
    assert_eq!(melos_receive_commit(&mut alice, &commit), None);
    assert_eq!(
        melos_receive_commit(&mut carol, &commit),
        Some(SelfRemoval::Verified)
    );
    assert!(!carol.is_active());
    assert!(!dave.receive_commit(&commit));
    assert_eq!(alice.member_count(), 3);
    assert_eq!(alice.epoch_authenticator(), bob.epoch_authenticator());
    assert_eq!(alice.epoch_authenticator(), dave.epoch_authenticator());
}

#[test]
fn last_resort_marking_differs() {
    // OpenMLS marks a last-resort KeyPackage with its own `last_resort` KeyPackage
    // extension (type 0x000a); the editor's copy uses the `last_resort_key_package`
    // component (0x0004) in an `app_data_dictionary` KeyPackage extension. Neither sees
    // the other's mark, and both accept the other's KeyPackage as an ordinary one.
    let (_, openmls_lr) = openmls_client("erin", true);
    assert!(openmls_lr.last_resort());
    let as_melos = melos_key_package(&openmls_lr);
    assert!(!as_melos.is_last_resort());
    let p = provider();
    let (_, melos_lr) = melos_client(&p, "fay", true);
    assert!(melos_lr.key_package.is_last_resort());
    let bytes = MlsMessage::new(MlsMessageBody::KeyPackage(melos_lr.key_package.clone()))
        .encode()
        .unwrap();
    let MlsMessageBodyIn::KeyPackage(kp_in) = message_in(&bytes).extract() else {
        panic!("not a KeyPackage")
    };
    let kp: KeyPackage = validate(kp_in);
    assert!(!kp.last_resort());
}

/// OpenMLS's validation of a received KeyPackage (signature, extensions, capabilities):
/// melos's last-resort KeyPackage carries GREASE components in its dictionaries.
fn validate(kp: KeyPackageIn) -> KeyPackage {
    let provider = OpenMlsRustCrypto::default();
    kp.validate(provider.crypto(), ProtocolVersion::Mls10)
        .unwrap()
}

#[test]
fn openmls_adds_a_melos_last_resort_key_package_with_grease() {
    let (mut alice, mut bob, mut carol, mut dave) = four_members();
    let p = provider();
    let (fay_id, fay_kp) = melos_client(&p, "fay", true);
    let bytes = MlsMessage::new(MlsMessageBody::KeyPackage(fay_kp.key_package.clone()))
        .encode()
        .unwrap();
    let MlsMessageBodyIn::KeyPackage(kp_in) = message_in(&bytes).extract() else {
        panic!("not a KeyPackage")
    };
    let kp = validate(kp_in);
    let (commit, welcome, _) = bob
        .group
        .as_mut()
        .unwrap()
        .add_members(&bob.provider, &bob.signer, &[kp])
        .unwrap();
    bob.group
        .as_mut()
        .unwrap()
        .merge_pending_commit(&bob.provider)
        .unwrap();
    let commit = commit.to_bytes().unwrap();
    melos_receive_commit(&mut alice, &commit);
    melos_receive_commit(&mut carol, &commit);
    dave.receive_commit(&commit);
    let fay = Group::join(
        p,
        &decode(&welcome.to_bytes().unwrap()),
        &fay_kp,
        fay_id,
        None,
        GroupConfig::default(),
        &PskStore::new(),
    )
    .unwrap();
    for e in [
        alice.epoch_authenticator().to_vec(),
        carol.epoch_authenticator().to_vec(),
        dave.epoch_authenticator(),
        fay.epoch_authenticator().to_vec(),
    ] {
        assert_eq!(e, bob.epoch_authenticator());
    }
}

#[test]
fn openmls_external_joiner_covers_a_melos_self_remove() {
    let (mut alice, mut bob, mut carol, mut dave) = four_members();
    let sr = carol.self_remove().unwrap();
    let sr_bytes = sr.encode().unwrap();
    alice.process(&sr, None).unwrap();
    bob.receive_proposal(&sr_bytes);
    dave.receive_proposal(&sr_bytes);
    let gi = alice
        .group_info(melos::group::GroupInfoOptions::default())
        .unwrap()
        .encode()
        .unwrap();
    let MlsMessageBodyIn::GroupInfo(vgi) = message_in(&gi).extract() else {
        panic!("not a GroupInfo")
    };
    let MlsMessageBodyIn::PublicMessage(pm) = message_in(&sr_bytes).extract() else {
        panic!("not a PublicMessage")
    };
    let (erin, _) = openmls_client("erin", false);
    let credential = CredentialWithKey {
        credential: BasicCredential::new(b"erin".to_vec()).into(),
        signature_key: erin.signer.public().into(),
    };
    let (erin_group, bundle) = MlsGroup::external_commit_builder()
        .with_proposals(vec![pm])
        .with_config(join_config())
        .build_group(&erin.provider, vgi, credential)
        .unwrap()
        .load_psks(erin.provider.storage())
        .unwrap()
        .build(
            erin.provider.rand(),
            erin.provider.crypto(),
            &erin.signer,
            |_| true,
        )
        .unwrap()
        .finalize(&erin.provider)
        .unwrap();
    let (commit, _, _) = bundle.into_contents();
    let commit = commit.to_bytes().unwrap();
    assert_eq!(melos_receive_commit(&mut alice, &commit), None);
    assert_eq!(
        melos_receive_commit(&mut carol, &commit),
        Some(SelfRemoval::Verified)
    );
    assert!(!carol.is_active());
    assert!(!bob.receive_commit(&commit));
    assert!(!dave.receive_commit(&commit));
    assert_eq!(alice.member_count(), 4);
    let e = erin_group.epoch_authenticator().as_slice().to_vec();
    assert_eq!(alice.epoch_authenticator(), &e[..]);
    assert_eq!(bob.epoch_authenticator(), e);
    assert_eq!(dave.epoch_authenticator(), e);
}

#[test]
fn melos_external_joiner_covers_an_openmls_self_remove() {
    let (mut alice, mut bob, mut carol, mut dave) = four_members();
    let sr = bob
        .group
        .as_mut()
        .unwrap()
        .leave_group_via_self_remove(&bob.provider, &bob.signer)
        .unwrap()
        .to_bytes()
        .unwrap();
    alice.process(&decode(&sr), None).unwrap();
    carol.process(&decode(&sr), None).unwrap();
    dave.receive_proposal(&sr);
    let gi = alice
        .group_info(melos::group::GroupInfoOptions::default())
        .unwrap();
    let p = provider();
    let (fay_id, _) = melos_client(&p, "fay", false);
    let (fay, out) = Group::join_by_external_commit(
        p,
        &gi,
        None,
        fay_id,
        GroupConfig::default(),
        &PskStore::new(),
        melos::group::ExternalCommitOptions {
            self_removes: vec![decode(&sr)],
            ..Default::default()
        },
    )
    .unwrap();
    let commit = out.commit.encode().unwrap();
    assert!(bob.receive_commit(&commit));
    assert_eq!(melos_receive_commit(&mut alice, &commit), None);
    assert_eq!(melos_receive_commit(&mut carol, &commit), None);
    assert!(!dave.receive_commit(&commit));
    assert_eq!(fay.member_count(), 4);
    assert_eq!(alice.epoch_authenticator(), fay.epoch_authenticator());
    assert_eq!(carol.epoch_authenticator(), fay.epoch_authenticator());
    assert_eq!(dave.epoch_authenticator(), fay.epoch_authenticator());
}
