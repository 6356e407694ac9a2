use alloc::sync::Arc;
use alloc::vec::Vec;

use super::*;
use crate::crypto::rust_crypto::RustCrypto;
use crate::messages::{
    Credential, GroupContextExtensions, KeyPackageBundle, PreSharedKey, ReInit, Remove,
};
use crate::{CryptoProvider, Error, GroupError};

const SUITE: CipherSuite = CipherSuite(1);

fn provider() -> Arc<dyn CryptoProvider> {
    Arc::new(RustCrypto::new())
}

pub(super) fn identity(p: &Arc<dyn CryptoProvider>, name: &str) -> SigningIdentity {
    let cs = p.suite(SUITE).unwrap();
    SigningIdentity::generate(cs, Credential::Basic(name.as_bytes().to_vec())).unwrap()
}

pub(super) fn kp(p: &Arc<dyn CryptoProvider>, id: &SigningIdentity) -> KeyPackageBundle {
    let cs = p.suite(SUITE).unwrap();
    id.key_package(
        cs,
        Lifetime {
            not_before: 0,
            not_after: u64::MAX,
        },
    )
    .unwrap()
}

/// Alice plus `n` joiners, all merged.
pub(super) fn group_of(n: usize) -> (Arc<dyn CryptoProvider>, Vec<Group>) {
    let p = provider();
    let alice = Group::create(
        p.clone(),
        SUITE,
        b"g".to_vec(),
        identity(&p, "a"),
        GroupConfig::default(),
    )
    .unwrap();
    let mut groups = vec![alice];
    let mut opts = CommitOptions::default().with_ratchet_tree();
    let mut bundles = Vec::new();
    for i in 0..n {
        let id = identity(&p, &format!("m{i}"));
        let b = kp(&p, &id);
        opts = opts.add_member(b.key_package.clone());
        bundles.push((id, b));
    }
    if n > 0 {
        let out = groups[0].commit(opts).unwrap();
        groups[0].merge_pending_commit().unwrap();
        let w = out.welcome.unwrap();
        for (id, b) in bundles {
            let g = Group::join(
                p.clone(),
                &w,
                &b,
                id,
                None,
                GroupConfig::default(),
                &PskStore::new(),
            )
            .unwrap();
            groups.push(g);
        }
    }
    (p, groups)
}

fn agree(groups: &[Group]) {
    let a = groups[0].epoch_authenticator().to_vec();
    for g in groups {
        assert_eq!(g.epoch_authenticator(), a.as_slice());
        assert_eq!(g.group_context(), groups[0].group_context());
    }
}

fn commit_and_apply(groups: &mut [Group], who: usize, opts: CommitOptions) -> CommitOutput {
    let out = groups[who].commit(opts).unwrap();
    for (i, g) in groups.iter_mut().enumerate() {
        if i == who {
            g.merge_pending_commit().unwrap();
        } else {
            let m = g.process(&out.commit, None).unwrap();
            let ProcessedContent::Commit(s) = m.content else {
                panic!()
            };
            g.merge_staged_commit(*s).unwrap();
        }
    }
    out
}

#[test]
fn create_add_message_update_remove() {
    let (_p, mut groups) = group_of(2);
    agree(&groups);
    assert_eq!(groups[0].member_count(), 3);
    let msg = groups[1].encrypt_application(b"hello", b"ad").unwrap();
    for g in [0, 2] {
        let got = groups[g].process(&msg, None).unwrap();
        assert!(matches!(got.content, ProcessedContent::Application(ref d) if d == b"hello"));
        assert_eq!(got.sender, Sender::Member(LeafIndex(1)));
    }
    commit_and_apply(&mut groups, 1, CommitOptions::default());
    agree(&groups);
    // A late message of the previous epoch still decrypts.
    commit_and_apply(
        &mut groups,
        2,
        CommitOptions::default().remove_member(LeafIndex(1)),
    );
    assert!(!groups[1].is_active());
    let rest = [groups.remove(0), groups.remove(1)];
    agree(&rest);
    assert_eq!(rest[0].member_count(), 2);
}

