//! melos and OpenMLS 0.9.2 (feature `extensions-draft`) in one group, suite 1: the
//! draft-ietf-mls-extensions features both implement. Alice (melos) creates the group and
//! adds Bob (OpenMLS); each side commits AppDataUpdate proposals (update and remove) that the
//! other processes, and both agree on the epoch authenticator and on the
//! `app_data_dictionary` after every Commit; AppEphemeral data travels in Commits from
//! each side; with `safe_aad` in the dictionary, application messages carry a SafeAAD both
//! ways. Where the two disagree the test pins today's behaviour (see DIFFERENCES.md).

use std::sync::Arc;

use melos::components::{
    APP_DATA_DICTIONARY, APP_DATA_UPDATE, APP_EPHEMERAL, AppDataUpdate, AppEphemeral,
    CommittedAppData, ComponentRegistry, ComponentsList, OpaqueComponent, SAFE_AAD, SafeAad,
};
use melos::crypto::rust_crypto::RustCrypto;
use melos::framing::{MlsMessage, MlsMessageBody, Sender as MelosSender};
use melos::group::{
    CommitOptions, CreateOptions, Group, GroupConfig, GroupHooks, PathChoice, ProcessedContent,
};
use melos::messages::{Capabilities as MelosCapabilities, Credential, CredentialType};
use melos::tree_math::LeafIndex;
use melos::{CipherSuite, CryptoProvider, Error, ExtensionError};
use openmls::component::ComponentData;
use openmls::framing::SafeAadItem;
use openmls::prelude::tls_codec::Deserialize as _;
use openmls::prelude::{
    AppDataUpdateOperation, AppDataUpdateProposal, AppEphemeralProposal, BasicCredential,
    Capabilities, Ciphersuite, CredentialWithKey, ExtensionType, KeyPackage,
    MIXED_PLAINTEXT_WIRE_FORMAT_POLICY, MlsGroup, MlsGroupJoinConfig, MlsMessageBodyIn,
    MlsMessageIn, MlsMessageOut, OpenMlsProvider as _, ProcessedMessage, ProcessedMessageContent,
    Proposal, ProposalType, StagedWelcome,
};
use openmls_basic_credential::SignatureKeyPair;
use openmls_rust_crypto::OpenMlsRustCrypto;

const SUITE: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
const OPENMLS_SUITE: Ciphersuite = Ciphersuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;
/// A room-state component (private-use range), a plain slot on both sides.
const ROOM: u16 = 0x8001;
/// A second one, for removes and AppEphemeral.
const TOPIC: u16 = 0x8002;

fn decode(bytes: &[u8]) -> MlsMessage {
    MlsMessage::decode(bytes).unwrap()
}

fn message_in(bytes: &[u8]) -> MlsMessageIn {
    MlsMessageIn::tls_deserialize_exact(bytes).unwrap()
}

fn melos_caps() -> MelosCapabilities {
    let mut c = MelosCapabilities::minimal(SUITE, CredentialType::BASIC);
    c.proposals = vec![APP_DATA_UPDATE, APP_EPHEMERAL];
    c.extensions = vec![APP_DATA_DICTIONARY];
    c
}

fn openmls_caps() -> Capabilities {
    Capabilities::new(
        None,
        None,
        Some(&[ExtensionType::AppDataDictionary]),
        Some(&[ProposalType::AppDataUpdate, ProposalType::AppEphemeral]),
        None,
    )
}

struct Bob {
    provider: OpenMlsRustCrypto,
    signer: SignatureKeyPair,
    group: MlsGroup,
}

