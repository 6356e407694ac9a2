//! A partial member next to a full one: joins from an AnnotatedWelcome made by
//! [`annotate_welcome`], follows commits annotated by a [`CommitAnnotator`] (with and
//! without path, adds and removes), reads application messages, and agrees with the full
//! member on every epoch authenticator. Then every check of the partial client is fed a
//! violating input and asserts its own [`PartialError`] variant.

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::tests::provider;
use super::*;
use crate::crypto::{CipherSuite, CipherSuiteProvider, CryptoProvider};
use crate::error::{Error, PartialError};
use crate::framing::{MlsMessage, MlsMessageBody, PrivateMessage, Sender};
use crate::group::{
    CommitOptions, Group, GroupConfig, HandshakeFormat, PathChoice, SigningIdentity,
};
use crate::messages::{Credential, KeyPackageBundle, Lifetime};
use crate::ratchet_tree::{RatchetTree, TreeView};
use crate::tree_math::LeafIndex;

pub(super) const SUITE: CipherSuite = CipherSuite(1);

pub(super) fn cs(p: &Arc<dyn CryptoProvider>) -> &dyn CipherSuiteProvider {
    p.suite(SUITE).unwrap()
}

pub(super) fn bundle(
    p: &Arc<dyn CryptoProvider>,
    name: &str,
) -> (SigningIdentity, KeyPackageBundle) {
    let id = SigningIdentity::generate(cs(p), Credential::Basic(name.as_bytes().to_vec())).unwrap();
    let kp = id
        .key_package(
            cs(p),
            Lifetime {
                not_before: 0,
                not_after: u64::MAX,
            },
        )
        .unwrap();
    (id, kp)
}

pub(super) fn partial_err<T: core::fmt::Debug>(r: Result<T, Error>) -> PartialError {
    match r {
        Err(Error::Partial(e)) => e,
        other => panic!("expected a PartialError, got {other:?}"),
    }
}

struct World {
    p: Arc<dyn CryptoProvider>,
    alice: Group,
    bob: PartialMember,
    /// Bob's AnnotatedWelcome and KeyPackage, for the join checks.
    welcome: AnnotatedWelcome,
    bob_kp: KeyPackageBundle,
}

/// Alice (full) with five members, then Bob joins as a partial member.
fn world(format: HandshakeFormat) -> World {
    let p = provider();
    let config = GroupConfig {
        handshake_format: format,
        ..GroupConfig::default()
    };
    let (alice_id, _) = bundle(&p, "alice");
    let mut alice = Group::create(p.clone(), SUITE, b"pg".to_vec(), alice_id, config).unwrap();
    let mut opts = CommitOptions::default();
    for i in 0..5 {
        opts = opts.add_member(bundle(&p, &format!("m{i}")).1.key_package);
    }
    alice.commit(opts).unwrap();
    alice.merge_pending_commit().unwrap();
    let (_, bob_kp) = bundle(&p, "bob");
    let out = alice
        .commit(CommitOptions::default().add_member(bob_kp.key_package.clone()))
        .unwrap();
    alice.merge_pending_commit().unwrap();
    let welcome = out.welcome.unwrap().into_welcome().unwrap();
    let mut tree = alice.ratchet_tree().clone();
    let bob_leaf = tree
        .find_leaf(|l| l.signature_key() == bob_kp.key_package.leaf_node.signature_key.as_bytes())
        .unwrap();
    let aw = annotate_welcome(cs(&p), &mut tree, welcome, alice.own_leaf(), bob_leaf).unwrap();
    let bob = PartialMember::join(
        cs(&p),
        &aw,
        &bob_kp.key_package,
        &bob_kp.init_private_key,
        bob_kp.encryption_private_key.clone(),
        &[],
    )
    .unwrap();
    assert_eq!(bob.epoch_authenticator(), alice.epoch_authenticator());
    assert_eq!(bob.own_leaf(), bob_leaf);
    World {
        p,
        alice,
        bob,
        welcome: aw,
        bob_kp,
    }
}