#[test]
fn past_epoch_application_message() {
    let (_p, mut groups) = group_of(1);
    let late = groups[1].encrypt_application(b"late", b"").unwrap();
    commit_and_apply(&mut groups, 0, CommitOptions::default());
    let got = groups[0].process(&late, None).unwrap();
    assert!(matches!(got.content, ProcessedContent::Application(ref d) if d == b"late"));
}

#[test]
fn proposals_by_reference_and_private_handshake() {
    let (_p, mut groups) = group_of(2);
    for g in groups.iter_mut() {
        g.config.handshake_format = HandshakeFormat::Private;
    }
    let upd = groups[1].propose_update().unwrap();
    let rem = groups[2]
        .propose(Proposal::Remove(Remove {
            removed: LeafIndex(0),
        }))
        .unwrap();
    for i in [0, 2] {
        groups[i].process(&upd, None).unwrap();
    }
    for i in [0, 1] {
        groups[i].process(&rem, None).unwrap();
    }
    // Alice cannot commit her own removal; Carol commits both.
    commit_and_apply(&mut groups, 2, CommitOptions::default());
    assert!(!groups[0].is_active());
    agree(&groups[1..]);
}

#[test]
fn commit_without_path_and_export() {
    let (p, mut groups) = group_of(1);
    let id = identity(&p, "c");
    let b = kp(&p, &id);
    let opts = CommitOptions {
        path: PathChoice::WhenRequired,
        ..CommitOptions::default()
    }
    .add_member(b.key_package.clone());
    let out = commit_and_apply(&mut groups, 1, opts);
    let tree = groups[0].ratchet_tree().encode_extension().unwrap();
    let c = Group::join(
        p.clone(),
        &out.welcome.unwrap(),
        &b,
        id,
        Some(&tree),
        GroupConfig::default(),
        &PskStore::new(),
    )
    .unwrap();
    groups.push(c);
    agree(&groups);
    let e0 = groups[0].export_secret(b"l", b"c", 16).unwrap();
    assert_eq!(e0, groups[2].export_secret(b"l", b"c", 16).unwrap());
    // The new member can commit and be followed.
    commit_and_apply(&mut groups, 2, CommitOptions::default());
    agree(&groups);
}

#[test]
fn failed_commit_processing_leaves_group_unchanged() {
    let (_p, mut groups) = group_of(1);
    let out = groups[0].commit(CommitOptions::default()).unwrap();
    let MlsMessageBody::PublicMessage(mut pm) = out.commit.body.clone() else {
        panic!()
    };
    pm.auth.confirmation_tag = Some(vec![0; 32]);
    let before = groups[1].epoch_authenticator().to_vec();
    let bad = MlsMessage::new(MlsMessageBody::PublicMessage(pm));
    assert!(groups[1].process(&bad, None).is_err());
    assert_eq!(groups[1].epoch_authenticator(), before.as_slice());
    let m = groups[1].process(&out.commit, None).unwrap();
    let ProcessedContent::Commit(s) = m.content else {
        panic!()
    };
    groups[1].merge_staged_commit(*s).unwrap();
    groups[0].merge_pending_commit().unwrap();
    agree(&groups);
}

fn expect(groups: &mut [Group], proposals: Vec<Proposal>, err: GroupError) {
    let opts = CommitOptions {
        proposals,
        ..CommitOptions::default()
    };
    assert_eq!(groups[0].commit(opts).unwrap_err(), Error::Group(err));
    assert!(!groups[0].has_pending_commit());
}