/// Alice (melos, components ROOM and TOPIC registered) creates the group and adds Bob
/// (OpenMLS, advertising the dictionary and both proposal types); Bob joins from the
/// Welcome with the tree in it.
fn mixed_group() -> (Group, Bob) {
    let p: Arc<dyn CryptoProvider> = Arc::new(RustCrypto::new());
    let cs = p.suite(SUITE).unwrap();
    let id =
        melos::group::SigningIdentity::generate(cs, Credential::Basic(b"alice".to_vec())).unwrap();
    let registry = Arc::new(
        ComponentRegistry::new()
            .with(ROOM, Arc::new(OpaqueComponent))
            .with(TOPIC, Arc::new(OpaqueComponent)),
    );
    let config = GroupConfig {
        hooks: GroupHooks::new().with_app_components(registry),
        ..GroupConfig::default()
    };
    let options = CreateOptions {
        capabilities: Some(melos_caps()),
        ..CreateOptions::default()
    };
    let mut alice =
        Group::create_with_options(p, SUITE, b"room".to_vec(), id, config, options).unwrap();

    let provider = OpenMlsRustCrypto::default();
    let signer = SignatureKeyPair::new(OPENMLS_SUITE.signature_algorithm()).unwrap();
    let credential = CredentialWithKey {
        credential: BasicCredential::new(b"bob".to_vec()).into(),
        signature_key: signer.public().into(),
    };
    let bundle = KeyPackage::builder()
        .leaf_node_capabilities(openmls_caps())
        .build(OPENMLS_SUITE, &provider, &signer, credential)
        .unwrap();
    let kp = MlsMessageOut::from(bundle.key_package().clone())
        .to_bytes()
        .unwrap();
    let MlsMessageBody::KeyPackage(kp) = decode(&kp).body else {
        panic!("not a KeyPackage")
    };
    let out = alice
        .commit(CommitOptions::default().with_ratchet_tree().add_member(kp))
        .unwrap();
    alice.merge_pending_commit().unwrap();
    let welcome = out.welcome.unwrap().encode().unwrap();
    let MlsMessageBodyIn::Welcome(welcome) = message_in(&welcome).extract() else {
        panic!("not a Welcome")
    };
    let join_config = MlsGroupJoinConfig::builder()
        .wire_format_policy(MIXED_PLAINTEXT_WIRE_FORMAT_POLICY)
        .use_ratchet_tree_extension(true)
        .build();
    let group = StagedWelcome::new_from_welcome(&provider, &join_config, welcome, None)
        .unwrap()
        .into_group(&provider)
        .unwrap();
    assert_eq!(
        alice.epoch_authenticator(),
        group.epoch_authenticator().as_slice()
    );
    (
        alice,
        Bob {
            provider,
            signer,
            group,
        },
    )
}

/// The dictionary as (component id, data) pairs on each side; asserts they agree, and the
/// epoch authenticators too.
fn assert_agree(alice: &Group, bob: &Bob) -> Vec<(u16, Vec<u8>)> {
    assert_eq!(
        alice.epoch_authenticator(),
        bob.group.epoch_authenticator().as_slice()
    );
    let melos_dict: Vec<(u16, Vec<u8>)> = match alice.app_data_dictionary().unwrap() {
        None => Vec::new(),
        Some(d) => d
            .component_ids()
            .map(|id| (id, d.get(id).unwrap().to_vec()))
            .collect(),
    };
    let openmls_dict: Vec<(u16, Vec<u8>)> = match bob.group.extensions().app_data_dictionary() {
        None => Vec::new(),
        Some(d) => d
            .dictionary()
            .entries()
            .map(|c| (c.id(), c.data().to_vec()))
            .collect(),
    };
    assert_eq!(melos_dict, openmls_dict);
    melos_dict
}

/// Alice commits `proposals` (no path unless required); Bob processes the Commit. Returns
/// the OpenMLS processing result's AppEphemeral data (component id, data).
fn alice_commits(
    alice: &mut Group,
    bob: &mut Bob,
    proposals: Vec<melos::messages::Proposal>,
) -> Vec<(u16, Vec<u8>)> {
    let mut o = CommitOptions {
        path: PathChoice::WhenRequired,
        ..CommitOptions::default()
    };
    for p in proposals {
        o = o.with_proposal(p);
    }
    let commit = alice.commit(o).unwrap().commit.encode().unwrap();
    alice.merge_pending_commit().unwrap();
    let message = message_in(&commit).try_into_protocol_message().unwrap();
    let processed = bob.group.process_message(&bob.provider, message).unwrap();
    let staged = bob_resolve(bob, processed);
    let ephemeral = staged
        .queued_app_ephemeral_proposals()
        .map(|q| {
            let p = q.app_ephemeral_proposal();
            (p.component_id(), p.data().to_vec())
        })
        .collect();
    bob.group
        .merge_staged_commit(&bob.provider, staged)
        .unwrap();
    ephemeral
}

