//! draft-ietf-mls-extensions, the membership features, end to end between melos members
//! through the public API: SelfRemove ("SelfRemove Proposal"), last-resort KeyPackages
//! ("Last-Resort KeyPackages") and multi-credentials ("Multi-Credentials").

mod common;

use std::sync::Arc;

use common::{group_with, provider};
use melos::components::{AppDataDictionary, ComponentData, is_component_grease};
use melos::crypto::SignaturePublicKey;
use melos::framing::MlsMessage;
use melos::framing::WireFormat;
use melos::group::{
    BasicCredentialValidator, CommitOptions, CreateOptions, CredentialUse, Group, GroupConfig,
    GroupHooks, HandshakeFormat, KeyPackageOptions, MultiCredentialValidator, ProcessedContent,
    ProposalDecision, ProposalInfo, ProposalPolicy, ProposalStatus, PskStore, SelfRemoval,
    SigningIdentity,
};
use melos::messages::{
    ApplicationFraming, CONTENT_MEDIA_TYPES_COMPONENT, Capabilities, Credential, CredentialBinding,
    CredentialType, Extension, ExtensionType, Extensions, GroupContextExtensions, KeyPackageBundle,
    LAST_RESORT_KEY_PACKAGE_COMPONENT, Lifetime, MAX_CREDENTIAL_BINDINGS, MediaType, MediaTypeList,
    MediaTypeParameter, MultiCredential, Proposal, ProposalType, Remove, RequiredWireFormats,
    SupportedWireFormats,
};
use melos::ratchet_tree::TreeView;
use melos::tree_math::LeafIndex;
use melos::{CipherSuite, CredentialBindingError, Error, GroupError, MessageError};

/// Every group but `from` processes `msg` (a proposal).
fn deliver(groups: &mut [Group], from: usize, msg: &MlsMessage) {
    for (i, g) in groups.iter_mut().enumerate() {
        if i != from {
            g.process(msg, None).unwrap();
        }
    }
}

/// Delivers `commit` of `groups[from]`; returns how each member saw its own removal
/// (`None`: not removed); removed members are dropped; the others agree on the epoch.
fn deliver_commit(groups: &mut Vec<Group>, from: usize, commit: &MlsMessage) -> Vec<bool> {
    let mut removed = Vec::new();
    for (i, g) in groups.iter_mut().enumerate() {
        if i == from {
            g.merge_pending_commit().unwrap();
            removed.push(false);
            continue;
        }
        let m = g.process(commit, None).unwrap();
        let ProcessedContent::Commit(s) = m.content else {
            panic!("not a commit")
        };
        let me = s.self_removal().cloned();
        removed.push(me.is_some());
        if me.is_some() {
            assert_eq!(me, Some(SelfRemoval::Verified));
        }
        g.merge_staged_commit(*s).unwrap();
        assert_eq!(g.is_active(), me.is_none());
    }
    groups.retain(|g| g.is_active());
    for g in groups.iter() {
        assert_eq!(g.epoch_authenticator(), groups[0].epoch_authenticator());
    }
    removed
}

#[test]
fn member_leaves_by_self_remove() {
    let p = provider();
    let mut groups = group_with(
        &p,
        b"sr",
        &["bob", "carol", "dave"],
        &GroupConfig::default(),
    );
    // Carol leaves: her SelfRemove goes to everyone.
    let sr = groups[2].self_remove().unwrap();
    assert!(matches!(
        sr.body,
        melos::framing::MlsMessageBody::PublicMessage(_)
    ));
    deliver(&mut groups, 2, &sr);
    // Bob (not the creator) commits: the Commit covers it by reference, with a path.
    let out = groups[1].commit(CommitOptions::default()).unwrap();
    assert!(out.left_out.is_empty());
    let removed = deliver_commit(&mut groups, 1, &out.commit);
    assert_eq!(removed, vec![false, false, true, false]);
    assert_eq!(groups.len(), 3);
    assert_eq!(groups[0].member_count(), 3);
    assert!(groups[0].members().iter().all(|m| m.index != LeafIndex(2)));
    // The group goes on without her.
    let out = groups[2].commit(CommitOptions::default()).unwrap();
    deliver_commit(&mut groups, 2, &out.commit);
}