#[test]
fn proposal_list_rules() {
    let (p, mut groups) = group_of(2);
    let rm = |l| {
        Proposal::Remove(Remove {
            removed: LeafIndex(l),
        })
    };
    expect(&mut groups, vec![rm(0)], GroupError::RemoveOfCommitter);
    expect(
        &mut groups,
        vec![rm(1), rm(1)],
        GroupError::MultipleChangesForLeaf,
    );
    expect(&mut groups, vec![rm(7)], GroupError::RemoveOfNonMember);
    let b = kp(&p, &identity(&p, "x"));
    let add = Proposal::Add(alloc::boxed::Box::new(crate::messages::Add {
        key_package: b.key_package.clone(),
    }));
    expect(
        &mut groups,
        vec![add.clone(), add.clone()],
        GroupError::DuplicateAdd,
    );
    let dup_member = kp(&p, &groups[1].identity().clone());
    let add_existing = Proposal::Add(alloc::boxed::Box::new(crate::messages::Add {
        key_package: dup_member.key_package,
    }));
    expect(
        &mut groups,
        vec![add_existing.clone()],
        GroupError::AddOfExistingMember,
    );
    // ...unless the same Commit removes that client.
    assert!(
        groups[0]
            .clone()
            .commit(CommitOptions {
                proposals: vec![add_existing, rm(1)],
                ..Default::default()
            })
            .is_ok()
    );
    let psk = |n: u8| {
        Proposal::PreSharedKey(PreSharedKey {
            psk: crate::key_schedule::PreSharedKeyId::external(vec![n], vec![0; 32]),
        })
    };
    expect(&mut groups, vec![psk(1), psk(1)], GroupError::DuplicatePsk);
    let short = Proposal::PreSharedKey(PreSharedKey {
        psk: crate::key_schedule::PreSharedKeyId::external(vec![1], vec![0; 3]),
    });
    expect(&mut groups, vec![short], GroupError::InvalidPskNonce);
    expect(&mut groups, vec![psk(2)], GroupError::UnknownPsk);
    let gce = Proposal::GroupContextExtensions(GroupContextExtensions {
        extensions: Extensions::default(),
    });
    expect(
        &mut groups,
        vec![gce.clone(), gce],
        GroupError::MultipleGroupContextExtensions,
    );
    let reinit = Proposal::ReInit(ReInit {
        group_id: b"n".to_vec(),
        version: crate::messages::ProtocolVersion::MLS10,
        cipher_suite: SUITE,
        extensions: Extensions::default(),
    });
    expect(
        &mut groups,
        vec![reinit, rm(1)],
        GroupError::ReInitWithOtherProposals,
    );
    let ext = Proposal::ExternalInit(crate::messages::ExternalInit {
        kem_output: vec![1],
    });
    expect(
        &mut groups,
        vec![ext],
        GroupError::ExternalInitInMemberCommit,
    );
    let custom = Proposal::Custom {
        proposal_type: crate::messages::ProposalType(0x7777),
        data: vec![],
    };
    expect(
        &mut groups,
        vec![custom],
        GroupError::UnsupportedProposalType,
    );
    // An Update from the committer (sent by value) is refused.
    let leaf = groups[0]
        .ratchet_tree()
        .leaf(LeafIndex(0))
        .unwrap()
        .to_leaf_node()
        .unwrap();
    let upd = Proposal::Update(alloc::boxed::Box::new(crate::messages::Update {
        leaf_node: leaf,
    }));
    expect(&mut groups, vec![upd], GroupError::UpdateFromCommitter);
    // Path required but refused.
    let opts = CommitOptions {
        proposals: vec![rm(1)],
        path: PathChoice::WhenRequired,
        ..Default::default()
    };
    assert!(groups[0].commit(opts).is_ok());
}

#[test]
fn receiver_rejects_missing_path_and_unknown_reference() {
    let (_p, mut groups) = group_of(2);
    // A receiver rejects a commit without a path when one is required: build one by hand
    // from a path-less Add commit whose proposal list is replaced.
    let out = groups[0].commit(CommitOptions::default()).unwrap();
    groups[0].clear_pending_commit();
    let MlsMessageBody::PublicMessage(pm) = &out.commit.body else {
        panic!()
    };
    let FramedContentBody::Commit(mut c) = pm.content.body.clone() else {
        panic!()
    };
    c.path = None;
    let bad = resign(&groups[0], c.clone());
    assert_eq!(
        groups[1].process(&bad, None).unwrap_err(),
        Error::Group(GroupError::PathRequired)
    );
    c.proposals = vec![crate::messages::ProposalOrRef::Reference(ProposalRef(
        vec![1; 32],
    ))];
    let bad = resign(&groups[0], c);
    assert_eq!(
        groups[1].process(&bad, None).unwrap_err(),
        Error::Group(GroupError::UnknownProposalRef)
    );
    assert_eq!(groups[1].process(&out.commit, None).map(|_| ()), Ok(()));
    // Own commit through process.
    let mut g0 = groups[0].clone();
    let out = g0.commit(CommitOptions::default()).unwrap();
    assert_eq!(
        g0.process(&out.commit, None).unwrap_err(),
        Error::Group(GroupError::OwnCommit)
    );
}