/// Bob's application logic for a received Commit: a commit covering AppDataUpdate
/// proposals comes back unresolved; Bob applies them as plain slots (last update wins,
/// remove deletes), like melos's OpaqueComponent.
fn bob_resolve(bob: &Bob, processed: ProcessedMessage) -> openmls::prelude::StagedCommit {
    match processed.into_content() {
        ProcessedMessageContent::StagedCommitMessage(s) => *s,
        ProcessedMessageContent::UnresolvedAppDataCommit(unresolved) => {
            let mut updater = bob.group.app_data_dictionary_updater();
            for p in unresolved.app_data_update_proposals() {
                match p.operation() {
                    AppDataUpdateOperation::Update(data) => {
                        updater.set(ComponentData::from_parts(p.component_id(), data.clone()))
                    }
                    AppDataUpdateOperation::Remove => updater.remove(&p.component_id()),
                }
            }
            bob.group
                .stage_app_data_commit(&bob.provider, *unresolved, updater.changes())
                .unwrap()
        }
        _ => panic!("not a Commit"),
    }
}

/// Bob commits `proposals` by value, computing the dictionary the same way; Alice
/// processes and merges. Returns the AppEphemeral data Alice's components were given.
fn bob_commits(bob: &mut Bob, alice: &mut Group, proposals: Vec<Proposal>) -> CommittedAppData {
    let mut stage = bob
        .group
        .commit_builder()
        .add_proposals(proposals)
        .load_psks(bob.provider.storage())
        .unwrap();
    let mut updater = stage.app_data_dictionary_updater();
    for p in stage.app_data_update_proposals() {
        match p.operation() {
            AppDataUpdateOperation::Update(data) => {
                updater.set(ComponentData::from_parts(p.component_id(), data.clone()))
            }
            AppDataUpdateOperation::Remove => updater.remove(&p.component_id()),
        }
    }
    stage.with_app_data_dictionary_updates(updater.changes());
    let bundle = stage
        .build(
            bob.provider.rand(),
            bob.provider.crypto(),
            &bob.signer,
            |_| true,
        )
        .unwrap()
        .stage_commit(&bob.provider)
        .unwrap();
    bob.group.merge_pending_commit(&bob.provider).unwrap();
    let (commit, _, _) = bundle.into_contents();
    let commit = decode(&commit.to_bytes().unwrap());
    let ProcessedContent::Commit(staged) = alice.process(&commit, None).unwrap().content else {
        panic!("not a Commit")
    };
    let seen = CommittedAppData::from_custom(staged.custom_proposals()).unwrap();
    alice.merge_staged_commit(*staged).unwrap();
    seen
}

fn melos_update(id: u16, data: &[u8]) -> melos::messages::Proposal {
    AppDataUpdate::update(id, data.to_vec())
        .to_proposal()
        .unwrap()
}

fn openmls_update(id: u16, data: &[u8]) -> Proposal {
    Proposal::AppDataUpdate(Box::new(AppDataUpdateProposal::update(id, data.to_vec())))
}