#[test]
fn self_remove_is_public_in_a_private_handshake_group() {
    let p = provider();
    let config = GroupConfig {
        handshake_format: HandshakeFormat::Private,
        accept_both_handshake_formats: false,
        ..GroupConfig::default()
    };
    let mut groups = group_with(&p, b"srp", &["bob", "carol"], &config);
    let sr = groups[1].self_remove().unwrap();
    assert!(matches!(
        sr.body,
        melos::framing::MlsMessageBody::PublicMessage(_)
    ));
    deliver(&mut groups, 1, &sr);
    let out = groups[0].commit(CommitOptions::default()).unwrap();
    assert!(matches!(
        out.commit.body,
        melos::framing::MlsMessageBody::PrivateMessage(_)
    ));
    let removed = deliver_commit(&mut groups, 0, &out.commit);
    assert_eq!(removed, vec![false, true, false]);
}

/// A policy that holds every proposal for the application.
struct HoldAll;
impl ProposalPolicy for HoldAll {
    fn received(&self, _: &ProposalInfo<'_>) -> ProposalDecision {
        ProposalDecision::Hold
    }
}

#[test]
fn self_remove_is_never_held_and_wins_over_remove() {
    let p = provider();
    let config = GroupConfig {
        hooks: GroupHooks::default().with_proposal_policy(Arc::new(HoldAll)),
        ..GroupConfig::default()
    };
    let mut groups = group_with(&p, b"srh", &["bob", "carol"], &config);
    // Bob proposes removing Carol while Carol leaves by herself.
    let rm = groups[1]
        .propose(Proposal::Remove(Remove {
            removed: LeafIndex(2),
        }))
        .unwrap();
    deliver(&mut groups, 1, &rm);
    let sr = groups[2].self_remove().unwrap();
    for g in groups.iter_mut().take(2) {
        let m = g.process(&sr, None).unwrap();
        let ProcessedContent::Proposal(_, _, status) = m.content else {
            panic!("not a proposal")
        };
        assert_eq!(status, ProposalStatus::Accepted);
    }
    // Alice's Commit covers the SelfRemove; the held Remove of the same leaf is left out.
    let out = groups[0].commit(CommitOptions::default()).unwrap();
    assert_eq!(out.left_out.len(), 1);
    let removed = deliver_commit(&mut groups, 0, &out.commit);
    assert_eq!(removed, vec![false, false, true]);
}

#[test]
fn leaver_commit_leaves_its_own_self_remove_out() {
    let p = provider();
    let mut groups = group_with(&p, b"sro", &["bob"], &GroupConfig::default());
    let sr = groups[1].self_remove().unwrap();
    deliver(&mut groups, 1, &sr);
    assert_eq!(
        groups[1].self_remove().unwrap_err(),
        Error::Group(GroupError::DuplicateSelfRemove)
    );
    // Bob commits anyway: his own SelfRemove cannot be in his Commit.
    let out = groups[1].commit(CommitOptions::default()).unwrap();
    assert_eq!(out.left_out.len(), 1);
    assert_eq!(
        out.left_out[0].reason,
        Error::Group(GroupError::SelfRemoveOfCommitter)
    );
    let removed = deliver_commit(&mut groups, 1, &out.commit);
    assert_eq!(removed, vec![false, false]);
}

#[test]
fn self_remove_is_in_default_capabilities() {
    let p = provider();
    let groups = group_with(&p, b"src", &["bob"], &GroupConfig::default());
    let leaf = groups[1]
        .ratchet_tree()
        .leaf(LeafIndex(1))
        .unwrap()
        .to_leaf_node()
        .unwrap();
    assert!(
        leaf.capabilities
            .proposals
            .contains(&ProposalType::SELF_REMOVE)
    );
    assert_eq!(ProposalType::SELF_REMOVE.0, 0x000a);
}

// ---- Last-resort KeyPackages ----

fn last_resort_key_package(
    p: &Arc<dyn melos::CryptoProvider>,
    name: &str,
    extensions: Extensions,
    last_resort: bool,
) -> (SigningIdentity, KeyPackageBundle) {
    let cs = p.suite(common::SUITE).unwrap();
    let id = SigningIdentity::generate(cs, Credential::Basic(name.as_bytes().to_vec())).unwrap();
    let mut options = KeyPackageOptions::new(Lifetime {
        not_before: 0,
        not_after: u64::MAX,
    });
    let mut caps =
        id.default_capabilities(common::SUITE, &[], options.hooks.credential_validator());
    caps.extensions.push(ExtensionType::APP_DATA_DICTIONARY);
    options.capabilities = Some(caps);
    options.extensions = extensions;
    options.last_resort = last_resort;
    let kp = id.key_package_with(cs, options).unwrap();
    (id, kp)
}