/// Alice commits `opts`; returns the commit annotated for Bob.
fn commit_for_bob(w: &mut World, opts: CommitOptions, added: usize) -> AnnotatedCommit {
    let has_path = opts.path == PathChoice::Always;
    let mut before: RatchetTree = w.alice.ratchet_tree().clone();
    let out = w.alice.commit(opts).unwrap();
    w.alice.merge_pending_commit().unwrap();
    let mut after: RatchetTree = w.alice.ratchet_tree().clone();
    let size = after.size().leaf_count();
    // The added leaves are the last `added` occupied leaves (filled left to right here).
    let occupied: Vec<LeafIndex> = (0..size)
        .map(LeafIndex)
        .filter(|l| after.leaf(*l).is_some())
        .collect();
    let added = occupied[occupied.len() - added..].to_vec();
    let mut annotator = CommitAnnotator {
        tree_before: &mut before,
        tree_after: &mut after,
        committer: w.alice.own_leaf(),
        new_member: false,
        has_path,
        added,
    };
    annotator
        .annotate(cs(&w.p), out.commit, w.bob.own_leaf())
        .unwrap()
}

fn follow(w: &mut World, ac: &AnnotatedCommit) {
    let out = w.bob.process_commit(cs(&w.p), ac, &[]).unwrap();
    w.bob = out.member;
    assert_eq!(w.bob.epoch_authenticator(), w.alice.epoch_authenticator());
    assert_eq!(w.bob.group_context(), w.alice.group_context());
}

fn full_and_partial_agree(format: HandshakeFormat) {
    let mut w = world(format);
    // A full commit (path), an add without path, a remove (path), and more adds.
    let ac = commit_for_bob(&mut w, CommitOptions::default(), 0);
    follow(&mut w, &ac);
    let opts = CommitOptions {
        path: PathChoice::WhenRequired,
        ..CommitOptions::default()
    };
    let opts = opts
        .add_member(bundle(&w.p, "x0").1.key_package)
        .add_member(bundle(&w.p, "x1").1.key_package);
    let ac = commit_for_bob(&mut w, opts, 2);
    assert!(ac.resolution_index.is_none());
    follow(&mut w, &ac);
    let ac = commit_for_bob(
        &mut w,
        CommitOptions::default().remove_member(LeafIndex(2)),
        0,
    );
    follow(&mut w, &ac);
    let opts = CommitOptions::default()
        .add_member(bundle(&w.p, "y0").1.key_package)
        .add_member(bundle(&w.p, "y1").1.key_package)
        .add_member(bundle(&w.p, "y2").1.key_package);
    let ac = commit_for_bob(&mut w, opts, 3);
    follow(&mut w, &ac);
    let ac = commit_for_bob(&mut w, CommitOptions::default(), 0);
    follow(&mut w, &ac);

    // Application messages.
    let msg = w.alice.encrypt_application(b"hello partial", b"").unwrap();
    let MlsMessageBody::PrivateMessage(pm) = msg.body else {
        panic!("application messages are PrivateMessages")
    };
    let mut tree = w.alice.ratchet_tree().clone();
    let sam = SenderAuthenticatedMessage::<PrivateMessage>::create(
        cs(&w.p),
        pm,
        &mut tree,
        w.alice.own_leaf(),
    )
    .unwrap();
    // A proof of another leaf: refused, and the message key is not burnt.
    let mut bad = sam.clone();
    bad.sender_membership_proof =
        MembershipProof::create(cs(&w.p), &mut tree, w.bob.own_leaf()).unwrap();
    assert_eq!(
        partial_err(w.bob.open_application(cs(&w.p), bad)),
        PartialError::SenderLeafMismatch
    );
    let data = w.bob.open_application(cs(&w.p), sam).unwrap();
    assert_eq!(data, b"hello partial");
}

#[test]
fn partial_member_follows_public_commits() {
    full_and_partial_agree(HandshakeFormat::Public);
}

#[test]
fn partial_member_follows_private_commits() {
    full_and_partial_agree(HandshakeFormat::Private);
}

