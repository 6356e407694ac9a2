//! Receiver checks of the SelfRemove proposal (draft-ietf-mls-extensions, "SelfRemove
//! Proposal") fed with crafted messages: each refusal has its own error and leaves the
//! group's saved state as it was.

use alloc::vec;
use alloc::vec::Vec;

use super::fuzz_support::FuzzPath;
use super::tests::{group_of, identity};
use super::*;
use crate::framing::{FramedContentBody, Sender, WireFormat};
use crate::messages::{Capabilities, CredentialType, Proposal, ProposalOrRef, ReInit, Remove};
use crate::{Error, GroupError};

fn state(g: &Group) -> Vec<u8> {
    g.to_bytes().unwrap().as_bytes().to_vec()
}

/// `g` processes `msg` and refuses it with `err`, its saved state unchanged.
fn refuses(g: &mut Group, msg: &MlsMessage, err: GroupError) {
    let before = state(g);
    assert_eq!(g.process(msg, None).unwrap_err(), Error::Group(err));
    assert_eq!(state(g), before, "a refused message changed the group");
}

/// The reference of `from`'s SelfRemove in `g`'s pool.
fn self_remove_ref(g: &Group, from: LeafIndex) -> ProposalRef {
    g.pending_proposals()
        .find(|p| p.sender == Sender::Member(from) && p.proposal == Proposal::SelfRemove)
        .unwrap()
        .reference
        .clone()
}

fn commit_of(g: &mut Group, list: Vec<ProposalOrRef>, with_path: bool) -> MlsMessage {
    let resolve_pool: Vec<(ProposalRef, Proposal, Sender)> = g
        .pending_proposals()
        .map(|p| (p.reference.clone(), p.proposal.clone(), p.sender))
        .collect();
    let resolve = move |r: &ProposalRef| {
        resolve_pool
            .iter()
            .find(|(x, _, _)| x == r)
            .map(|(_, p, s)| (p.clone(), *s))
    };
    let mut leaf = |_: &mut crate::messages::LeafNode| {};
    let mut mutate = |_: &mut crate::messages::UpdatePath| {};
    let path = with_path.then_some(FuzzPath {
        leaf: &mut leaf,
        mutate: &mut mutate,
    });
    let out = g
        .fuzz_commit(
            list,
            &resolve,
            path,
            WireFormat::MLS_PUBLIC_MESSAGE,
            &[],
            vec![0; 32],
        )
        .unwrap();
    g.clear_pending_commit();
    out.message
}

/// Members 0..=2; member 2 sends a SelfRemove that members 0 and 1 store.
fn with_self_remove() -> Vec<Group> {
    let (_, mut groups) = group_of(2);
    let sr = groups[2].self_remove().unwrap();
    for g in groups.iter_mut().take(2) {
        g.process(&sr, None).unwrap();
    }
    groups
}

#[test]
fn self_remove_by_value_refused() {
    let (_, mut groups) = group_of(2);
    let msg = commit_of(
        &mut groups[0],
        vec![ProposalOrRef::Proposal(Proposal::SelfRemove)],
        false,
    );
    refuses(&mut groups[1], &msg, GroupError::SelfRemoveByValue);
}

#[test]
fn self_remove_in_private_message_refused() {
    let (_, mut groups) = group_of(2);
    let msg = groups[2]
        .fuzz_frame(
            FramedContentBody::Proposal(Proposal::SelfRemove),
            WireFormat::MLS_PRIVATE_MESSAGE,
            &[],
            None,
        )
        .unwrap();
    // A PrivateMessage that decrypts consumes its ratchet key (RFC 9420 §9.2): the pool is
    // what must stay unchanged.
    let err = groups[0].process(&msg, None).unwrap_err();
    assert_eq!(err, Error::Group(GroupError::SelfRemoveNotPublic));
    assert_eq!(groups[0].pending_proposals().count(), 0);
}

