//! draft-ietf-mls-extensions, "SelfRemove Proposal", in external Commits: the joiner covers
//! the pending SelfRemove proposals it fetched with the GroupInfo by reference (validated
//! but for the membership tag); members and a `PublicGroup` accept only SelfRemove
//! proposals by reference there; a resync next to a SelfRemove of the same leaf.

mod common;

use std::sync::Arc;

use common::{SUITE, group_with, new_client, provider};
use melos::framing::{
    AuthenticatedContent, FramedContentBody, FramingContext, MlsMessage, MlsMessageBody, WireFormat,
};
use melos::group::{
    ExternalCommitOptions, Group, GroupConfig, GroupInfoOptions, PriorLeaf, ProcessedContent,
    PskStore, PublicGroup, SelfRemoval, SigningIdentity,
};
use melos::messages::{Commit, GroupContext, Proposal, ProposalOrRef, Remove};
use melos::tree_math::LeafIndex;
use melos::{CryptoProvider, Error, ExtensionError, GroupError};

/// Every group but `from` processes `msg` (a proposal).
fn deliver(groups: &mut [Group], from: Option<usize>, msg: &MlsMessage) {
    for (i, g) in groups.iter_mut().enumerate() {
        if Some(i) != from {
            g.process(msg, None).unwrap();
        }
    }
}

/// `id` joins by external Commit from `groups[0]`'s GroupInfo with `options`.
fn join(
    p: &Arc<dyn CryptoProvider>,
    groups: &[Group],
    id: SigningIdentity,
    options: ExternalCommitOptions,
) -> Result<(Group, MlsMessage), Error> {
    let gi = groups[0].group_info(GroupInfoOptions::default()).unwrap();
    Group::join_by_external_commit(
        p.clone(),
        &gi,
        None,
        id,
        GroupConfig::default(),
        &PskStore::new(),
        options,
    )
    .map(|(g, out)| (g, out.commit))
}

/// Every member processes the external `commit`; returns how each saw its own removal.
/// Removed members are dropped, `joiner` is added, and all agree.
fn deliver_external(
    groups: &mut Vec<Group>,
    joiner: Group,
    commit: &MlsMessage,
) -> Vec<Option<SelfRemoval>> {
    let mut seen = Vec::new();
    for g in groups.iter_mut() {
        let m = g.process(commit, None).unwrap();
        let ProcessedContent::Commit(s) = m.content else {
            panic!("not a commit")
        };
        seen.push(s.self_removal().cloned());
        g.merge_staged_commit(*s).unwrap();
    }
    groups.retain(|g| g.is_active());
    groups.push(joiner);
    for g in groups.iter() {
        assert_eq!(g.epoch_authenticator(), groups[0].epoch_authenticator());
        assert_eq!(g.group_context(), groups[0].group_context());
    }
    seen
}

/// `msg`'s Commit edited by `edit` and signed again by `id` in the epoch of `ctx`.
fn resign(
    p: &Arc<dyn CryptoProvider>,
    msg: &MlsMessage,
    id: &SigningIdentity,
    ctx: &GroupContext,
    edit: impl FnOnce(&mut Commit),
) -> MlsMessage {
    let MlsMessageBody::PublicMessage(pm) = &msg.body else {
        panic!("not a PublicMessage");
    };
    let mut pm = pm.clone();
    let FramedContentBody::Commit(c) = &mut pm.content.body else {
        panic!("not a commit");
    };
    edit(c);
    let cs = p.suite(SUITE).unwrap();
    let ctx = FramingContext::new(ctx.clone()).unwrap();
    let ac = AuthenticatedContent::sign(
        cs,
        WireFormat::MLS_PUBLIC_MESSAGE,
        pm.content.clone(),
        &id.key_pair().unwrap().private_key,
        &ctx,
    )
    .unwrap();
    pm.auth.signature = ac.auth.signature;
    MlsMessage::new(MlsMessageBody::PublicMessage(pm))
}