#[test]
fn join_checks() {
    let w = world(HandshakeFormat::Public);
    let cs = cs(&w.p);
    let join = |aw: &AnnotatedWelcome| {
        PartialMember::join(
            cs,
            aw,
            &w.bob_kp.key_package,
            &w.bob_kp.init_private_key,
            w.bob_kp.encryption_private_key.clone(),
            &[],
        )
    };
    let mut tree = w.alice.ratchet_tree().clone();
    let other = MembershipProof::create(cs, &mut tree, LeafIndex(1)).unwrap();

    let mut bad = w.welcome.clone();
    bad.welcome.sender_membership_proof = other.clone();
    assert_eq!(
        partial_err(join(&bad)),
        PartialError::GroupInfoSignerMismatch
    );

    let mut bad = w.welcome.clone();
    bad.joiner_membership_proof = other;
    assert_eq!(partial_err(join(&bad)), PartialError::JoinerLeafMismatch);

    let mut bad = w.welcome.clone();
    bad.joiner_membership_proof.copath_hashes[0].hash_value[0] ^= 1;
    assert_eq!(
        partial_err(join(&bad)),
        PartialError::ProofsReferenceDifferentTrees
    );

    // Both proofs of another tree (consistent with each other, not with the GroupInfo).
    let mut bad = w.welcome.clone();
    bad.joiner_membership_proof.copath_hashes[0].hash_value[0] ^= 1;
    bad.welcome.sender_membership_proof = bad.joiner_membership_proof.clone();
    bad.welcome.sender_membership_proof.leaf_index =
        w.welcome.welcome.sender_membership_proof.leaf_index;
    assert!(join(&bad).is_err());
}

#[test]
fn commit_checks() {
    let mut w = world(HandshakeFormat::Public);
    let p = w.p.clone();
    let cs_ = cs(&p);
    let with_path = commit_for_bob(&mut w, CommitOptions::default(), 0);
    let bob = w.bob.clone();
    let run = |ac: &AnnotatedCommit| bob.process_commit(cs_, ac, &[]);

    let mut bad = with_path.clone();
    bad.sender_membership_proof = None;
    assert_eq!(partial_err(run(&bad)), PartialError::MissingSenderProof);

    let mut bad = with_path.clone();
    bad.sender_membership_proof = Some(with_path.receiver_membership_proof_after.clone());
    assert_eq!(partial_err(run(&bad)), PartialError::SenderLeafMismatch);

    let mut bad = with_path.clone();
    if let MlsMessageBody::PublicMessage(m) = &mut bad.commit.body {
        m.content.sender = Sender::NewMemberCommit;
    }
    assert_eq!(partial_err(run(&bad)), PartialError::UnexpectedSenderProof);

    let mut bad = with_path.clone();
    if let MlsMessageBody::PublicMessage(m) = &mut bad.commit.body {
        m.content.sender = Sender::External(0);
    }
    bad.sender_membership_proof = None;
    assert_eq!(
        partial_err(run(&bad)),
        PartialError::UnsupportedCommitSender
    );

    let mut bad = with_path.clone();
    bad.commit = w.alice.encrypt_application(b"not a commit", b"").unwrap();
    assert_eq!(partial_err(run(&bad)), PartialError::NotACommit);

    let mut bad = with_path.clone();
    bad.tree_hash_after[0] ^= 1;
    assert_eq!(partial_err(run(&bad)), PartialError::ProofTreeHashMismatch);

    let mut bad = with_path.clone();
    bad.receiver_membership_proof_after = with_path.sender_membership_proof.clone().unwrap();
    assert_eq!(
        partial_err(run(&bad)),
        PartialError::ProofsReferenceDifferentTrees
    );

    let mut bad = with_path.clone();
    bad.receiver_membership_proof_after = with_path.sender_membership_proof_after.clone();
    assert_eq!(partial_err(run(&bad)), PartialError::ProofLeafIndexMismatch);

    let mut bad = with_path.clone();
    bad.resolution_index = None;
    assert_eq!(partial_err(run(&bad)), PartialError::MissingResolutionIndex);

    let mut bad = with_path.clone();
    bad.resolution_index = Some(99);
    assert_eq!(
        partial_err(run(&bad)),
        PartialError::ResolutionIndexOutOfRange
    );

    // A member that lost its keys.
    let keyless = PartialMember::from_state(PartialState {
        group_context: bob.group_context().clone(),
        interim_transcript_hash: bob.interim_transcript_hash().to_vec(),
        epoch_secrets: bob.epoch_secrets().clone(),
        own_leaf: bob.own_leaf(),
        n_leaves: bob.tree_size().leaf_count(),
        keys: Vec::new(),
    })
    .unwrap();
    assert_eq!(
        partial_err(keyless.process_commit(cs_, &with_path, &[])),
        PartialError::NoDecryptionKey
    );

    // The genuine commit still processes: nothing above changed the member.
    let next = run(&with_path).unwrap().member;
    assert_eq!(next.epoch_authenticator(), w.alice.epoch_authenticator());

    // A commit without path.
    w.bob = next;
    let opts = CommitOptions {
        path: PathChoice::WhenRequired,
        ..CommitOptions::default()
    };
    let opts = opts.add_member(bundle(&w.p, "z").1.key_package);
    let no_path = commit_for_bob(&mut w, opts, 1);
    let mut bad = no_path.clone();
    bad.resolution_index = Some(0);
    assert_eq!(
        partial_err(w.bob.process_commit(cs_, &bad, &[])),
        PartialError::UnexpectedResolutionIndex
    );
    w.bob.process_commit(cs_, &no_path, &[]).unwrap();

    // The annotator refuses to annotate for the committer itself.
    let mut t1 = w.alice.ratchet_tree().clone();
    let mut t2 = t1.clone();
    let mut annotator = CommitAnnotator {
        tree_before: &mut t1,
        tree_after: &mut t2,
        committer: w.alice.own_leaf(),
        new_member: false,
        has_path: true,
        added: Vec::new(),
    };
    assert_eq!(
        partial_err(annotator.annotate(cs_, no_path.commit.clone(), w.alice.own_leaf())),
        PartialError::ReceiverIsCommitter
    );
}