/// Re-signs a hand-made Commit as `g`'s member (membership tag and signature valid).
fn resign(g: &Group, c: crate::messages::Commit) -> MlsMessage {
    let mut ac = g
        .sign_content(
            FramedContentBody::Commit(c),
            &[],
            WireFormat::MLS_PUBLIC_MESSAGE,
        )
        .unwrap();
    ac.auth.confirmation_tag = Some(vec![0; 32]);
    let mut g = g.clone();
    g.protect(ac).unwrap()
}

#[test]
fn application_needs_commit_of_pending_proposals() {
    let (_p, mut groups) = group_of(1);
    let m = groups[0].propose_update().unwrap();
    groups[1].process(&m, None).unwrap();
    assert_eq!(
        groups[1].encrypt_application(b"x", b"").unwrap_err(),
        Error::Group(GroupError::ProposalsPending)
    );
    commit_and_apply(&mut groups, 1, CommitOptions::default());
    agree(&groups);
    assert!(groups[0].encrypt_application(b"x", b"").is_ok());
}

#[test]
fn future_epoch_and_wrong_group() {
    let (_p, mut groups) = group_of(1);
    let mut ahead = groups[0].clone();
    let out = ahead.commit(CommitOptions::default()).unwrap();
    ahead.merge_pending_commit().unwrap();
    let m = ahead.encrypt_application(b"x", b"").unwrap();
    assert_eq!(
        groups[1].process(&m, None).unwrap_err(),
        Error::Group(GroupError::FutureEpoch)
    );
    drop(out);
    let (_q, mut other) = group_of(1);
    let m = other[0].encrypt_application(b"x", b"").unwrap();
    let _ = &mut groups;
    assert!(groups[1].process(&m, None).is_err());
}

/// The PublicMessage of a commit `out` as `AuthenticatedContent`.
fn public_commit(msg: &MlsMessage) -> AuthenticatedContent {
    let MlsMessageBody::PublicMessage(pm) = &msg.body else {
        panic!("not a PublicMessage")
    };
    AuthenticatedContent {
        wire_format: WireFormat::MLS_PUBLIC_MESSAGE,
        content: pm.content.clone(),
        auth: pm.auth.clone(),
    }
}

/// Protects `ac` as a PublicMessage with a valid membership tag of `g`'s epoch.
fn with_membership_tag(g: &Group, ac: AuthenticatedContent) -> MlsMessage {
    let cs = g.provider.suite(SUITE).unwrap();
    let pm = crate::framing::PublicMessage::protect(cs, ac, &g.epoch.membership_key, &g.context)
        .unwrap();
    MlsMessage::new(MlsMessageBody::PublicMessage(pm))
}

fn unchanged_then_accepts(g: &mut Group, before: &[u8], good: &MlsMessage) {
    assert_eq!(g.epoch_authenticator(), before);
    let m = g.process(good, None).unwrap();
    assert!(matches!(m.content, ProcessedContent::Commit(_)));
}

#[test]
fn commit_with_wrong_confirmation_tag() {
    let (_p, mut groups) = group_of(2);
    let out = groups[0].commit(CommitOptions::default()).unwrap();
    let before = groups[1].epoch_authenticator().to_vec();
    let mut ac = public_commit(&out.commit);
    if let Some(t) = ac.auth.confirmation_tag.as_mut() {
        t[0] ^= 1;
    }
    // Tampering on the wire breaks the membership tag first (§6.2).
    let MlsMessageBody::PublicMessage(pm) = &out.commit.body else {
        panic!()
    };
    let mut tampered = pm.clone();
    tampered.auth = ac.auth.clone();
    let tampered = MlsMessage::new(MlsMessageBody::PublicMessage(tampered));
    assert_eq!(
        groups[1].process(&tampered, None).unwrap_err(),
        Error::Framing(crate::error::FramingError::MembershipTagMismatch)
    );
    // A member (who knows the membership key) with a wrong tag: §12.4.2 confirmation check.
    let bad = with_membership_tag(&groups[0], ac);
    assert_eq!(
        groups[1].process(&bad, None).unwrap_err(),
        Error::Framing(crate::error::FramingError::ConfirmationTagMismatch)
    );
    unchanged_then_accepts(&mut groups[1], &before, &out.commit);
}

