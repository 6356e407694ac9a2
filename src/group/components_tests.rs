//! Receiver checks of draft-ietf-mls-extensions that an honest melos committer never
//! violates: Commits and messages crafted past the sender's checks (with the fuzz
//! harness's framing primitives), each refused by the receiver with its own error and
//! leaving the receiver's group unchanged.

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::*;
use crate::components::{
    APP_DATA_DICTIONARY, APP_DATA_UPDATE, APP_EPHEMERAL, AppDataDictionary, AppDataUpdate,
    ComponentRegistry, ComponentsList, OpaqueComponent, SAFE_AAD, SafeAad, SafeAadItem,
};
use crate::crypto::rust_crypto::RustCrypto;
use crate::error::{DecodeError, Error, ExtensionError};
use crate::framing::{AuthenticatedContent, FramedContent, FramedContentBody, Sender, WireFormat};
use crate::messages::{
    Capabilities, Credential, CredentialType, Extensions, GroupContextExtensions, Lifetime,
    Proposal, ProposalOrRef, RequiredCapabilities,
};

const SUITE: CipherSuite = CipherSuite(1);
const ROOM: u16 = 0x8001;

fn caps() -> Capabilities {
    let mut c = Capabilities::minimal(SUITE, CredentialType::BASIC);
    c.proposals = alloc::vec![APP_DATA_UPDATE, APP_EPHEMERAL];
    c.extensions = alloc::vec![APP_DATA_DICTIONARY];
    c
}

fn config() -> GroupConfig {
    let reg = ComponentRegistry::new().with(ROOM, Arc::new(OpaqueComponent));
    GroupConfig {
        hooks: GroupHooks::new().with_app_components(Arc::new(reg)),
        ..GroupConfig::default()
    }
}

/// Alice and Bob; the group starts with `extensions`.
fn pair(extensions: Extensions) -> [Group; 2] {
    let p: Arc<dyn CryptoProvider> = Arc::new(RustCrypto::new());
    let cs = p.suite(SUITE).unwrap();
    let id = |n: &str| SigningIdentity::generate(cs, Credential::Basic(n.into())).unwrap();
    let options = CreateOptions {
        capabilities: Some(caps()),
        extensions,
        ..CreateOptions::default()
    };
    let mut alice =
        Group::create_with_options(p.clone(), SUITE, b"g".to_vec(), id("a"), config(), options)
            .unwrap();
    let bob = id("b");
    let kp = bob
        .key_package_with(
            cs,
            KeyPackageOptions {
                capabilities: Some(caps()),
                ..KeyPackageOptions::new(Lifetime {
                    not_before: 0,
                    not_after: u64::MAX,
                })
            },
        )
        .unwrap();
    let out = alice
        .commit(
            CommitOptions::default()
                .with_ratchet_tree()
                .add_member(kp.key_package.clone()),
        )
        .unwrap();
    alice.merge_pending_commit().unwrap();
    let bob = Group::join(
        p,
        &out.welcome.unwrap(),
        &kp,
        bob,
        None,
        config(),
        &PskStore::new(),
    )
    .unwrap();
    [alice, bob]
}

fn with_room() -> Extensions {
    let mut e = Extensions::default();
    let mut d = AppDataDictionary::new();
    d.insert(ROOM, b"r".to_vec());
    e.write(&d).unwrap();
    e
}

/// Alice commits exactly `list` (no checks); Bob's refusal, his state unchanged.
fn refused_by_bob(g: &mut [Group; 2], list: Vec<Proposal>) -> Error {
    let list = list.into_iter().map(ProposalOrRef::Proposal).collect();
    let crafted = g[0]
        .fuzz_commit(
            list,
            &|_| None,
            None,
            WireFormat::MLS_PUBLIC_MESSAGE,
            &[],
            alloc::vec![0; 32],
        )
        .unwrap();
    let before = g[1].to_bytes().unwrap();
    let e = g[1].process(&crafted.message, None).unwrap_err();
    assert_eq!(g[1].to_bytes().unwrap().as_bytes(), before.as_bytes());
    e
}