#[test]
fn external_joiner_covers_pending_self_remove() {
    let p = provider();
    let mut groups = group_with(&p, b"sre", &["bob", "carol"], &GroupConfig::default());
    let gi = groups[0]
        .group_info(GroupInfoOptions {
            ratchet_tree: true,
            external_pub: false,
        })
        .unwrap();
    let mut view =
        PublicGroup::from_group_info(p.clone(), &gi, None, GroupConfig::default()).unwrap();
    // Carol leaves; the proposal reaches every member and the Delivery Service.
    let sr = groups[2].self_remove().unwrap();
    deliver(&mut groups, Some(2), &sr);
    view.process(&sr).unwrap();
    // Dave joins and covers it by reference.
    let (dave, _) = new_client(&p, "dave");
    let options = ExternalCommitOptions {
        self_removes: vec![sr.clone()],
        ..Default::default()
    };
    let (dave, commit) = join(&p, &groups, dave, options).unwrap();
    let MlsMessageBody::PublicMessage(pm) = &commit.body else {
        panic!()
    };
    let FramedContentBody::Commit(c) = &pm.content.body else {
        panic!()
    };
    assert!(matches!(
        c.proposals.last(),
        Some(ProposalOrRef::Reference(_))
    ));
    view.process(&commit).unwrap();
    let seen = deliver_external(&mut groups, dave, &commit);
    // Carol learns she is out (she asked to leave).
    assert_eq!(seen, vec![None, None, Some(SelfRemoval::Verified)]);
    assert_eq!(groups.len(), 3);
    assert_eq!(groups[0].member_count(), 3);
    // Dave took the leftmost blank leaf: Carol's.
    assert_eq!(groups[2].own_leaf(), LeafIndex(2));
    assert_eq!(view.group_context(), groups[0].group_context());
}

#[test]
fn pending_self_removes_are_validated_by_the_joiner() {
    let p = provider();
    let mut groups = group_with(&p, b"srv", &["bob", "carol"], &GroupConfig::default());
    let app = groups[1].encrypt_application(b"hi", b"").unwrap();
    let sr = groups[2].self_remove().unwrap();
    deliver(&mut groups, Some(2), &sr);
    let with = |msgs: Vec<MlsMessage>| ExternalCommitOptions {
        self_removes: msgs,
        ..Default::default()
    };
    // Not a SelfRemove: an application message.
    let (d, _) = new_client(&p, "dave");
    assert_eq!(
        join(&p, &groups, d, with(vec![app])).unwrap_err(),
        GroupError::SelfRemoveNotPublic.into()
    );
    // A PublicMessage proposal that is not a SelfRemove.
    let mut other = sr.clone();
    if let MlsMessageBody::PublicMessage(pm) = &mut other.body {
        pm.content.body = FramedContentBody::Proposal(Proposal::Remove(Remove {
            removed: LeafIndex(1),
        }));
    }
    let (d, _) = new_client(&p, "dave");
    assert_eq!(
        join(&p, &groups, d, with(vec![other])).unwrap_err(),
        ExtensionError::PendingProposalNotSelfRemove.into()
    );
    // The same SelfRemove twice.
    let (d, _) = new_client(&p, "dave");
    assert_eq!(
        join(&p, &groups, d, with(vec![sr.clone(), sr.clone()])).unwrap_err(),
        GroupError::DuplicateSelfRemove.into()
    );
    // A sender index with no member.
    let mut ghost = sr.clone();
    if let MlsMessageBody::PublicMessage(pm) = &mut ghost.body {
        pm.content.sender = melos::framing::Sender::Member(LeafIndex(7));
    }
    let (d, _) = new_client(&p, "dave");
    assert_eq!(
        join(&p, &groups, d, with(vec![ghost])).unwrap_err(),
        GroupError::SelfRemoveFromNonMember.into()
    );
    // A forged sender: Bob's index on Carol's signature.
    let mut forged = sr.clone();
    if let MlsMessageBody::PublicMessage(pm) = &mut forged.body {
        pm.content.sender = melos::framing::Sender::Member(LeafIndex(1));
    }
    let (d, _) = new_client(&p, "dave");
    assert!(join(&p, &groups, d, with(vec![forged])).is_err());
    // The genuine one still works.
    let (d, _) = new_client(&p, "dave");
    join(&p, &groups, d, with(vec![sr])).unwrap();
}