#[test]
fn app_data_updates_from_both_sides_agree() {
    let (mut alice, mut bob) = mixed_group();
    assert!(assert_agree(&alice, &bob).is_empty());

    // melos commits two updates; OpenMLS follows.
    alice_commits(
        &mut alice,
        &mut bob,
        vec![
            melos_update(ROOM, b"policy-1"),
            melos_update(TOPIC, b"hello"),
        ],
    );
    assert_eq!(
        assert_agree(&alice, &bob),
        vec![(ROOM, b"policy-1".to_vec()), (TOPIC, b"hello".to_vec())]
    );

    // OpenMLS commits an update; melos follows (its OpaqueComponent takes the new value).
    bob_commits(
        &mut bob,
        &mut alice,
        vec![openmls_update(ROOM, b"policy-2")],
    );
    assert_eq!(
        assert_agree(&alice, &bob),
        vec![(ROOM, b"policy-2".to_vec()), (TOPIC, b"hello".to_vec())]
    );

    // OpenMLS removes TOPIC.
    bob_commits(
        &mut bob,
        &mut alice,
        vec![Proposal::AppDataUpdate(Box::new(
            AppDataUpdateProposal::remove(TOPIC),
        ))],
    );
    assert_eq!(
        assert_agree(&alice, &bob),
        vec![(ROOM, b"policy-2".to_vec())]
    );

    // melos updates TOPIC again and then removes ROOM, in two Commits.
    alice_commits(&mut alice, &mut bob, vec![melos_update(TOPIC, b"again")]);
    assert_agree(&alice, &bob);
    alice_commits(
        &mut alice,
        &mut bob,
        vec![AppDataUpdate::remove(ROOM).to_proposal().unwrap()],
    );
    assert_eq!(assert_agree(&alice, &bob), vec![(TOPIC, b"again".to_vec())]);
}

#[test]
fn app_ephemeral_from_both_sides() {
    let (mut alice, mut bob) = mixed_group();
    let eph = AppEphemeral {
        component_id: TOPIC,
        data: b"typing".to_vec(),
    }
    .to_proposal()
    .unwrap();
    let seen = alice_commits(&mut alice, &mut bob, vec![eph, melos_update(ROOM, b"r")]);
    assert_eq!(seen, vec![(TOPIC, b"typing".to_vec())]);
    assert_eq!(assert_agree(&alice, &bob), vec![(ROOM, b"r".to_vec())]);

    let seen = bob_commits(
        &mut bob,
        &mut alice,
        vec![Proposal::AppEphemeral(Box::new(AppEphemeralProposal::new(
            TOPIC,
            b"read up to 7".to_vec(),
        )))],
    );
    assert_eq!(seen.ephemeral.len(), 1);
    assert_eq!(seen.ephemeral[0].0.component_id, TOPIC);
    assert_eq!(seen.ephemeral[0].0.data, b"read up to 7");
    assert_eq!(seen.ephemeral[0].1, MelosSender::Member(LeafIndex(1)));
    // AppEphemeral changes no state but the epoch.
    assert_eq!(assert_agree(&alice, &bob), vec![(ROOM, b"r".to_vec())]);
}

/// Turns on Safe AAD (`safe_aad` with an empty ComponentsList in the dictionary, by a melos
/// Commit); both sides then send application messages with a SafeAAD the other reads.
fn safe_aad_group() -> (Group, Bob) {
    let (mut alice, mut bob) = mixed_group();
    let list = ComponentsList::default().encode().unwrap();
    alice_commits(&mut alice, &mut bob, vec![melos_update(SAFE_AAD, &list)]);
    assert_eq!(assert_agree(&alice, &bob), vec![(SAFE_AAD, list)]);
    (alice, bob)
}

fn bob_receives(bob: &mut Bob, bytes: &[u8]) -> ProcessedMessage {
    let message = message_in(bytes).try_into_protocol_message().unwrap();
    bob.group.process_message(&bob.provider, message).unwrap()
}

fn bob_sends(bob: &mut Bob, text: &[u8]) -> Vec<u8> {
    bob.group
        .create_message(&bob.provider, &bob.signer, text)
        .unwrap()
        .to_bytes()
        .unwrap()
}

