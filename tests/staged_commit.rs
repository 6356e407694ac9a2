//! What a received Commit proves before it is merged (RFC 9420 §12.4.2): a resync external
//! Commit (§12.4.3.2) that removes this member cannot be verified by it, and a
//! [`StagedCommit`] belongs to the group (and the epoch history) it was validated in.

use std::sync::Arc;

use melos::crypto::Secret;
use melos::framing::{
    AuthenticatedContent, FramedContentBody, FramingContext, MlsMessage, MlsMessageBody,
    PublicMessage, WireFormat,
};
use melos::group::{
    CommitOptions, ExternalCommitOptions, Group, GroupConfig, GroupInfoOptions, Member, PriorLeaf,
    ProcessedContent, PskStore, SelfRemoval, SigningIdentity, StagedCommit, SuccessorCheck,
};
use melos::messages::{Proposal, ProposalOrRef};
use melos::tree_math::LeafIndex;
use melos::{CryptoProvider, Error, FramingError, GroupError};

mod common;
use common::{SUITE, provider};

/// Alice creates `group_id` and adds `names` by Welcome.
fn group(p: &Arc<dyn CryptoProvider>, group_id: &[u8], names: &[&str]) -> Vec<Group> {
    common::group_with(p, group_id, names, &GroupConfig::default())
}

fn staged(g: &mut Group, commit: &MlsMessage) -> StagedCommit {
    let m = g.process(commit, None).unwrap();
    let ProcessedContent::Commit(s) = m.content else {
        panic!("not a commit")
    };
    *s
}

/// Every group processes and merges `commit` (its sender merges its pending commit);
/// removed members are dropped. All must agree afterwards.
fn deliver_commit(groups: &mut Vec<Group>, commit: &MlsMessage) {
    for g in groups.iter_mut() {
        if g.has_pending_commit() {
            g.merge_pending_commit().unwrap();
        } else {
            let s = staged(g, commit);
            g.merge_staged_commit(s).unwrap();
        }
    }
    groups.retain(Group::is_active);
    for g in groups.iter() {
        assert_eq!(g.epoch_authenticator(), groups[0].epoch_authenticator());
        assert_eq!(g.group_context(), groups[0].group_context());
    }
}

/// Each group sends an application message that every other one reads.
fn everyone_talks(groups: &mut [Group]) {
    for i in 0..groups.len() {
        let msg = groups[i].encrypt_application(b"hi", b"").unwrap();
        for (j, g) in groups.iter_mut().enumerate() {
            if j != i {
                let m = g.process(&msg, None).unwrap();
                let ProcessedContent::Application(data) = m.content else {
                    panic!("not application data")
                };
                assert_eq!(data, b"hi");
            }
        }
    }
}

/// Mallory, not a member, holds the group's GroupInfo (with `external_pub`), a fresh
/// signature key and a copy of `victim`'s basic credential. She builds a resync external
/// Commit removing the victim's leaf, then replaces its ExternalInit's `kem_output` with
/// garbage and signs it again with her own key (the key of the path's leaf, which is all a
/// receiver checks the signature with, §12.4.3.2). Members derive a wrong `init_secret`
/// from it, so the confirmation tag fails for them (§12.4.2); the victim, removed, derives
/// nothing and cannot check the tag.
fn forged_resync(p: &Arc<dyn CryptoProvider>, gi: &MlsMessage, victim: &Member) -> MlsMessage {
    let cs = p.suite(SUITE).unwrap();
    let mallory = SigningIdentity::generate(cs, victim.credential.clone()).unwrap();
    let options = ExternalCommitOptions {
        remove_prior: Some(PriorLeaf::Leaf(victim.index)),
        ..Default::default()
    };
    let (_, out) = Group::join_by_external_commit(
        p.clone(),
        gi,
        None,
        mallory.clone(),
        GroupConfig::default(),
        &PskStore::new(),
        options,
    )
    .unwrap();
    let MlsMessageBody::PublicMessage(pm) = &out.commit.body else {
        panic!()
    };
    let mut content = pm.content.clone();
    let FramedContentBody::Commit(commit) = &mut content.body else {
        panic!()
    };
    for p in &mut commit.proposals {
        if let ProposalOrRef::Proposal(Proposal::ExternalInit(e)) = p {
            e.kem_output = vec![7; e.kem_output.len()];
        }
    }
    let MlsMessageBody::GroupInfo(info) = &gi.body else {
        panic!()
    };
    let context = FramingContext::new(info.group_context.clone()).unwrap();
    let mut ac = AuthenticatedContent::sign(
        cs,
        WireFormat::MLS_PUBLIC_MESSAGE,
        content,
        &mallory.key_pair().unwrap().private_key,
        &context,
    )
    .unwrap();
    ac.auth.confirmation_tag = pm.auth.confirmation_tag.clone();
    let pm = PublicMessage::protect(cs, ac, &Secret::zero(cs.hash_len()), &context).unwrap();
    MlsMessage::new(MlsMessageBody::PublicMessage(pm))
}