#[test]
fn external_commit_refs_must_be_held_self_removes() {
    let p = provider();
    let mut groups = group_with(&p, b"srr", &["bob", "carol"], &GroupConfig::default());
    // Alice proposes to remove Bob: a proposal every member holds, but not a SelfRemove.
    let rm = groups[0]
        .propose(Proposal::Remove(Remove {
            removed: LeafIndex(1),
        }))
        .unwrap();
    deliver(&mut groups, Some(0), &rm);
    let sr = groups[2].self_remove().unwrap();
    // Only Alice gets Carol's SelfRemove.
    groups[0].process(&sr, None).unwrap();
    let old_ctx = groups[0].group_context().clone();
    let (d, _) = new_client(&p, "dave");
    let options = ExternalCommitOptions {
        self_removes: vec![sr.clone()],
        ..Default::default()
    };
    let (_, commit) = join(&p, &groups, d.clone(), options).unwrap();
    // Bob does not hold the SelfRemove: an unknown reference, refused, his state unchanged.
    let before = groups[1].epoch_authenticator().to_vec();
    assert_eq!(
        groups[1].process(&commit, None).unwrap_err(),
        GroupError::UnknownProposalRef.into()
    );
    assert_eq!(groups[1].epoch_authenticator(), &before[..]);
    // Alice's Remove by reference, signed by the joiner: not a SelfRemove.
    let rm_ref = groups[0]
        .pending_proposals()
        .find(|q| matches!(q.proposal, Proposal::Remove(_)))
        .unwrap()
        .reference
        .clone();
    let bad = resign(&p, &commit, &d, &old_ctx, |c| {
        c.proposals.push(ProposalOrRef::Reference(rm_ref))
    });
    assert_eq!(
        groups[0].process(&bad, None).unwrap_err(),
        GroupError::ExternalCommitProposalByReference.into()
    );
    // A SelfRemove by value.
    let by_value = resign(&p, &commit, &d, &old_ctx, |c| {
        c.proposals
            .push(ProposalOrRef::Proposal(Proposal::SelfRemove))
    });
    assert_eq!(
        groups[0].process(&by_value, None).unwrap_err(),
        GroupError::SelfRemoveByValue.into()
    );
    // Alice accepts the genuine one.
    groups[0].process(&commit, None).unwrap();
}

#[test]
fn resync_of_a_self_removed_leaf() {
    let p = provider();
    let mut groups = group_with(&p, b"srs", &["bob", "carol"], &GroupConfig::default());
    // Carol leaves, then rejoins from another device with the same identity (a resync).
    let sr = groups[2].self_remove().unwrap();
    deliver(&mut groups, Some(2), &sr);
    let carol = groups[2].identity().clone();
    let old_ctx = groups[0].group_context().clone();
    let options = ExternalCommitOptions {
        self_removes: vec![sr.clone()],
        remove_prior: Some(PriorLeaf::Leaf(LeafIndex(2))),
        ..Default::default()
    };
    let (carol2, commit) = join(&p, &groups, carol.clone(), options).unwrap();
    // The joiner left the Remove out: the SelfRemove removes the leaf.
    let MlsMessageBody::PublicMessage(pm) = &commit.body else {
        panic!()
    };
    let FramedContentBody::Commit(c) = &pm.content.body else {
        panic!()
    };
    assert!(
        !c.proposals
            .iter()
            .any(|p| matches!(p, ProposalOrRef::Proposal(Proposal::Remove(_))))
    );
    // A Remove of the self-removed leaf next to its SelfRemove is invalid.
    let both = resign(&p, &commit, &carol, &old_ctx, |c| {
        c.proposals.insert(
            1,
            ProposalOrRef::Proposal(Proposal::Remove(Remove {
                removed: LeafIndex(2),
            })),
        )
    });
    assert_eq!(
        groups[0].process(&both, None).unwrap_err(),
        GroupError::RemoveOfSelfRemovedLeaf.into()
    );
    let seen = deliver_external(&mut groups, carol2, &commit);
    assert_eq!(seen, vec![None, None, Some(SelfRemoval::Verified)]);
    assert_eq!(groups.len(), 3);
}