#[test]
fn safe_aad_both_ways() {
    let (mut alice, mut bob) = safe_aad_group();

    // melos -> OpenMLS.
    let aad = SafeAad::new()
        .with_item(ROOM, b"room-meta".to_vec())
        .with_item(TOPIC, b"topic-meta".to_vec());
    let m = alice
        .encrypt_application(b"hi bob", &aad.encode().unwrap())
        .unwrap()
        .encode()
        .unwrap();
    let got = bob_receives(&mut bob, &m);
    assert_eq!(got.safe_aad_item(ROOM), Some(&b"room-meta"[..]));
    assert_eq!(got.safe_aad_item(TOPIC), Some(&b"topic-meta"[..]));
    assert_eq!(got.safe_aad_item(SAFE_AAD), None);
    let ProcessedMessageContent::ApplicationMessage(text) = got.into_content() else {
        panic!("not an application message")
    };
    assert_eq!(text.into_bytes(), b"hi bob");

    // OpenMLS -> melos.
    bob.group
        .set_safe_aad(vec![
            SafeAadItem::new(ROOM, b"from-openmls".to_vec()),
            SafeAadItem::new(TOPIC, b"t".to_vec()),
        ])
        .unwrap();
    let m = bob_sends(&mut bob, b"hi alice");
    let got = alice.process(&decode(&m), None).unwrap();
    let parsed = SafeAad::decode(&got.authenticated_data).unwrap();
    assert_eq!(parsed.get(ROOM), Some(&b"from-openmls"[..]));
    assert_eq!(parsed.get(TOPIC), Some(&b"t"[..]));
    assert!(matches!(got.content, ProcessedContent::Application(ref t) if t == b"hi alice"));

    // With no items, OpenMLS sends the empty SafeAAD, which melos accepts; melos sends the
    // empty SafeAAD for an empty authenticated_data, which OpenMLS accepts.
    let m = bob_sends(&mut bob, b"plain");
    let got = alice.process(&decode(&m), None).unwrap();
    assert_eq!(got.authenticated_data, [0]);
    let m = alice
        .encrypt_application(b"x", &[])
        .unwrap()
        .encode()
        .unwrap();
    let got = bob_receives(&mut bob, &m);
    assert!(got.safe_aad().is_some_and(|s| s.items().is_empty()));

    // Epochs still agree after a Commit from each side in Safe AAD mode (handshakes carry
    // a SafeAAD too).
    alice_commits(&mut alice, &mut bob, vec![melos_update(ROOM, b"x")]);
    assert_agree(&alice, &bob);
    bob_commits(&mut bob, &mut alice, vec![openmls_update(ROOM, b"y")]);
    assert_agree(&alice, &bob);
}

/// DIFFERENCES.md §2: OpenMLS appends the application's unsafe AAD (`set_aad`) after the
/// SafeAAD; melos, following the editor's copy ("unsafe AAD is no longer allowed"), refuses
/// such a message. Pinned: if either side changes, this test says so.
#[test]
fn safe_aad_with_an_unsafe_tail_is_refused_by_melos() {
    let (mut alice, mut bob) = safe_aad_group();
    bob.group
        .set_safe_aad(vec![SafeAadItem::new(ROOM, b"r".to_vec())])
        .unwrap();
    bob.group.set_aad(b"unsafe tail".to_vec());
    let m = bob_sends(&mut bob, b"hi");
    let before = alice.epoch_authenticator().to_vec();
    assert_eq!(
        alice.process(&decode(&m), None).unwrap_err(),
        Error::Extension(ExtensionError::UnsafeAuthenticatedData)
    );
    assert_eq!(alice.epoch_authenticator(), before);
    // melos does not send a tail at all: a SafeAAD with bytes after it is refused at the
    // sender.
    let mut aad = SafeAad::new()
        .with_item(ROOM, b"r".to_vec())
        .encode()
        .unwrap();
    aad.extend_from_slice(b"tail");
    assert_eq!(
        alice.encrypt_application(b"x", &aad).unwrap_err(),
        Error::Extension(ExtensionError::UnsafeAuthenticatedData)
    );
}

