use alloc::vec::Vec;

use super::*;
use crate::error::{FramingError, GroupError};
use crate::framing::{FramedContentBody, MlsMessageBody, PublicMessage};
use crate::group::tests::{group_of, identity, kp};
use crate::group::{
    CommitOptions, ExternalCommitOptions, Group, GroupInfoOptions, PathChoice, ProcessedContent,
    PskStore,
};
use crate::messages::ProposalOrRef;

/// A public view of `groups[0]`'s group from its GroupInfo (tree inside).
fn view(p: &Arc<dyn CryptoProvider>, g: &Group) -> PublicGroup {
    let gi = g.group_info(GroupInfoOptions::default()).unwrap();
    PublicGroup::from_group_info(p.clone(), &gi, None, GroupConfig::default()).unwrap()
}

/// Every member but `committer` processes and merges `commit`; the committer merges its
/// pending commit.
fn deliver(groups: &mut [Group], committer: usize, commit: &MlsMessage) {
    for (i, g) in groups.iter_mut().enumerate() {
        if i == committer {
            g.merge_pending_commit().unwrap();
        } else {
            let ProcessedContent::Commit(s) = g.process(commit, None).unwrap().content else {
                panic!("not a commit");
            };
            g.merge_staged_commit(*s).unwrap();
        }
    }
}

fn agrees(pg: &PublicGroup, g: &Group) {
    assert_eq!(pg.group_context(), g.group_context());
    assert_eq!(pg.members(), g.members());
    assert_eq!(
        pg.export_tree().unwrap(),
        g.ratchet_tree().encode_extension().unwrap()
    );
}

/// The view's whole public state, to check that a refused message changed nothing.
fn snapshot(pg: &PublicGroup) -> (GroupContext, Vec<u8>, Vec<u8>, Vec<CachedProposal>) {
    (
        pg.group_context().clone(),
        pg.export_tree().unwrap(),
        pg.interim_transcript_hash().to_vec(),
        pg.cached_proposals().to_vec(),
    )
}

#[test]
fn follows_proposals_commits_and_external_join() {
    let (p, mut groups) = group_of(3);
    let mut pg = view(&p, &groups[0]);
    agrees(&pg, &groups[0]);
    assert_eq!(pg.member_count(), 4);

    // An Update proposal, cached by reference, then committed by another member.
    let upd = groups[1].propose_update().unwrap();
    let PublicOutcome::ProposalCached(c) = pg.process(&upd).unwrap() else {
        panic!("not cached");
    };
    assert_eq!(c.sender, Sender::Member(LeafIndex(1)));
    for i in [0, 2, 3] {
        groups[i].process(&upd, None).unwrap();
    }
    let out = groups[2].commit(CommitOptions::default()).unwrap();
    let PublicOutcome::NewEpoch(change) = pg.process(&out.commit).unwrap() else {
        panic!("no new epoch");
    };
    deliver(&mut groups, 2, &out.commit);
    assert_eq!(change.epoch(), 2);
    assert_eq!(change.committer, LeafIndex(2));
    assert_eq!(change.updated.len(), 1);
    assert!(change.path);
    assert!(pg.cached_proposals().is_empty());
    agrees(&pg, &groups[0]);

    // An external join: the joiner's leaf is reported as added.
    let gi = groups[0].group_info(GroupInfoOptions::default()).unwrap();
    let id = identity(&p, "joiner");
    let (joiner, out) = Group::join_by_external_commit(
        p.clone(),
        &gi,
        None,
        id,
        GroupConfig::default(),
        &PskStore::new(),
        ExternalCommitOptions::default(),
    )
    .unwrap();
    let PublicOutcome::NewEpoch(change) = pg.process(&out.commit).unwrap() else {
        panic!("no new epoch");
    };
    assert_eq!(change.sender, Sender::NewMemberCommit);
    assert_eq!(change.added.len(), 1);
    assert_eq!(change.added[0].index, joiner.own_leaf());
    agrees(&pg, &joiner);
}