#[test]
fn update_path_checks() {
    let mut w = world(HandshakeFormat::Public);
    let p = w.p.clone();
    let cs_ = cs(&p);
    let ac = commit_for_bob(&mut w, CommitOptions::default(), 0);
    let MlsMessageBody::PublicMessage(m) = &ac.commit.body else {
        panic!("public commit")
    };
    let crate::framing::FramedContentBody::Commit(commit) = &m.content.body else {
        panic!("commit")
    };
    let path = commit.path.clone().unwrap();
    let sender = &ac.sender_membership_proof_after;
    let receiver = &ac.receiver_membership_proof_after;
    let keys = w.bob.keys.clone();
    let index = ac.resolution_index.unwrap();

    let mut short = path.clone();
    short.nodes.pop();
    assert_eq!(
        partial_err(process_update_path(
            cs_, &short, index, sender, receiver, &keys, b""
        )),
        PartialError::UpdatePathLengthMismatch
    );
    assert_eq!(
        partial_err(process_update_path(
            cs_, &path, index, sender, sender, &keys, b""
        )),
        PartialError::ReceiverIsCommitter
    );
    // The context is part of the HPKE encryption: decrypt with the real one, then
    // check the derived keys against a receiver proof whose root key was changed.
    let bob = w.bob.clone();
    let good = bob.process_commit(cs_, &ac, &[]).unwrap();
    let provisional = {
        let mut gc = bob.group_context().clone();
        gc.epoch += 1;
        gc.tree_hash = ac.tree_hash_after.clone();
        gc.encode().unwrap()
    };
    let ok = process_update_path(cs_, &path, index, sender, receiver, &keys, &provisional).unwrap();
    assert_eq!(ok.commit_secret.as_secret(), &good.commit_secret);
    let mut wrong = receiver.clone();
    let last = wrong.direct_path_nodes.len() - 1;
    if let Some(crate::ratchet_tree::Node::Parent(p)) = &mut wrong.direct_path_nodes[last] {
        p.encryption_key = path.leaf_node.encryption_key.clone();
    }
    assert_eq!(
        partial_err(process_update_path(
            cs_,
            &path,
            index,
            sender,
            &wrong,
            &keys,
            &provisional
        )),
        PartialError::PathPublicKeyMismatch
    );
}