/// The entries of an encoded AppDataDictionary but the GREASE ones.
fn non_grease(data: &[u8]) -> Vec<ComponentData> {
    AppDataDictionary::decode(data)
        .unwrap()
        .component_data
        .into_iter()
        .filter(|c| !is_component_grease(c.component_id))
        .collect()
}

#[test]
fn last_resort_key_package_joins_two_groups() {
    let p = provider();
    let (eve, kp) = last_resort_key_package(&p, "eve", Extensions::default(), true);
    assert!(kp.key_package.is_last_resort());
    assert_eq!(LAST_RESORT_KEY_PACKAGE_COMPONENT, 0x0004);
    let ext = kp
        .key_package
        .extensions
        .get(ExtensionType::APP_DATA_DICTIONARY)
        .unwrap();
    // One ComponentData: component 0x0004, empty data, next to a GREASE entry
    // (draft-ietf-mls-extensions § "GREASE"), which every receiver below ignores.
    assert_eq!(
        non_grease(&ext.extension_data),
        vec![ComponentData {
            component_id: 4,
            data: vec![]
        }]
    );
    assert!(
        AppDataDictionary::decode(&ext.extension_data)
            .unwrap()
            .component_ids()
            .any(is_component_grease)
    );
    for gid in [b"lr1".as_slice(), b"lr2"] {
        let mut groups = group_with(&p, gid, &["bob"], &GroupConfig::default());
        let out = groups[0]
            .commit(
                CommitOptions::default()
                    .add_member(kp.key_package.clone())
                    .with_ratchet_tree(),
            )
            .unwrap();
        deliver_commit(&mut groups, 0, &out.commit);
        let g = Group::join(
            p.clone(),
            &out.welcome.unwrap(),
            &kp,
            eve.clone(),
            None,
            GroupConfig::default(),
            &PskStore::new(),
        )
        .unwrap();
        assert_eq!(g.epoch_authenticator(), groups[0].epoch_authenticator());
    }
}

#[test]
fn last_resort_component_with_data_refused() {
    let p = provider();
    // An app_data_dictionary whose last_resort_key_package component carries one byte.
    let bad = Extensions(vec![Extension {
        extension_type: ExtensionType::APP_DATA_DICTIONARY,
        extension_data: vec![0x04, 0x00, 0x04, 0x01, 0x01],
    }]);
    let (_, kp) = last_resort_key_package(&p, "mallory", bad, false);
    assert!(kp.key_package.is_last_resort());
    let cs = p.suite(common::SUITE).unwrap();
    assert_eq!(
        kp.key_package.validate(cs, 1).unwrap_err(),
        Error::Message(MessageError::LastResortComponentNotEmpty)
    );
    let mut groups = group_with(&p, b"lrbad", &["bob"], &GroupConfig::default());
    let err = groups[0]
        .commit(CommitOptions::default().add_member(kp.key_package.clone()))
        .unwrap_err();
    assert_eq!(
        err,
        Error::Message(MessageError::LastResortComponentNotEmpty)
    );
    assert!(!groups[0].has_pending_commit());
}

#[test]
fn last_resort_marker_merges_into_an_existing_dictionary() {
    let p = provider();
    // A dictionary with a private-use component 0x8000 (data 0xaa) already there.
    let ext = Extensions(vec![Extension {
        extension_type: ExtensionType::APP_DATA_DICTIONARY,
        extension_data: vec![0x04, 0x80, 0x00, 0x01, 0xaa],
    }]);
    let (_, kp) = last_resort_key_package(&p, "fred", ext, true);
    assert!(kp.key_package.is_last_resort());
    let ext = kp
        .key_package
        .extensions
        .get(ExtensionType::APP_DATA_DICTIONARY)
        .unwrap();
    assert_eq!(
        non_grease(&ext.extension_data),
        vec![
            ComponentData {
                component_id: 4,
                data: vec![]
            },
            ComponentData {
                component_id: 0x8000,
                data: vec![0xaa]
            }
        ]
    );
    let cs = p.suite(common::SUITE).unwrap();
    kp.key_package.validate(cs, 1).unwrap();
}

// ---- Multi-credentials ----