fn update(data: &[u8]) -> Proposal {
    AppDataUpdate::update(ROOM, data.to_vec())
        .to_proposal()
        .unwrap()
}

fn remove() -> Proposal {
    AppDataUpdate::remove(ROOM).to_proposal().unwrap()
}

#[test]
fn receiver_refuses_two_removes_of_one_component() {
    let mut g = pair(with_room());
    let e = refused_by_bob(&mut g, alloc::vec![remove(), remove()]);
    assert_eq!(e, ExtensionError::MultipleRemovesForComponent.into());
}

#[test]
fn receiver_refuses_update_and_remove_of_one_component() {
    let mut g = pair(with_room());
    let e = refused_by_bob(&mut g, alloc::vec![update(b"x"), remove()]);
    assert_eq!(e, ExtensionError::UpdateAndRemoveForComponent.into());
}

#[test]
fn receiver_refuses_remove_of_absent_component() {
    let mut g = pair(Extensions::default());
    let e = refused_by_bob(&mut g, alloc::vec![remove()]);
    assert_eq!(e, ExtensionError::RemoveOfAbsentComponent.into());
}

#[test]
fn receiver_refuses_unknown_component() {
    let mut g = pair(Extensions::default());
    let p = AppDataUpdate::update(0x8999, alloc::vec![1])
        .to_proposal()
        .unwrap();
    let e = refused_by_bob(&mut g, alloc::vec![p]);
    assert_eq!(e, ExtensionError::UnknownComponent.into());
}

#[test]
fn receiver_refuses_a_dictionary_out_of_order() {
    let mut g = pair(with_room());
    // A GroupContextExtensions proposal with an unsorted dictionary.
    let mut e = Extensions::default();
    let bad = AppDataDictionary {
        component_data: alloc::vec![
            crate::components::ComponentData {
                component_id: 9,
                data: Vec::new(),
            },
            crate::components::ComponentData {
                component_id: 3,
                data: Vec::new(),
            },
        ],
    };
    e.write(&bad).unwrap();
    let gce = Proposal::GroupContextExtensions(GroupContextExtensions { extensions: e });
    let err = refused_by_bob(&mut g, alloc::vec![gce, update(b"x")]);
    assert_eq!(err, ExtensionError::DictionaryNotSorted.into());
}

#[test]
fn receiver_refuses_gce_that_changes_the_dictionary_when_app_data_update_is_required() {
    let mut start = with_room();
    start
        .write(&RequiredCapabilities {
            extension_types: alloc::vec![APP_DATA_DICTIONARY],
            proposal_types: alloc::vec![APP_DATA_UPDATE],
            credential_types: Vec::new(),
        })
        .unwrap();
    let mut g = pair(start.clone());
    let mut changed = start;
    changed.remove(APP_DATA_DICTIONARY);
    let gce = Proposal::GroupContextExtensions(GroupContextExtensions {
        extensions: changed,
    });
    let e = refused_by_bob(&mut g, alloc::vec![gce]);
    assert_eq!(
        e,
        ExtensionError::GroupContextExtensionsChangeAppData.into()
    );
}

#[test]
fn an_app_data_update_with_an_unknown_op_does_not_decode() {
    let mut g = pair(Extensions::default());
    let bad = Proposal::Custom {
        proposal_type: APP_DATA_UPDATE,
        data: alloc::vec![0x80, 0x01, 0],
    };
    // The committer's own check names the structure...
    let e = g[0]
        .commit(CommitOptions::default().with_proposal(bad.clone()))
        .unwrap_err();
    assert_eq!(e, ExtensionError::MalformedAppDataUpdate.into());
    // ...and so does a receiver handed the Commit as a value...
    let e = refused_by_bob(&mut g, alloc::vec![bad.clone()]);
    assert_eq!(e, ExtensionError::MalformedAppDataUpdate.into());
    // ...while on the wire the proposal's end cannot even be found.
    let bytes = crate::codec::encode(&bad).unwrap();
    assert_eq!(
        crate::codec::decode_exact::<Proposal>(&bytes).unwrap_err(),
        Error::Decode(DecodeError::UnknownValue)
    );
}