#[test]
fn add_without_path_and_remove() {
    let (p, mut groups) = group_of(2);
    let mut pg = view(&p, &groups[0]);
    let bob = identity(&p, "bob");
    let bundle = kp(&p, &bob);
    let opts = CommitOptions {
        path: PathChoice::WhenRequired,
        ..CommitOptions::default()
    }
    .add_member(bundle.key_package.clone());
    let out = groups[1].commit(opts).unwrap();
    let PublicOutcome::NewEpoch(change) = pg.process(&out.commit).unwrap() else {
        panic!("no new epoch");
    };
    assert!(!change.path);
    assert_eq!(change.added.len(), 1);
    deliver(&mut groups, 1, &out.commit);
    // The joiner takes the tree from the view.
    let tree = pg.export_tree().unwrap();
    let b = Group::join(
        p.clone(),
        out.welcome.as_ref().unwrap(),
        &bundle,
        bob,
        Some(&tree),
        GroupConfig::default(),
        &PskStore::new(),
    )
    .unwrap();
    agrees(&pg, &b);

    let out = groups[0]
        .commit(CommitOptions::default().remove_member(LeafIndex(1)))
        .unwrap();
    let PublicOutcome::NewEpoch(change) = pg.process(&out.commit).unwrap() else {
        panic!("no new epoch");
    };
    assert_eq!(change.removed.len(), 1);
    assert_eq!(change.removed[0].index, LeafIndex(1));
    groups[0].merge_pending_commit().unwrap();
    agrees(&pg, &groups[0]);
}

#[test]
fn private_message_is_refused() {
    let (p, mut groups) = group_of(1);
    let mut pg = view(&p, &groups[0]);
    let before = snapshot(&pg);
    let m = groups[0].encrypt_application(b"hi", b"").unwrap();
    assert_eq!(
        pg.process(&m).unwrap_err(),
        Error::Group(GroupError::PrivateMessageUnreadable)
    );
    assert_eq!(snapshot(&pg), before);
}

#[test]
fn other_group_epochs_and_duplicates_are_refused() {
    let (p, mut groups) = group_of(2);
    let mut pg = view(&p, &groups[0]);
    let (_q, mut other) = group_of(1);
    let foreign = other[0].commit(CommitOptions::default()).unwrap();
    let same_id = pg.process(&foreign.commit).unwrap_err();
    // `group_of` always names the group "g": the other group's commit fails its
    // signature (same id and epoch, another tree).
    assert!(matches!(
        same_id,
        Error::Framing(FramingError::InvalidSignature)
            | Error::Framing(FramingError::UnknownSender)
    ));

    let upd = groups[1].propose_update().unwrap();
    pg.process(&upd).unwrap();
    let before = snapshot(&pg);
    assert_eq!(
        pg.process(&upd).unwrap_err(),
        Error::Group(GroupError::DuplicateProposal)
    );
    assert_eq!(snapshot(&pg), before);

    groups[0].process(&upd, None).unwrap();
    groups[2].process(&upd, None).unwrap();
    let c1 = groups[0].commit(CommitOptions::default()).unwrap();
    deliver(&mut groups, 0, &c1.commit);
    let c2 = groups[1].commit(CommitOptions::default()).unwrap();
    assert_eq!(
        pg.process(&c2.commit).unwrap_err(),
        Error::Group(GroupError::FutureEpoch)
    );
    assert_eq!(snapshot(&pg), before);
    pg.process(&c1.commit).unwrap();
    assert_eq!(
        pg.process(&c1.commit).unwrap_err(),
        Error::Group(GroupError::PastEpochUnavailable)
    );
    pg.process(&c2.commit).unwrap();
    deliver(&mut groups, 1, &c2.commit);
    agrees(&pg, &groups[2]);
}

#[test]
fn commit_of_unknown_reference_is_refused() {
    let (p, mut groups) = group_of(2);
    let mut pg = view(&p, &groups[0]);
    let upd = groups[1].propose_update().unwrap();
    groups[0].process(&upd, None).unwrap();
    groups[2].process(&upd, None).unwrap();
    let out = groups[0].commit(CommitOptions::default()).unwrap();
    let MlsMessageBody::PublicMessage(pm) = &out.commit.body else {
        panic!("not public");
    };
    let FramedContentBody::Commit(c) = &pm.content.body else {
        panic!("not a commit");
    };
    assert!(matches!(c.proposals[0], ProposalOrRef::Reference(_)));
    let before = snapshot(&pg);
    assert_eq!(
        pg.process(&out.commit).unwrap_err(),
        Error::Group(GroupError::UnknownProposalRef)
    );
    assert_eq!(snapshot(&pg), before);
    // Once the proposal is seen, the same Commit goes through.
    pg.process(&upd).unwrap();
    pg.process(&out.commit).unwrap();
    deliver(&mut groups, 0, &out.commit);
    agrees(&pg, &groups[1]);
}