/// Alice creates `group_id` with `config` and adds `names`, every leaf listing the
/// credential types of `config`'s validator (the multi types among them).
fn multi_group(
    p: &Arc<dyn melos::CryptoProvider>,
    group_id: &[u8],
    names: &[&str],
    config: &GroupConfig,
) -> Vec<Group> {
    let cs = p.suite(common::SUITE).unwrap();
    let (alice, _) = common::new_client(p, "alice");
    let mut alice = Group::create(
        p.clone(),
        common::SUITE,
        group_id.to_vec(),
        alice,
        config.clone(),
    )
    .unwrap();
    let mut clients = Vec::new();
    let mut opts = CommitOptions::default().with_ratchet_tree();
    for n in names {
        let (id, _) = common::new_client(p, n);
        let mut options = KeyPackageOptions::new(Lifetime {
            not_before: 0,
            not_after: u64::MAX,
        });
        options.hooks = config.hooks.clone();
        let kp = id.key_package_with(cs, options).unwrap();
        opts = opts.add_member(kp.key_package.clone());
        clients.push((id, kp));
    }
    let out = alice.commit(opts).unwrap();
    alice.merge_pending_commit().unwrap();
    let w = out.welcome.unwrap();
    let mut groups = vec![alice];
    for (id, kp) in clients {
        groups.push(
            Group::join(
                p.clone(),
                &w,
                &kp,
                id,
                None,
                config.clone(),
                &PskStore::new(),
            )
            .unwrap(),
        );
    }
    groups
}

fn multi_config(p: &Arc<dyn melos::CryptoProvider>) -> GroupConfig {
    let validator = MultiCredentialValidator::new(p.clone(), Arc::new(BasicCredentialValidator));
    GroupConfig {
        hooks: GroupHooks::default().with_credential_validator(Arc::new(validator)),
        ..GroupConfig::default()
    }
}

/// A binding of `credential` (with a fresh key of `suite`) to `leaf_key`.
fn binding(
    p: &Arc<dyn melos::CryptoProvider>,
    suite: CipherSuite,
    credential: Credential,
    leaf_key: &SignaturePublicKey,
) -> CredentialBinding {
    let cs = p.suite(suite).unwrap();
    let pair = cs.signature_generate_key_pair().unwrap();
    CredentialBinding::create(cs, credential, pair.public_key, &pair.private_key, leaf_key).unwrap()
}

/// A client whose leaf presents a multi-credential built by `bindings` from its leaf key.
fn multi_client(
    p: &Arc<dyn melos::CryptoProvider>,
    weak: bool,
    bindings: impl Fn(&SignaturePublicKey) -> Vec<CredentialBinding>,
    config: &GroupConfig,
) -> (SigningIdentity, KeyPackageBundle, Credential) {
    let cs = p.suite(common::SUITE).unwrap();
    let pair = cs.signature_generate_key_pair().unwrap();
    let multi = MultiCredential {
        weak,
        bindings: bindings(&pair.public_key),
    };
    let credential = multi.to_credential().unwrap();
    let id = SigningIdentity::from_key_pair(common::SUITE, credential.clone(), pair);
    let mut options = KeyPackageOptions::new(Lifetime {
        not_before: 0,
        not_after: u64::MAX,
    });
    options.hooks = config.hooks.clone();
    let kp = id.key_package_with(cs, options).unwrap();
    (id, kp, credential)
}

fn basic(name: &str) -> Credential {
    Credential::Basic(name.as_bytes().to_vec())
}

#[test]
fn multi_credential_member_joins_and_commits() {
    let p = provider();
    let config = multi_config(&p);
    for weak in [false, true] {
        let mut groups = multi_group(&p, b"mc", &["bob"], &config);
        let (carol, kp, credential) = multi_client(
            &p,
            weak,
            |k| {
                vec![
                    binding(&p, common::SUITE, basic("carol@chat"), k),
                    binding(&p, CipherSuite(3), basic("carol@corp"), k),
                ]
            },
            &config,
        );
        assert_eq!(
            credential.credential_type(),
            if weak {
                CredentialType::WEAK_MULTI
            } else {
                CredentialType::MULTI
            }
        );
        let parsed = MultiCredential::from_credential(&credential)
            .unwrap()
            .unwrap();
        assert_eq!(parsed.bindings.len(), 2);
        let out = groups[0]
            .commit(
                CommitOptions::default()
                    .add_member(kp.key_package.clone())
                    .with_ratchet_tree(),
            )
            .unwrap();
        deliver_commit(&mut groups, 0, &out.commit);
        let carol = Group::join(
            p.clone(),
            &out.welcome.unwrap(),
            &kp,
            carol,
            None,
            config.clone(),
            &PskStore::new(),
        )
        .unwrap();
        groups.push(carol);
        // Carol commits with a path: her leaf (same credential, new key material) passes.
        let out = groups[2].commit(CommitOptions::default()).unwrap();
        deliver_commit(&mut groups, 2, &out.commit);
        assert_eq!(groups[0].members()[2].credential, credential);
    }
}

