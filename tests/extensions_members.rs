//! draft-ietf-mls-extensions, the membership features, end to end between melos members
//! through the public API: SelfRemove ("SelfRemove Proposal"), last-resort KeyPackages
//! ("Last-Resort KeyPackages") and multi-credentials ("Multi-Credentials").

mod common;

use std::sync::Arc;

use common::{group_with, provider};
use melos::framing::MlsMessage;
use melos::group::{
    CommitOptions, Group, GroupConfig, GroupHooks, HandshakeFormat, KeyPackageOptions,
    ProcessedContent, ProposalDecision, ProposalInfo, ProposalPolicy, ProposalStatus, PskStore,
    SelfRemoval, SigningIdentity,
};
use melos::messages::{
    Credential, Extension, ExtensionType, Extensions, KeyPackageBundle,
    LAST_RESORT_KEY_PACKAGE_COMPONENT, Lifetime, Proposal, ProposalType, Remove,
};
use melos::ratchet_tree::TreeView;
use melos::tree_math::LeafIndex;
use melos::{Error, GroupError, MessageError};

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
    let mut groups = group_with(&p, b"sr", &["bob", "carol", "dave"], &GroupConfig::default());
    // Carol leaves: her SelfRemove goes to everyone.
    let sr = groups[2].self_remove().unwrap();
    assert!(matches!(sr.body, melos::framing::MlsMessageBody::PublicMessage(_)));
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
    assert!(matches!(sr.body, melos::framing::MlsMessageBody::PublicMessage(_)));
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
    assert!(leaf.capabilities.proposals.contains(&ProposalType::SELF_REMOVE));
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
    let mut caps = id.default_capabilities(common::SUITE, &[], options.hooks.credential_validator());
    caps.extensions.push(ExtensionType::APP_DATA_DICTIONARY);
    options.capabilities = Some(caps);
    options.extensions = extensions;
    options.last_resort = last_resort;
    let kp = id.key_package_with(cs, options).unwrap();
    (id, kp)
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
    // One ComponentData: component 0x0004, empty data.
    assert_eq!(ext.extension_data, vec![0x03, 0x00, 0x04, 0x00]);
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
    assert_eq!(err, Error::Message(MessageError::LastResortComponentNotEmpty));
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
        ext.extension_data,
        vec![0x07, 0x00, 0x04, 0x00, 0x80, 0x00, 0x01, 0xaa]
    );
    let cs = p.suite(common::SUITE).unwrap();
    kp.key_package.validate(cs, 1).unwrap();
}