/// The forward-secure exporter (§ "Exported Secrets"): both sides derive the same secret
/// for a component in the same epoch, after a Commit from each side.
#[test]
fn safe_exported_secrets_agree() {
    let (mut alice, mut bob) = mixed_group();
    for round in 0..2 {
        let melos_secret = alice.safe_export_secret(ROOM).unwrap();
        let openmls_secret = bob
            .group
            .safe_export_secret(bob.provider.crypto(), bob.provider.storage(), ROOM)
            .unwrap();
        assert_eq!(melos_secret.as_bytes(), openmls_secret.as_slice());
        let melos_secret = alice.safe_export_secret(TOPIC).unwrap();
        let openmls_secret = bob
            .group
            .safe_export_secret(bob.provider.crypto(), bob.provider.storage(), TOPIC)
            .unwrap();
        assert_eq!(melos_secret.as_bytes(), openmls_secret.as_slice());
        if round == 0 {
            alice_commits(&mut alice, &mut bob, vec![melos_update(ROOM, b"a")]);
        }
    }
    bob_commits(&mut bob, &mut alice, vec![openmls_update(ROOM, b"b")]);
    let melos_secret = alice.safe_export_secret(ROOM).unwrap();
    let openmls_secret = bob
        .group
        .safe_export_secret(bob.provider.crypto(), bob.provider.storage(), ROOM)
        .unwrap();
    assert_eq!(melos_secret.as_bytes(), openmls_secret.as_slice());
}

/// Application PSKs (§ "Pre-Shared Keys (PSKs)", `psktype = application`, 3): a PSK
/// proposal from each side is injected into the other's key schedule, and the epoch
/// authenticators agree.
#[test]
fn application_psks_both_ways() {
    use melos::crypto::Secret;
    use openmls::schedule::PreSharedKeyId;
    let (mut alice, mut bob) = mixed_group();
    let value = b"shared room password";
    alice
        .psk_store_mut()
        .insert_application(ROOM, b"pw".to_vec(), Secret::from(value.to_vec()));
    // OpenMLS keys its PSK store by the PSK (component id and psk_id), not the nonce.
    PreSharedKeyId::application(ROOM, b"pw".to_vec(), vec![0; 32])
        .store(&bob.provider, value)
        .unwrap();

    let prop = alice.application_psk_proposal(ROOM, b"pw").unwrap();
    alice_commits(&mut alice, &mut bob, vec![prop]);
    assert_agree(&alice, &bob);

    let psk = PreSharedKeyId::application(ROOM, b"pw".to_vec(), vec![9; 32]);
    bob_commits(
        &mut bob,
        &mut alice,
        vec![Proposal::PreSharedKey(Box::new(
            openmls::prelude::PreSharedKeyProposal::new(psk),
        ))],
    );
    assert_agree(&alice, &bob);
}

/// DIFFERENCES.md §1: OpenMLS 0.9.2 builds ComponentOperationLabel with the base label
/// "Application" (draft-08), melos with "MLS Component" (draft-09 and the editor's copy).
/// A SafeEncryptWithLabel ciphertext from OpenMLS to Alice's leaf key therefore does not
/// decrypt at melos. Pinned: if either side changes, this test says so.
#[test]
fn safe_hpke_labels_differ() {
    use melos::crypto::HpkeCiphertext;
    use melos::tree_math::NodeIndex;
    use openmls::ciphersuite::{SafeEncryptionContext, safe_encrypt_with_label};
    let (alice, bob) = mixed_group();
    let alice_key = bob
        .group
        .members()
        .find(|m| m.index.u32() == 0)
        .unwrap()
        .encryption_key;
    let ct = safe_encrypt_with_label(
        &alice_key,
        b"secret for alice",
        OPENMLS_SUITE,
        SafeEncryptionContext {
            component_id: ROOM,
            label: "note",
            context: b"ctx",
        },
        bob.provider.crypto(),
    )
    .unwrap();
    let ct = HpkeCiphertext {
        kem_output: ct.kem_output.as_slice().to_vec(),
        ciphertext: ct.ciphertext.as_slice().to_vec(),
    };
    let got = alice.safe_decrypt_with_node_key(NodeIndex(0), ROOM, b"note", b"ctx", &ct);
    assert!(
        matches!(got, Err(Error::Crypto(_))),
        "OpenMLS's safe HPKE now matches melos's label: update DIFFERENCES.md ({:?})",
        got.map(|s| s.as_bytes().to_vec())
    );
}