#[test]
fn multi_credential_binding_checks() {
    let p = provider();
    let validator = MultiCredentialValidator::new(p.clone(), Arc::new(BasicCredentialValidator));
    let cs = p.suite(common::SUITE).unwrap();
    let leaf = cs.signature_generate_key_pair().unwrap().public_key;
    let other = cs.signature_generate_key_pair().unwrap().public_key;
    let check = |weak: bool, bindings: Vec<CredentialBinding>| {
        let c = MultiCredential { weak, bindings }.to_credential().unwrap();
        validator.verify(&c, &leaf, CredentialUse::Add)
    };
    let err = |e: CredentialBindingError| Err(Error::CredentialBinding(e));
    let good = binding(&p, common::SUITE, basic("a"), &leaf);
    assert_eq!(check(false, vec![good.clone()]), Ok(()));
    // Signed over another leaf's key.
    let wrong_leaf = binding(&p, common::SUITE, basic("a"), &other);
    assert_eq!(
        check(false, vec![good.clone(), wrong_leaf.clone()]),
        err(CredentialBindingError::SignatureInvalid)
    );
    // A tampered credential breaks the signature too.
    let mut tampered = good.clone();
    tampered.credential = basic("b");
    assert_eq!(
        check(true, vec![tampered]),
        err(CredentialBindingError::SignatureInvalid)
    );
    // The Authentication Service refuses an x509 credential without certificates.
    let empty_x509 = binding(&p, common::SUITE, Credential::X509(vec![]), &leaf);
    assert_eq!(
        check(false, vec![empty_x509]),
        err(CredentialBindingError::CredentialRejected)
    );
    // A suite the provider lacks: unsupported for `multi`, skipped for `weak-multi`.
    let mut unknown_suite = good.clone();
    unknown_suite.cipher_suite = CipherSuite(0x7777);
    assert_eq!(
        check(false, vec![good.clone(), unknown_suite.clone()]),
        err(CredentialBindingError::UnsupportedBinding)
    );
    assert_eq!(
        check(true, vec![good.clone(), unknown_suite.clone()]),
        Ok(())
    );
    assert_eq!(
        check(true, vec![unknown_suite]),
        err(CredentialBindingError::NoSupportedBinding)
    );
    // A weak multi-credential's supported bindings must all be valid.
    assert_eq!(
        check(true, vec![good.clone(), wrong_leaf]),
        err(CredentialBindingError::SignatureInvalid)
    );
    // Malformed and empty binding lists.
    let malformed = Credential::Other {
        credential_type: CredentialType::MULTI,
        data: vec![0x00, 0x01, 0x02],
    };
    assert_eq!(
        validator.verify(&malformed, &leaf, CredentialUse::Add),
        err(CredentialBindingError::Malformed)
    );
    let empty = Credential::Other {
        credential_type: CredentialType::WEAK_MULTI,
        data: vec![],
    };
    assert_eq!(
        validator.verify(&empty, &leaf, CredentialUse::Add),
        err(CredentialBindingError::BindingCount)
    );
    let many = vec![good; MAX_CREDENTIAL_BINDINGS + 1];
    assert_eq!(
        check(false, many),
        err(CredentialBindingError::BindingCount)
    );
    // Through the group engine, a refused binding is a refused credential.
    let config = multi_config(&p);
    let mut groups = multi_group(&p, b"mcbad", &["bob"], &config);
    let (_, kp, _) = multi_client(
        &p,
        false,
        |_| vec![binding(&p, common::SUITE, basic("x"), &other)],
        &config,
    );
    let before = groups[0].to_bytes().unwrap().as_bytes().to_vec();
    assert_eq!(
        groups[0]
            .commit(CommitOptions::default().add_member(kp.key_package))
            .unwrap_err(),
        Error::Group(GroupError::CredentialRejected)
    );
    assert_eq!(groups[0].to_bytes().unwrap().as_bytes(), before.as_slice());
}