#[test]
fn member_message_without_membership_tag_is_refused() {
    let (p, mut groups) = group_of(1);
    let mut pg = view(&p, &groups[0]);
    let out = groups[0].commit(CommitOptions::default()).unwrap();
    let MlsMessageBody::PublicMessage(pm) = &out.commit.body else {
        panic!("not public");
    };
    let stripped = PublicMessage {
        membership_tag: None,
        ..pm.clone()
    };
    let m = MlsMessage::new(MlsMessageBody::PublicMessage(stripped));
    assert_eq!(
        pg.process(&m).unwrap_err(),
        Error::Framing(FramingError::MissingMembershipTag)
    );
    // A wrong tag value passes: the view has no membership key (documented).
    let wrong = PublicMessage {
        membership_tag: Some(alloc::vec![0; 32]),
        ..pm.clone()
    };
    let m = MlsMessage::new(MlsMessageBody::PublicMessage(wrong));
    assert!(pg.process(&m).is_ok());
}

#[test]
fn group_info_checks() {
    let (p, mut groups) = group_of(2);
    let config = GroupConfig::default;
    let bare = groups[0]
        .group_info(GroupInfoOptions {
            ratchet_tree: false,
            external_pub: false,
        })
        .unwrap();
    assert_eq!(
        PublicGroup::from_group_info(p.clone(), &bare, None, config()).unwrap_err(),
        Error::Group(GroupError::MissingRatchetTree)
    );
    let tree = groups[0].ratchet_tree().encode_extension().unwrap();
    let pg = PublicGroup::from_group_info(p.clone(), &bare, Some(&tree), config()).unwrap();
    agrees(&pg, &groups[0]);

    let mut forged = bare.clone();
    let MlsMessageBody::GroupInfo(gi) = &mut forged.body else {
        panic!("not a GroupInfo");
    };
    gi.group_context.epoch += 1;
    assert_eq!(
        PublicGroup::from_group_info(p.clone(), &forged, Some(&tree), config()).unwrap_err(),
        Error::Message(crate::error::MessageError::GroupInfoSignatureInvalid)
    );

    // A tree of another epoch (one more member) does not match the tree hash.
    let (_q, bigger) = group_of(3);
    let other_tree = bigger[0].ratchet_tree().encode_extension().unwrap();
    assert!(PublicGroup::from_group_info(p.clone(), &bare, Some(&other_tree), config()).is_err());
    let app = groups[1].encrypt_application(b"x", b"").unwrap();
    assert_eq!(
        PublicGroup::from_group_info(p, &app, None, config()).unwrap_err(),
        Error::Group(GroupError::UnexpectedWireFormat)
    );
}

#[test]
fn saved_view_restores_and_damage_is_refused() {
    let (p, mut groups) = group_of(2);
    let mut pg = view(&p, &groups[0]);
    let upd = groups[1].propose_update().unwrap();
    pg.process(&upd).unwrap();
    let bytes = pg.to_bytes().unwrap();
    let restored = PublicGroup::from_bytes(p.clone(), &bytes, GroupConfig::default()).unwrap();
    assert_eq!(snapshot(&restored), snapshot(&pg));
    assert_eq!(restored.to_bytes().unwrap(), bytes);

    // The restored view follows the group like the original.
    let mut restored = restored;
    groups[0].process(&upd, None).unwrap();
    groups[2].process(&upd, None).unwrap();
    let out = groups[0].commit(CommitOptions::default()).unwrap();
    restored.process(&out.commit).unwrap();
    deliver(&mut groups, 0, &out.commit);
    agrees(&restored, &groups[1]);

    let mut version = bytes.clone();
    version[1] ^= 2;
    assert_eq!(
        PublicGroup::from_bytes(p.clone(), &version, GroupConfig::default()).unwrap_err(),
        Error::Group(GroupError::UnsupportedStateVersion)
    );
    // A flipped byte in the tree hash of the saved GroupContext.
    let hash = pg.tree_hash().to_vec();
    let at = bytes
        .windows(hash.len())
        .position(|w| w == hash.as_slice())
        .unwrap();
    let mut damaged = bytes.clone();
    damaged[at] ^= 1;
    assert_eq!(
        PublicGroup::from_bytes(p.clone(), &damaged, GroupConfig::default()).unwrap_err(),
        Error::Tree(crate::error::TreeError::TreeHashMismatch)
    );
    assert!(PublicGroup::from_bytes(p, &bytes[..bytes.len() - 1], GroupConfig::default()).is_err());
}

/// Every member processes `msg` (a proposal).
fn propose_to_all(groups: &mut [Group], from: usize, msg: &MlsMessage) {
    for (i, g) in groups.iter_mut().enumerate() {
        if i != from {
            g.process(msg, None).unwrap();
        }
    }
}