#[test]
fn second_self_remove_in_epoch_refused() {
    let mut groups = with_self_remove();
    assert_eq!(
        groups[2].self_remove().unwrap_err(),
        Error::Group(GroupError::DuplicateSelfRemove)
    );
    // Another SelfRemove of member 2 (other authenticated data, so another reference).
    let msg = groups[2]
        .fuzz_frame(
            FramedContentBody::Proposal(Proposal::SelfRemove),
            WireFormat::MLS_PUBLIC_MESSAGE,
            b"again",
            None,
        )
        .unwrap();
    refuses(&mut groups[0], &msg, GroupError::DuplicateSelfRemove);
}

/// A Commit that omits a SelfRemove the receiver holds is accepted: the committer may never
/// have received it (the delivery service decides who gets which proposal), and a receiver
/// that refused such a Commit would fork from the group on the delivery service's say-so
/// (the hostile-delivery-service rule: nothing the DS withholds or replays may block a
/// member's progress). The SelfRemove lapses with its epoch; the leaver sends it again.
/// Before the fix member 0 refused the Commit with `SelfRemoveOmitted` and stayed behind.
#[test]
fn commit_omitting_self_remove_is_accepted_and_the_leaver_proposes_again() {
    let (_, mut groups) = group_of(2);
    // The delivery service hands member 2's SelfRemove to member 0 only.
    let sr = groups[2].self_remove().unwrap();
    groups[0].process(&sr, None).unwrap();
    let out = groups[1].commit(CommitOptions::default()).unwrap();
    for i in [0, 2] {
        match groups[i].process(&out.commit, None).unwrap().content {
            ProcessedContent::Commit(staged) => {
                assert!(staged.self_removal().is_none());
                assert!(staged.removed().is_empty());
                groups[i].merge_staged_commit(*staged).unwrap();
            }
            _ => panic!("not a commit"),
        }
    }
    groups[1].merge_pending_commit().unwrap();
    assert_eq!(
        groups[0].epoch_authenticator(),
        groups[1].epoch_authenticator()
    );
    assert_eq!(
        groups[2].epoch_authenticator(),
        groups[1].epoch_authenticator()
    );
    // The old SelfRemove lapsed with its epoch; member 2 sends it again, and member 1's
    // next Commit covers it and removes member 2.
    let sr = groups[2].self_remove().unwrap();
    groups[0].process(&sr, None).unwrap();
    groups[1].process(&sr, None).unwrap();
    let out = groups[1].commit(CommitOptions::default()).unwrap();
    match groups[0].process(&out.commit, None).unwrap().content {
        ProcessedContent::Commit(staged) => {
            assert_eq!(staged.removed().len(), 1);
            groups[0].merge_staged_commit(*staged).unwrap();
        }
        _ => panic!("not a commit"),
    }
    groups[1].merge_pending_commit().unwrap();
    assert_eq!(
        groups[0].epoch_authenticator(),
        groups[1].epoch_authenticator()
    );
    assert_eq!(groups[0].member_count(), 2);
}

/// The committer's own API covers the SelfRemoves it holds: a list that cannot (a ReInit
/// must be alone) is refused before anything is sent.
#[test]
fn committer_refuses_a_list_that_cannot_cover_held_self_removes() {
    let mut groups = with_self_remove();
    let reinit = Proposal::ReInit(ReInit {
        group_id: b"n".to_vec(),
        version: crate::messages::ProtocolVersion::MLS10,
        cipher_suite: crate::CipherSuite(1),
        extensions: crate::messages::Extensions::default(),
    });
    let opts = CommitOptions {
        proposals: vec![reinit],
        ..CommitOptions::default()
    };
    assert_eq!(
        groups[0].commit(opts).unwrap_err(),
        Error::Group(GroupError::SelfRemoveOmitted)
    );
    assert!(!groups[0].has_pending_commit());
}

#[test]
fn remove_of_self_removed_leaf_refused() {
    let mut groups = with_self_remove();
    let r = self_remove_ref(&groups[0], LeafIndex(2));
    let rm = Proposal::Remove(Remove {
        removed: LeafIndex(2),
    });
    let msg = commit_of(
        &mut groups[0],
        vec![ProposalOrRef::Reference(r), ProposalOrRef::Proposal(rm)],
        false,
    );
    refuses(&mut groups[1], &msg, GroupError::RemoveOfSelfRemovedLeaf);
}