#[test]
fn multi_credential_needs_every_member_to_support_its_bindings() {
    let p = provider();
    let config = multi_config(&p);
    let cs = p.suite(common::SUITE).unwrap();
    // Bob supports basic and the multi types, not x509.
    let (alice, _) = common::new_client(&p, "alice");
    let mut alice = Group::create(
        p.clone(),
        common::SUITE,
        b"mcs".to_vec(),
        alice,
        config.clone(),
    )
    .unwrap();
    let (bob, _) = common::new_client(&p, "bob");
    let mut caps = Capabilities::minimal(common::SUITE, CredentialType::BASIC);
    caps.credentials
        .extend([CredentialType::MULTI, CredentialType::WEAK_MULTI]);
    let mut options = KeyPackageOptions::new(Lifetime {
        not_before: 0,
        not_after: u64::MAX,
    });
    options.capabilities = Some(caps);
    let bob_kp = bob.key_package_with(cs, options).unwrap();
    let out = alice
        .commit(CommitOptions::default().add_member(bob_kp.key_package))
        .unwrap();
    alice.merge_pending_commit().unwrap();
    drop(out);
    let x509 = Credential::X509(vec![melos::messages::Certificate {
        cert_data: vec![1, 2, 3],
    }]);
    for (weak, expected) in [
        (false, CredentialBindingError::BindingNotSupportedByMember),
        (true, CredentialBindingError::NoBindingSupportedByMember),
    ] {
        let (_, kp, _) = multi_client(
            &p,
            weak,
            |k| {
                let mut b = vec![binding(&p, common::SUITE, x509.clone(), k)];
                if !weak {
                    b.push(binding(&p, common::SUITE, basic("carol"), k));
                }
                b
            },
            &config,
        );
        let before = alice.to_bytes().unwrap().as_bytes().to_vec();
        assert_eq!(
            alice
                .commit(CommitOptions::default().add_member(kp.key_package))
                .unwrap_err(),
            Error::CredentialBinding(expected)
        );
        assert_eq!(alice.to_bytes().unwrap().as_bytes(), before.as_slice());
    }
}

// ---- Content advertisement ----

const PRIVATE_WF: u16 = 0xf000;

/// A KeyPackage whose leaf can carry the wire-format extensions; `supported` goes into
/// its `supported_wire_formats`.
fn wf_key_package(
    p: &Arc<dyn melos::CryptoProvider>,
    name: &str,
    supported: Option<Vec<u16>>,
) -> (SigningIdentity, KeyPackageBundle) {
    let cs = p.suite(common::SUITE).unwrap();
    let (id, _) = common::new_client(p, name);
    let mut options = KeyPackageOptions::new(Lifetime {
        not_before: 0,
        not_after: u64::MAX,
    });
    let mut caps =
        id.default_capabilities(common::SUITE, &[], options.hooks.credential_validator());
    caps.extensions.extend([
        ExtensionType::SUPPORTED_WIRE_FORMATS,
        ExtensionType::REQUIRED_WIRE_FORMATS,
    ]);
    options.capabilities = Some(caps);
    if let Some(s) = supported {
        options
            .leaf_extensions
            .write(&SupportedWireFormats {
                wire_formats: s.into_iter().map(WireFormat).collect(),
            })
            .unwrap();
    }
    (id.clone(), id.key_package_with(cs, options).unwrap())
}

fn gce_required(formats: &[u16]) -> Proposal {
    let mut extensions = Extensions::default();
    extensions
        .write(&RequiredWireFormats {
            wire_formats: formats.iter().copied().map(WireFormat).collect(),
        })
        .unwrap();
    Proposal::GroupContextExtensions(GroupContextExtensions { extensions })
}