/// Issue #12 item 3: a forged resync must not silently remove its victim. The other
/// members reject it (confirmation tag); the victim cannot verify it, stays in the epoch,
/// and processes the next genuine Commit like everyone else.
#[test]
fn forged_resync_leaves_the_victim_in_the_group() {
    let p = provider();
    let mut groups = group(&p, b"resync", &["bob", "carol"]);
    let gi = groups[0].group_info(GroupInfoOptions::default()).unwrap();
    let bob = groups[0].member(LeafIndex(1)).unwrap();
    let forged = forged_resync(&p, &gi, &bob);
    for i in [0, 2] {
        let before = groups[i].to_bytes().unwrap();
        assert_eq!(
            groups[i].process(&forged, None).unwrap_err(),
            Error::Framing(FramingError::ConfirmationTagMismatch)
        );
        assert_eq!(groups[i].to_bytes().unwrap().as_bytes(), before.as_bytes());
    }
    let s = staged(&mut groups[1], &forged);
    assert!(s.removes_self());
    let Some(SelfRemoval::Unverified(removal)) = s.self_removal() else {
        panic!("{:?}", s.self_removal())
    };
    let removal = removal.clone();
    assert_eq!(removal.epoch, groups[1].epoch());
    assert_eq!(removal.joiner.credential, bob.credential);
    assert_ne!(removal.joiner.signature_key, bob.signature_key);
    assert_eq!(removal.credential_check, SuccessorCheck::ValidSuccessor);
    let before = groups[1].to_bytes().unwrap();
    let epoch = groups[1].epoch();
    groups[1].merge_staged_commit(s).unwrap();
    assert!(
        groups[1].is_active(),
        "the forged resync removed its victim"
    );
    assert_eq!(groups[1].epoch(), epoch);
    assert_eq!(groups[1].pending_unverified_removal(), Some(&removal));
    // Only the marker changed, and it is saved with the group.
    assert_ne!(groups[1].to_bytes().unwrap().as_bytes(), before.as_bytes());
    let back = Group::from_bytes(p.clone(), groups[1].to_bytes().unwrap().as_bytes()).unwrap();
    assert_eq!(back.pending_unverified_removal(), Some(&removal));
    assert_eq!(back.epoch(), epoch);
    // The group is not lost: Bob still sends in the epoch.
    everyone_talks(&mut groups);
    // The next genuine Commit, by Alice in the same epoch, clears the suspicion.
    let out = groups[0].commit(CommitOptions::default()).unwrap();
    deliver_commit(&mut groups, &out.commit);
    assert_eq!(groups.len(), 3);
    assert_eq!(groups[1].pending_unverified_removal(), None);
    everyone_talks(&mut groups);
    // Bob commits too.
    let out = groups[1].commit(CommitOptions::default()).unwrap();
    deliver_commit(&mut groups, &out.commit);
    assert_eq!(
        groups[1].confirm_removal().unwrap_err(),
        Error::Group(GroupError::NoUnverifiedRemoval)
    );
}