#[test]
fn external_sender_proposal_is_cached_and_committed() {
    let (p, mut groups) = group_of(2);
    let ds =
        crate::group::ExternalProposer::new(p.clone(), crate::CipherSuite(1), identity(&p, "ds"))
            .unwrap();
    let (msg, index) = groups[0]
        .propose_add_external_sender(ds.external_sender())
        .unwrap();
    let mut pg = view(&p, &groups[0]);
    pg.process(&msg).unwrap();
    propose_to_all(&mut groups, 0, &msg);
    let out = groups[1].commit(CommitOptions::default()).unwrap();
    pg.process(&out.commit).unwrap();
    deliver(&mut groups, 1, &out.commit);
    agrees(&pg, &groups[0]);

    // An index past the `external_senders` list is refused before the signature.
    let remove = Proposal::Remove(crate::messages::Remove {
        removed: LeafIndex(2),
    });
    let gid = pg.group_id().to_vec();
    let bad = ds
        .propose(&gid, pg.epoch(), index + 1, remove.clone(), &[])
        .unwrap();
    assert_eq!(
        pg.process(&bad).unwrap_err(),
        Error::Group(GroupError::ExternalSenderIndexOutOfRange)
    );
    let msg = ds.propose(&gid, pg.epoch(), index, remove, &[]).unwrap();
    let PublicOutcome::ProposalCached(c) = pg.process(&msg).unwrap() else {
        panic!("not cached");
    };
    assert_eq!(c.sender, Sender::External(index));
    propose_to_all(&mut groups, usize::MAX, &msg);
    groups[0].approve_proposal(&c.reference).unwrap();
    let out = groups[0].commit(CommitOptions::default()).unwrap();
    let PublicOutcome::NewEpoch(change) = pg.process(&out.commit).unwrap() else {
        panic!("no new epoch");
    };
    assert_eq!(change.removed[0].index, LeafIndex(2));
    groups[0].merge_pending_commit().unwrap();
    agrees(&pg, &groups[0]);
}

#[test]
fn wrong_group_wire_format_and_full_pool_are_refused() {
    let (p, mut groups) = group_of(3);
    let config = GroupConfig {
        max_pending_proposals: 1,
        max_held_proposals: 0,
        ..GroupConfig::default()
    };
    let gi = groups[0].group_info(GroupInfoOptions::default()).unwrap();
    let mut pg = PublicGroup::from_group_info(p.clone(), &gi, None, config).unwrap();
    assert_eq!(
        pg.process(&gi).unwrap_err(),
        Error::Group(GroupError::UnexpectedWireFormat)
    );

    let first = groups[1].propose_update().unwrap();
    pg.process(&first).unwrap();
    let second = groups[2].propose_update().unwrap();
    let before = snapshot(&pg);
    assert_eq!(
        pg.process(&second).unwrap_err(),
        Error::Group(GroupError::ProposalPoolFull)
    );
    assert_eq!(snapshot(&pg), before);

    let mut foreign = first.clone();
    let MlsMessageBody::PublicMessage(pm) = &mut foreign.body else {
        panic!("not public");
    };
    pm.content.group_id = b"another group".to_vec();
    assert_eq!(
        pg.process(&foreign).unwrap_err(),
        Error::Group(GroupError::WrongGroupId)
    );
}

#[test]
fn reinit_ends_the_view() {
    let (p, mut groups) = group_of(1);
    let mut pg = view(&p, &groups[0]);
    let reinit = groups[0]
        .reinit_proposal(b"next".to_vec(), crate::CipherSuite(1), Default::default())
        .unwrap();
    let out = groups[0]
        .commit(CommitOptions::default().with_proposal(reinit))
        .unwrap();
    let PublicOutcome::NewEpoch(change) = pg.process(&out.commit).unwrap() else {
        panic!("no new epoch");
    };
    assert!(change.reinit.is_some());
    assert!(pg.reinit().is_some());
    deliver(&mut groups, 0, &out.commit);
    agrees(&pg, &groups[1]);
    // Any later handshake message of the old group is refused.
    let mut late = groups[1].clone();
    let Ok(upd) = late.propose_update() else {
        // The members refuse to send after a ReInit too; forge one from the last commit.
        let before = snapshot(&pg);
        let mut m = out.commit.clone();
        let MlsMessageBody::PublicMessage(pm) = &mut m.body else {
            panic!("not public");
        };
        pm.content.epoch += 1;
        assert_eq!(
            pg.process(&m).unwrap_err(),
            Error::Group(GroupError::GroupInactive)
        );
        assert_eq!(snapshot(&pg), before);
        return;
    };
    assert_eq!(
        pg.process(&upd).unwrap_err(),
        Error::Group(GroupError::GroupInactive)
    );
}