#[test]
fn commit_of_future_and_past_epochs() {
    let (_p, mut groups) = group_of(2);
    let mut ahead = groups[0].clone();
    let first = ahead.commit(CommitOptions::default()).unwrap();
    ahead.merge_pending_commit().unwrap();
    let second = ahead.commit(CommitOptions::default()).unwrap();
    assert_eq!(
        groups[1].process(&second.commit, None).unwrap_err(),
        Error::Group(GroupError::FutureEpoch)
    );
    let s = groups[1].process(&first.commit, None).unwrap();
    let ProcessedContent::Commit(s) = s.content else {
        panic!()
    };
    groups[1].merge_staged_commit(*s).unwrap();
    // A handshake message of an epoch already left is never accepted (§12.4.2).
    assert_eq!(
        groups[1].process(&first.commit, None).unwrap_err(),
        Error::Group(GroupError::PastEpochUnavailable)
    );
    assert!(groups[1].process(&second.commit, None).is_ok());
}

#[test]
fn commit_from_non_member() {
    let (p, mut groups) = group_of(2);
    let before = groups[1].epoch_authenticator().to_vec();
    let out = groups[0].commit(CommitOptions::default()).unwrap();
    let cs = p.suite(SUITE).unwrap();
    let stranger = identity(&p, "stranger");
    for sender in [Sender::Member(LeafIndex(3)), Sender::Member(LeafIndex(9))] {
        let mut content = public_commit(&out.commit).content;
        content.sender = sender;
        let mut ac = AuthenticatedContent::sign(
            cs,
            WireFormat::MLS_PUBLIC_MESSAGE,
            content,
            &stranger.key_pair().unwrap().private_key,
            &groups[0].context,
        )
        .unwrap();
        ac.auth.confirmation_tag = Some(vec![0; cs.hash_len()]);
        let bad = with_membership_tag(&groups[0], ac);
        assert_eq!(
            groups[1].process(&bad, None).unwrap_err(),
            Error::Framing(crate::error::FramingError::UnknownSender),
            "{sender:?}"
        );
    }
    // A member's leaf with someone else's signature.
    let mut ac = public_commit(&out.commit);
    ac = AuthenticatedContent::sign(
        cs,
        WireFormat::MLS_PUBLIC_MESSAGE,
        ac.content,
        &stranger.key_pair().unwrap().private_key,
        &groups[0].context,
    )
    .unwrap();
    ac.auth.confirmation_tag = Some(vec![0; cs.hash_len()]);
    let bad = with_membership_tag(&groups[0], ac);
    assert_eq!(
        groups[1].process(&bad, None).unwrap_err(),
        Error::Framing(crate::error::FramingError::InvalidSignature)
    );
    unchanged_then_accepts(&mut groups[1], &before, &out.commit);
}

/// Issue #12 item 5, through `merge_pending_commit`: a pending Commit of another group (two
/// groups with the same id and epoch; put there by hand, which the API never does) is
/// refused, stays pending, and the group is unchanged.
#[test]
fn pending_commit_of_another_group_is_refused() {
    let (_, mut first) = group_of(1);
    let (_, mut second) = group_of(1);
    assert_eq!(first[0].group_id(), second[0].group_id());
    assert_eq!(first[0].epoch(), second[0].epoch());
    first[0].commit(CommitOptions::default()).unwrap();
    let before = second[0].to_bytes().unwrap();
    second[0].pending_commit = first[0].pending_commit.take();
    assert_eq!(
        second[0].merge_pending_commit().unwrap_err(),
        Error::Group(GroupError::StagedCommitOfOtherGroup)
    );
    assert!(second[0].has_pending_commit());
    second[0].clear_pending_commit();
    assert_eq!(second[0].to_bytes().unwrap().as_bytes(), before.as_bytes());
}