/// A genuine resync: Bob's own identity (same credential and signature key) rejoins from a
/// new client through the external-join API. Alice and Carol accept it; the old client
/// sees an unverified removal signed with its own key, stays in the old epoch (the others'
/// next messages are of a later epoch) until the application confirms: then it is inactive.
#[test]
fn genuine_resync_is_unverified_until_confirmed() {
    let p = provider();
    let mut groups = group(&p, b"resync", &["bob", "carol"]);
    let gi = groups[2].group_info(GroupInfoOptions::default()).unwrap();
    let options = ExternalCommitOptions {
        remove_prior: Some(PriorLeaf::SameCredential),
        ..Default::default()
    };
    let (new_bob, out) = Group::join_by_external_commit(
        p.clone(),
        &gi,
        None,
        groups[1].identity().clone(),
        GroupConfig::default(),
        &PskStore::new(),
        options,
    )
    .unwrap();
    let mut old_bob = groups.remove(1);
    deliver_commit(&mut groups, &out.commit);
    groups.push(new_bob);
    everyone_talks(&mut groups);

    let s = staged(&mut old_bob, &out.commit);
    let Some(SelfRemoval::Unverified(removal)) = s.self_removal() else {
        panic!("{:?}", s.self_removal())
    };
    assert_eq!(removal.credential_check, SuccessorCheck::OwnSignatureKey);
    assert_eq!(removal.joiner.index, LeafIndex(1));
    old_bob.merge_staged_commit(s).unwrap();
    assert!(old_bob.is_active());
    assert!(old_bob.pending_unverified_removal().is_some());
    // The group moved on without the old client.
    let msg = groups[0].encrypt_application(b"hi", b"").unwrap();
    assert_eq!(
        old_bob.process(&msg, None).unwrap_err(),
        Error::Group(GroupError::FutureEpoch)
    );
    old_bob.confirm_removal().unwrap();
    assert!(!old_bob.is_active());
    assert_eq!(old_bob.pending_unverified_removal(), None);
    assert_eq!(
        old_bob.encrypt_application(b"x", b"").unwrap_err(),
        Error::Group(GroupError::GroupInactive)
    );
    // The inactive state saves and restores as such.
    let saved = old_bob.to_bytes().unwrap();
    assert!(
        !Group::from_bytes(p.clone(), saved.as_bytes())
            .unwrap()
            .is_active()
    );
}

/// A member's Commit that removes Bob is verified (membership tag and committer's
/// signature): merging it makes Bob inactive at once, as before.
#[test]
fn member_commit_removal_is_verified() {
    let p = provider();
    let mut groups = group(&p, b"remove", &["bob", "carol"]);
    let out = groups[0]
        .commit(CommitOptions::default().remove_member(LeafIndex(1)))
        .unwrap();
    let s = staged(&mut groups[1], &out.commit);
    assert!(s.removes_self());
    assert_eq!(s.self_removal(), Some(&SelfRemoval::Verified));
    groups[1].merge_staged_commit(s).unwrap();
    assert!(!groups[1].is_active());
    assert_eq!(groups[1].pending_unverified_removal(), None);
    assert_eq!(
        groups[1].confirm_removal().unwrap_err(),
        Error::Group(GroupError::NoUnverifiedRemoval)
    );
    let s = staged(&mut groups[2], &out.commit);
    assert_eq!(s.self_removal(), None);
}

/// Issue #12 item 5: a StagedCommit is bound to the group and epoch history it was
/// validated in. Two groups with the same id at the same epoch (each Alice, Bob, Carol):
/// Bob's staged Commit of the first group is refused by Bob of the second, which stays as
/// it was and still merges its own group's Commit.
#[test]
fn staged_commit_of_another_group_is_refused() {
    let p = provider();
    let mut first = group(&p, b"same", &["bob", "carol"]);
    let mut second = group(&p, b"same", &["bob", "carol"]);
    let mut other = group(&p, b"other", &["bob", "carol"]);
    assert_eq!(first[1].epoch(), second[1].epoch());
    assert_eq!(first[1].epoch(), other[1].epoch());
    let out = first[0].commit(CommitOptions::default()).unwrap();
    for target in [&mut second[1], &mut other[1]] {
        let foreign = staged(&mut first[1], &out.commit);
        let before = target.to_bytes().unwrap();
        assert_eq!(
            target.merge_staged_commit(foreign).unwrap_err(),
            Error::Group(GroupError::StagedCommitOfOtherGroup)
        );
        assert_eq!(target.to_bytes().unwrap().as_bytes(), before.as_bytes());
    }
    deliver_commit(&mut first, &out.commit);
    for groups in [&mut second, &mut other] {
        let out = groups[2].commit(CommitOptions::default()).unwrap();
        deliver_commit(groups, &out.commit);
        everyone_talks(groups);
    }
}