/// Alice sends an application message whose authenticated_data is `aad`, unchecked.
fn send_with_aad(alice: &mut Group, aad: &[u8]) -> crate::framing::MlsMessage {
    let cs = Group::cs_of(&alice.provider, alice.cipher_suite()).unwrap();
    let content = FramedContent {
        group_id: alice.group_id().to_vec(),
        epoch: alice.epoch(),
        sender: Sender::Member(alice.own_leaf()),
        authenticated_data: aad.to_vec(),
        body: FramedContentBody::Application(b"hi".to_vec()),
    };
    let ac = AuthenticatedContent::sign_by(
        WireFormat::MLS_PRIVATE_MESSAGE,
        content,
        &alice.identity.signer(cs).unwrap(),
        &alice.context,
    )
    .unwrap();
    alice.protect(ac).unwrap()
}

fn with_safe_aad() -> Extensions {
    let mut e = Extensions::default();
    let mut d = AppDataDictionary::new();
    d.insert(SAFE_AAD, ComponentsList::default().encode().unwrap());
    e.write(&d).unwrap();
    e
}

#[test]
fn receiver_refuses_unsafe_aad_when_safe_aad_is_required() {
    let [mut alice, mut bob] = pair(with_safe_aad());
    let m = send_with_aad(&mut alice, b"plain");
    assert_eq!(
        bob.process(&m, None).unwrap_err(),
        ExtensionError::UnsafeAuthenticatedData.into()
    );
    // An empty authenticated_data is not a SafeAAD either.
    let m = send_with_aad(&mut alice, &[]);
    assert_eq!(
        bob.process(&m, None).unwrap_err(),
        ExtensionError::UnsafeAuthenticatedData.into()
    );
    let m = send_with_aad(&mut alice, &SafeAad::new().encode().unwrap());
    assert!(bob.process(&m, None).is_ok());
}

#[test]
fn receiver_refuses_safe_aad_out_of_order() {
    let [mut alice, mut bob] = pair(with_safe_aad());
    let item = |component_id| SafeAadItem {
        component_id,
        aad_item_data: Vec::new(),
    };
    let aad = SafeAad {
        aad_items: alloc::vec![item(5), item(5)],
    };
    let m = send_with_aad(&mut alice, &crate::codec::encode(&aad).unwrap());
    assert_eq!(
        bob.process(&m, None).unwrap_err(),
        ExtensionError::SafeAadNotSorted.into()
    );
}

#[test]
fn receiver_refuses_a_gce_dictionary_with_a_duplicate_without_app_proposals() {
    let mut g = pair(with_room());
    let mut e = Extensions::default();
    let dup = AppDataDictionary {
        component_data: alloc::vec![
            crate::components::ComponentData {
                component_id: 3,
                data: Vec::new(),
            },
            crate::components::ComponentData {
                component_id: 3,
                data: alloc::vec![1],
            },
        ],
    };
    e.write(&dup).unwrap();
    let gce = Proposal::GroupContextExtensions(GroupContextExtensions { extensions: e });
    let err = refused_by_bob(&mut g, alloc::vec![gce]);
    assert_eq!(err, ExtensionError::DictionaryDuplicateComponent.into());
}

#[test]
fn receiver_refuses_unsafe_aad_of_a_past_epoch() {
    let [mut alice, mut bob] = pair(with_safe_aad());
    let m = send_with_aad(&mut alice, b"plain");
    // Both move on to the next epoch; Bob keeps the past epoch's keys.
    let c = alice
        .commit(CommitOptions::default().with_proposal(update(b"x")))
        .unwrap();
    alice.merge_pending_commit().unwrap();
    match bob.process(&c.commit, None).unwrap().content {
        ProcessedContent::Commit(s) => bob.merge_staged_commit(*s).unwrap(),
        _ => panic!("not a commit"),
    }
    assert_eq!(
        bob.process(&m, None).unwrap_err(),
        ExtensionError::UnsafeAuthenticatedData.into()
    );
}