/// The control for `safe_hpke_labels_differ`: with a key pair whose private key the test
/// holds, OpenMLS's SafeEncryptWithLabel ciphertext opens with melos's DecryptWithLabel
/// (RFC 9420 §5.1.3) when the ComponentOperationLabel is built with the draft-08 base label
/// "Application", and not with melos's SafeDecryptWithLabel ("MLS Component"); OpenMLS
/// cannot open melos's. The two differ in the base label and in nothing else.
#[test]
fn safe_hpke_differs_exactly_in_the_base_label() {
    use melos::components::{safe_decrypt_with_label, safe_encrypt_with_label as melos_seal};
    use melos::crypto::{HpkeCiphertext, labels};
    use openmls::ciphersuite::safe_encrypt_with_label;
    use openmls::ciphersuite::{SafeEncryptionContext, safe_decrypt_with_label as openmls_open};
    let p: Arc<dyn CryptoProvider> = Arc::new(RustCrypto::new());
    let cs = p.suite(SUITE).unwrap();
    let om = OpenMlsRustCrypto::default();
    let pair = cs.kem_generate_key_pair().unwrap();
    let context = || SafeEncryptionContext {
        component_id: ROOM,
        label: "note",
        context: b"ctx",
    };
    let ct = safe_encrypt_with_label(
        pair.public_key.as_bytes(),
        b"plaintext",
        OPENMLS_SUITE,
        context(),
        om.crypto(),
    )
    .unwrap();
    let ct = HpkeCiphertext {
        kem_output: ct.kem_output.as_slice().to_vec(),
        ciphertext: ct.ciphertext.as_slice().to_vec(),
    };
    assert!(matches!(
        safe_decrypt_with_label(cs, &pair.private_key, ROOM, b"note", b"ctx", &ct),
        Err(Error::Crypto(_))
    ));
    // ComponentOperationLabel with base_label "Application" (draft-08).
    let mut draft08 = vec![11];
    draft08.extend_from_slice(b"Application");
    draft08.extend_from_slice(&ROOM.to_be_bytes());
    draft08.push(4);
    draft08.extend_from_slice(b"note");
    let opened = labels::decrypt_with_label(cs, &pair.private_key, &draft08, b"ctx", &ct).unwrap();
    assert_eq!(opened.as_bytes(), b"plaintext");

    // melos -> OpenMLS: refused for the same reason.
    let ct = melos_seal(
        cs,
        pair.public_key.as_bytes(),
        ROOM,
        b"note",
        b"ctx",
        b"plaintext",
    )
    .unwrap();
    // OpenMLS's HpkeCiphertext (openmls_traits) is not re-exported: decode its encoding.
    let mut bytes = Vec::new();
    for field in [&ct.kem_output, &ct.ciphertext] {
        let len = u8::try_from(field.len()).unwrap();
        assert!(len < 64, "one-byte MLS varint length");
        bytes.push(len);
        bytes.extend_from_slice(field);
    }
    let ct = tls_decode(&bytes);
    assert!(
        openmls_open(
            pair.private_key.as_bytes(),
            &ct,
            OPENMLS_SUITE,
            context(),
            om.crypto(),
        )
        .is_err()
    );
}

fn tls_decode<T: openmls::prelude::tls_codec::Deserialize>(mut bytes: &[u8]) -> T {
    T::tls_deserialize(&mut bytes).unwrap()
}

/// DIFFERENCES.md §3: the editor's copy's AppAck (§ "AppAck") names a message's sender by
/// its `uint32` leaf index; OpenMLS 0.9.2's (not yet supported there, not a component)
/// by a KeyPackageRef, so OpenMLS cannot decode melos's AppAck. Pinned.
#[test]
fn app_ack_structures_differ() {
    use melos::components::{AppAck, MessageRange};
    let ack = AppAck {
        received_ranges: vec![MessageRange {
            sender: 1,
            first_generation: 0,
            last_generation: 5,
        }],
    };
    let eph = ack.to_app_ephemeral().unwrap();
    assert_eq!(eph.component_id, melos::components::APP_ACK);
    assert!(openmls::prelude::AppAck::tls_deserialize_exact(eph.data.as_slice()).is_err());
}
