//! Unit tests of external Commits (RFC 9420 §12.2, §12.4.3.2) that need the engine's
//! internals: checks that a well-behaved peer never lets through the public API.

use alloc::vec;
use alloc::vec::Vec;

use super::super::tests::group_of;
use super::*;
use crate::framing::{FramedContentBody, MlsMessageBody, Sender, WireFormat};
use crate::group::GroupHooks;
use crate::group::{CommitOptions, ExternalCommitOptions, GroupInfoOptions, ProcessedContent};
use crate::messages::{Commit, ExternalInit, Proposal, ProposalOrRef};
use crate::ratchet_tree::TreeLimits;

/// A member Commit signed by `groups[1]` covering an ExternalInit (which the committer's own
/// checks refuse), seen by `groups[0]`: [`GroupError::ExternalInitInMemberCommit`].
#[test]
fn receiver_rejects_external_init_in_member_commit() {
    let (_, groups) = group_of(2);
    let commit = Commit {
        proposals: vec![ProposalOrRef::Proposal(Proposal::ExternalInit(
            ExternalInit {
                kem_output: vec![1; 32],
            },
        ))],
        path: None,
    };
    let mut ac = groups[1]
        .sign_content(
            FramedContentBody::Commit(commit.clone()),
            &[],
            WireFormat::MLS_PUBLIC_MESSAGE,
        )
        .unwrap();
    ac.auth.confirmation_tag = Some(vec![0; 32]);
    assert_eq!(
        groups[0].stage_commit(&ac, &commit, None).unwrap_err(),
        Error::Group(GroupError::ExternalInitInMemberCommit)
    );
}

/// An external Commit's content claimed to come in a PrivateMessage:
/// [`GroupError::ExternalCommitNotPublicMessage`].
#[test]
fn external_commit_must_be_public() {
    let (p, groups) = group_of(2);
    let gi = groups[0].group_info(GroupInfoOptions::default()).unwrap();
    let join = |id: SigningIdentity| {
        Group::join_by_external_commit(
            p.clone(),
            &gi,
            None,
            id,
            GroupConfig::default(),
            &PskStore::new(),
            ExternalCommitOptions::default(),
        )
    };
    // §7.3: the joiner's signature key must not be a member's already.
    assert_eq!(
        join(groups[1].identity().clone()).unwrap_err(),
        Error::Group(GroupError::SignatureKeyInUse)
    );
    let cs = p.suite(crate::CipherSuite(1)).unwrap();
    let id =
        SigningIdentity::generate(cs, crate::messages::Credential::Basic(b"z".to_vec())).unwrap();
    let (_, out) = join(id).unwrap();
    let MlsMessageBody::PublicMessage(pm) = &out.commit.body else {
        panic!()
    };
    let FramedContentBody::Commit(c) = &pm.content.body else {
        panic!()
    };
    let ac = AuthenticatedContent {
        wire_format: WireFormat::MLS_PRIVATE_MESSAGE,
        content: pm.content.clone(),
        auth: pm.auth.clone(),
    };
    assert_eq!(ac.content.sender, Sender::NewMemberCommit);
    assert_eq!(
        groups[0].stage_commit(&ac, c, None).unwrap_err(),
        Error::Group(GroupError::ExternalCommitNotPublicMessage)
    );
}

/// A full tree (two members) grows to four leaves for the joiner (§12.4.2: "add a blank
/// leaf to the right side"), and a GroupInfo returned with the external Commit lets the
/// next client join from the joiner's state.
#[test]
fn external_join_extends_a_full_tree_and_chains() {
    let (p, mut groups) = group_of(1);
    let mut joiners: Vec<&str> = vec!["x", "y"];
    while let Some(name) = joiners.pop() {
        let gi = groups
            .last()
            .unwrap()
            .group_info(GroupInfoOptions::default())
            .unwrap();
        let cs = p.suite(crate::CipherSuite(1)).unwrap();
        let id = SigningIdentity::generate(
            cs,
            crate::messages::Credential::Basic(name.as_bytes().to_vec()),
        )
        .unwrap();
        let options = ExternalCommitOptions {
            group_info: Some(GroupInfoOptions::default()),
            ..Default::default()
        };
        let (joiner, out) = Group::join_by_external_commit(
            p.clone(),
            &gi,
            None,
            id,
            GroupConfig::default(),
            &PskStore::new(),
            options,
        )
        .unwrap();
        assert!(out.group_info.is_some());
        for g in groups.iter_mut() {
            let m = g.process(&out.commit, None).unwrap();
            let ProcessedContent::Commit(s) = m.content else {
                panic!()
            };
            g.merge_staged_commit(*s).unwrap();
        }
        groups.push(joiner);
        for g in &groups {
            assert_eq!(g.epoch_authenticator(), groups[0].epoch_authenticator());
        }
    }
    assert_eq!(groups[2].own_leaf(), LeafIndex(2));
    assert_eq!(groups[3].own_leaf(), LeafIndex(3));
    assert_eq!(groups[0].ratchet_tree().size().leaf_count(), 4);
    let out = groups[3].commit(CommitOptions::default()).unwrap();
    groups[3].merge_pending_commit().unwrap();
    let auth = groups[3].epoch_authenticator().to_vec();
    for g in groups.iter_mut().take(3) {
        let m = g.process(&out.commit, None).unwrap();
        let ProcessedContent::Commit(s) = m.content else {
            panic!()
        };
        g.merge_staged_commit(*s).unwrap();
        assert_eq!(g.epoch_authenticator(), auth.as_slice());
    }
}

/// §12.2: the receiver's check of a resync Commit, on the function both sides share: the
/// path's leaf must present the removed member's credential.
#[test]
fn resync_leaf_must_match_the_removed_credential() {
    let (_, groups) = group_of(2);
    let tree = groups[0].ratchet_tree();
    let ctx = groups[0].group_context();
    let bob = groups[0].member(LeafIndex(1)).unwrap();
    let mut leaf = tree.leaf(LeafIndex(2)).unwrap().to_leaf_node().unwrap();
    let mut diff = tree.diff();
    let hooks = GroupHooks::default();
    let checks = Checks {
        now: None,
        hooks: &hooks,
        tree_limits: TreeLimits::default(),
    };
    assert_eq!(
        place_joiner(&mut diff, ctx, &ctx.extensions, &leaf, Some(&bob), &checks,).unwrap_err(),
        Error::Group(GroupError::ExternalCommitRemoveIdentityMismatch)
    );
    leaf.credential = bob.credential.clone();
    // Same credential, but Carol's signature key is still in the tree.
    assert_eq!(
        place_joiner(&mut diff, ctx, &ctx.extensions, &leaf, Some(&bob), &checks,).unwrap_err(),
        Error::Group(GroupError::SignatureKeyInUse)
    );
}