#[test]
fn handshake_message_is_not_application_data() {
    let mut w = world(HandshakeFormat::Private);
    let msg: MlsMessage = w.alice.propose_update().unwrap();
    let MlsMessageBody::PrivateMessage(pm) = msg.body else {
        panic!("private handshake")
    };
    let mut tree = w.alice.ratchet_tree().clone();
    let sam = SenderAuthenticatedMessage::<PrivateMessage>::create(
        cs(&w.p),
        pm,
        &mut tree,
        w.alice.own_leaf(),
    )
    .unwrap();
    assert_eq!(
        partial_err(w.bob.open_application(cs(&w.p), sam)),
        PartialError::NotApplicationMessage
    );
}

#[test]
fn partial_member_follows_an_external_commit() {
    use crate::group::{ExternalCommitOptions, GroupInfoOptions, PskStore};
    let w = world(HandshakeFormat::Public);
    let p = w.p.clone();
    let cs_ = cs(&p);
    let gi = w
        .alice
        .group_info(GroupInfoOptions {
            ratchet_tree: true,
            external_pub: true,
        })
        .unwrap();
    let mut before = w.alice.ratchet_tree().clone();
    let (carol_id, _) = bundle(&p, "carol");
    let (carol, out) = Group::join_by_external_commit(
        p.clone(),
        &gi,
        None,
        carol_id,
        GroupConfig::default(),
        &PskStore::new(),
        ExternalCommitOptions::default(),
    )
    .unwrap();
    let mut after = carol.ratchet_tree().clone();
    let mut annotator = CommitAnnotator {
        tree_before: &mut before,
        tree_after: &mut after,
        committer: carol.own_leaf(),
        new_member: true,
        has_path: true,
        added: Vec::new(),
    };
    let ac = annotator
        .annotate(cs_, out.commit.clone(), w.bob.own_leaf())
        .unwrap();
    assert!(ac.sender_membership_proof.is_none());
    // A sender proof on a new member's commit is refused.
    let mut bad = ac.clone();
    bad.sender_membership_proof = Some(ac.sender_membership_proof_after.clone());
    assert_eq!(
        partial_err(w.bob.process_commit(cs_, &bad, &[])),
        PartialError::UnexpectedSenderProof
    );
    let next = w.bob.process_commit(cs_, &ac, &[]).unwrap().member;
    assert_eq!(next.epoch_authenticator(), carol.epoch_authenticator());
}

/// RFC 9420 §9.2: the `encryption_secret` lives only as the root of the secret tree, which
/// deletes what it consumes. A partial member kept a copy beside its secret tree for the
/// whole epoch (anyone who read its state could re-derive message keys it had deleted);
/// after a join and after each Commit its epoch secrets now hold no copy, and messages still
/// decrypt.
#[test]
fn partial_member_keeps_no_encryption_secret() {
    let mut w = world(HandshakeFormat::Public);
    assert!(
        w.bob
            .epoch_secrets()
            .encryption_secret
            .as_bytes()
            .is_empty()
    );
    let ac = commit_for_bob(&mut w, CommitOptions::default(), 0);
    let out = w.bob.process_commit(cs(&w.p), &ac, &[]).unwrap();
    assert!(!out.encryption_secret.as_bytes().is_empty());
    assert!(
        out.member
            .epoch_secrets()
            .encryption_secret
            .as_bytes()
            .is_empty()
    );
    w.bob = out.member;
    assert_eq!(w.bob.epoch_authenticator(), w.alice.epoch_authenticator());
}