#[test]
fn self_remove_of_committer_refused() {
    let mut groups = with_self_remove();
    let r = self_remove_ref(&groups[2], LeafIndex(2));
    let msg = commit_of(&mut groups[2], vec![ProposalOrRef::Reference(r)], false);
    refuses(&mut groups[0], &msg, GroupError::SelfRemoveOfCommitter);
}

#[test]
fn self_remove_from_non_member_refused() {
    let (_, groups) = group_of(1);
    let g = &groups[0];
    assert_eq!(
        external_sender::check_external_sender_type(&Proposal::SelfRemove, &g.config.hooks)
            .unwrap_err(),
        Error::Group(GroupError::SelfRemoveFromNonMember)
    );
    let cs = Group::cs_of(&g.provider, g.cipher_suite()).unwrap();
    let checks = proposals::Checks {
        now: None,
        hooks: &g.config.hooks,
        tree_limits: g.config.tree_limits,
    };
    for sender in [Sender::External(0), Sender::NewMemberProposal] {
        let err = handshake_checks::validate_lone_proposal(
            cs,
            &g.tree,
            g.context.group_context(),
            &Proposal::SelfRemove,
            sender,
            &checks,
        )
        .unwrap_err();
        assert_eq!(err, Error::Group(GroupError::SelfRemoveFromNonMember));
    }
}

#[test]
fn self_remove_in_incapable_group_refused() {
    // Member 1 does not list `self_remove` in its capabilities.
    let (p, mut groups) = group_of(1);
    let cs = p.suite(crate::CipherSuite(1)).unwrap();
    let id = identity(&p, "old");
    let mut options = KeyPackageOptions::new(crate::messages::Lifetime {
        not_before: 0,
        not_after: u64::MAX,
    });
    options.capabilities = Some(Capabilities::minimal(
        crate::CipherSuite(1),
        CredentialType::BASIC,
    ));
    let b = id.key_package_with(cs, options).unwrap();
    let out = groups[0]
        .commit(CommitOptions::default().add_member(b.key_package.clone()))
        .unwrap();
    groups[0].merge_pending_commit().unwrap();
    groups[1]
        .process(&out.commit, None)
        .map(|m| match m.content {
            ProcessedContent::Commit(s) => groups[1].merge_staged_commit(*s).unwrap(),
            _ => panic!("not a commit"),
        })
        .unwrap();
    assert_eq!(
        groups[1].self_remove().unwrap_err(),
        Error::Group(GroupError::SelfRemoveNotSupported)
    );
    let msg = groups[1]
        .fuzz_frame(
            FramedContentBody::Proposal(Proposal::SelfRemove),
            WireFormat::MLS_PUBLIC_MESSAGE,
            &[],
            None,
        )
        .unwrap();
    refuses(&mut groups[0], &msg, GroupError::SelfRemoveNotSupported);
}

#[test]
fn public_group_checks_self_removes() {
    let (p, mut groups) = group_of(2);
    let gi = groups[0].group_info(GroupInfoOptions::default()).unwrap();
    let mut view = PublicGroup::from_group_info(p, &gi, None, GroupConfig::default()).unwrap();
    let sr = groups[2].self_remove().unwrap();
    view.process(&sr).unwrap();
    for g in groups.iter_mut().take(2) {
        g.process(&sr, None).unwrap();
    }
    let again = groups[2]
        .fuzz_frame(
            FramedContentBody::Proposal(Proposal::SelfRemove),
            WireFormat::MLS_PUBLIC_MESSAGE,
            b"again",
            None,
        )
        .unwrap();
    assert_eq!(
        view.process(&again).unwrap_err(),
        Error::Group(GroupError::DuplicateSelfRemove)
    );
    // A Commit that omits it is not refused (its committer may not have had it), neither
    // by the view nor by members; then member 2's SelfRemove of the new epoch is covered.
    let omitting = commit_of(&mut groups[1], vec![], true);
    let mut view_omitting = view.clone();
    view_omitting.process(&omitting).unwrap();
    assert_eq!(view_omitting.member_count(), 3);
    let out = groups[0].commit(CommitOptions::default()).unwrap();
    view.process(&out.commit).unwrap();
    assert_eq!(view.member_count(), 2);
}
