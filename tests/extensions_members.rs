//! draft-ietf-mls-extensions, the membership features, end to end between melos members
//! through the public API: SelfRemove ("SelfRemove Proposal"), last-resort KeyPackages
//! ("Last-Resort KeyPackages") and multi-credentials ("Multi-Credentials").

mod common;

use std::sync::Arc;

use common::{group_with, provider};
use melos::framing::MlsMessage;
use melos::group::{
    CommitOptions, Group, GroupConfig, GroupHooks, HandshakeFormat, ProcessedContent,
    ProposalDecision, ProposalInfo, ProposalPolicy, ProposalStatus, SelfRemoval,
};
use melos::messages::{Proposal, ProposalType, Remove};
use melos::ratchet_tree::TreeView;
use melos::tree_math::LeafIndex;
use melos::{Error, GroupError};

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