#[test]
fn required_wire_formats_must_be_supported_by_every_member() {
    let p = provider();
    let config = GroupConfig::default();
    let (alice, _) = wf_key_package(&p, "alice", Some(vec![PRIVATE_WF]));
    let (bob, bob_kp) = wf_key_package(&p, "bob", Some(vec![PRIVATE_WF]));
    let mut alice_caps = alice.default_capabilities(common::SUITE, &[], &BasicCredentialValidator);
    alice_caps.extensions.extend([
        ExtensionType::SUPPORTED_WIRE_FORMATS,
        ExtensionType::REQUIRED_WIRE_FORMATS,
    ]);
    let mut leaf_extensions = Extensions::default();
    leaf_extensions
        .write(&SupportedWireFormats {
            wire_formats: vec![WireFormat(PRIVATE_WF)],
        })
        .unwrap();
    let alice = Group::create_with_options(
        p.clone(),
        common::SUITE,
        b"wf".to_vec(),
        alice,
        config.clone(),
        CreateOptions {
            capabilities: Some(alice_caps),
            leaf_extensions,
            ..CreateOptions::default()
        },
    )
    .unwrap();
    let mut groups = vec![alice];
    let out = groups[0]
        .commit(
            CommitOptions::default()
                .add_member(bob_kp.key_package.clone())
                .with_ratchet_tree(),
        )
        .unwrap();
    groups[0].merge_pending_commit().unwrap();
    groups.push(
        Group::join(
            p.clone(),
            &out.welcome.unwrap(),
            &bob_kp,
            bob,
            None,
            config.clone(),
            &PskStore::new(),
        )
        .unwrap(),
    );
    // A wire format no member lists cannot be required; a default one always can.
    let before = groups[0].to_bytes().unwrap().as_bytes().to_vec();
    let opts = CommitOptions {
        proposals: vec![gce_required(&[PRIVATE_WF + 1])],
        ..CommitOptions::default()
    };
    assert_eq!(
        groups[0].commit(opts).unwrap_err(),
        Error::Group(GroupError::RequiredWireFormatNotSupported)
    );
    assert_eq!(groups[0].to_bytes().unwrap().as_bytes(), before.as_slice());
    // Both list 0xf000: it becomes required.
    let opts = CommitOptions {
        proposals: vec![gce_required(&[0x0001, PRIVATE_WF])],
        ..CommitOptions::default()
    };
    let out = groups[0].commit(opts).unwrap();
    deliver_commit(&mut groups, 0, &out.commit);
    // Carol does not list it: she cannot be added; Dave does.
    let (_, carol) = wf_key_package(&p, "carol", None);
    let before = groups[0].to_bytes().unwrap().as_bytes().to_vec();
    assert_eq!(
        groups[0]
            .commit(CommitOptions::default().add_member(carol.key_package))
            .unwrap_err(),
        Error::Group(GroupError::RequiredWireFormatNotSupported)
    );
    assert_eq!(groups[0].to_bytes().unwrap().as_bytes(), before.as_slice());
    let (_, dave) = wf_key_package(&p, "dave", Some(vec![PRIVATE_WF]));
    let out = groups[1]
        .commit(CommitOptions::default().add_member(dave.key_package))
        .unwrap();
    deliver_commit(&mut groups, 1, &out.commit);
}

#[test]
fn media_types_and_application_framing() {
    let text = MediaType {
        media_type: b"text/plain".to_vec(),
        parameters: vec![MediaTypeParameter {
            parameter_name: b"charset".to_vec(),
            parameter_value: b"UTF-8".to_vec(),
        }],
    };
    let list = MediaTypeList {
        media_type_list: vec![
            text.clone(),
            MediaType {
                media_type: b"application/json".to_vec(),
                parameters: vec![],
            },
        ],
    };
    let bytes = melos::codec::encode(&list).unwrap();
    assert_eq!(MediaTypeList::from_bytes(&bytes).unwrap(), list);
    assert_eq!(
        MediaTypeList::from_bytes(&[0x00]).unwrap_err(),
        Error::Message(MessageError::EmptyMediaTypeList)
    );
    assert_eq!(
        MediaTypeList::from_bytes(&[0x05, 0x01]).unwrap_err(),
        Error::Message(MessageError::MalformedExtension)
    );
    assert_eq!(CONTENT_MEDIA_TYPES_COMPONENT, 0x0003);
    // An empty media type means the group's first one.
    let framed = ApplicationFraming {
        media_type: MediaType {
            media_type: vec![],
            parameters: vec![],
        },
        inner_application_content: b"hi".to_vec(),
    };
    let bytes = melos::codec::encode(&framed).unwrap();
    assert_eq!(bytes, vec![0x00, 0x00, 0x02, b'h', b'i']);
    let back = ApplicationFraming::from_bytes(&bytes).unwrap();
    assert_eq!(back.effective_media_type(&list), Some(&text));
    assert_eq!(
        ApplicationFraming::from_bytes(&bytes[..4]).unwrap_err(),
        Error::Message(MessageError::MalformedApplicationFraming)
    );
}
