//! `PublicGroup` (a server's secret-free view of a group) following a large group through
//! many commits, and refusing tampered commits and PrivateMessages (RFC 9420 §6.2,
//! §12.4.2, §16.9).

mod common;

use std::sync::Arc;
use std::time::Instant;

use common::{SUITE, group_with, new_client, provider};
use melos::framing::{
    AuthenticatedContent, FramedContentBody, FramingContext, MlsMessage, MlsMessageBody, WireFormat,
};
use melos::group::{
    CommitOptions, ExternalCommitOptions, Group, GroupConfig, GroupInfoOptions, HandshakeFormat,
    PathChoice, ProcessedContent, PskStore, PublicGroup, PublicOutcome,
};
use melos::messages::{Commit, GroupContext, Proposal, ProposalOrRef, Remove};
use melos::ratchet_tree::TreeView;
use melos::tree_math::LeafIndex;
use melos::{CryptoProvider, Error, FramingError, GroupError, TreeKemError};

fn config() -> GroupConfig {
    GroupConfig {
        handshake_format: HandshakeFormat::Public,
        ..GroupConfig::default()
    }
}

/// A view of the group from `g`'s GroupInfo (tree inside, no `external_pub`).
fn view(p: &Arc<dyn CryptoProvider>, g: &Group) -> PublicGroup {
    let gi = g
        .group_info(GroupInfoOptions {
            ratchet_tree: true,
            external_pub: false,
        })
        .unwrap();
    PublicGroup::from_group_info(p.clone(), &gi, None, config()).unwrap()
}

/// Everything the view shows, to check that a refused message changed nothing.
fn snapshot(pg: &PublicGroup) -> (GroupContext, Vec<u8>, Vec<u8>, usize) {
    (
        pg.group_context().clone(),
        pg.export_tree().unwrap(),
        pg.interim_transcript_hash().to_vec(),
        pg.cached_proposals().len(),
    )
}

/// The view and every live member agree: epoch, GroupContext (tree hash, transcript
/// hash, extensions), tree, and membership (the members' own leaves are the view's).
fn check_agree(pg: &PublicGroup, members: &[Group]) {
    for g in members {
        assert_eq!(g.epoch(), pg.epoch());
        assert_eq!(g.group_context(), pg.group_context());
    }
    assert_eq!(pg.tree_hash(), members[0].group_context().tree_hash);
    let mut own: Vec<u32> = members.iter().map(|g| g.own_leaf().0).collect();
    own.sort_unstable();
    let seen: Vec<u32> = pg.members().iter().map(|m| m.index.0).collect();
    assert_eq!(own, seen);
    assert_eq!(pg.members(), members[0].members());
    assert_eq!(
        pg.export_tree().unwrap(),
        members[0].ratchet_tree().encode_extension().unwrap()
    );
}

/// Every member but `from` processes a proposal; the view caches it.
fn send_proposal(pg: &mut PublicGroup, members: &mut [Group], from: usize, msg: &MlsMessage) {
    let PublicOutcome::ProposalCached(_) = pg.process(msg).unwrap() else {
        panic!("proposal not cached");
    };
    for (i, g) in members.iter_mut().enumerate() {
        if i != from {
            g.process(msg, None).unwrap();
        }
    }
}

/// The view processes `commit` first, then the members (the committer `from`, if any,
/// merges its pending commit); removed members are dropped. Returns the view's outcome.
fn send_commit(
    pg: &mut PublicGroup,
    members: &mut Vec<Group>,
    from: Option<usize>,
    commit: &MlsMessage,
) -> Box<melos::group::EpochChange> {
    let PublicOutcome::NewEpoch(change) = pg.process(commit).unwrap() else {
        panic!("no new epoch");
    };
    let mut kept = Vec::with_capacity(members.len());
    for (i, mut g) in members.drain(..).enumerate() {
        if Some(i) == from {
            g.merge_pending_commit().unwrap();
            kept.push(g);
            continue;
        }
        let ProcessedContent::Commit(staged) = g.process(commit, None).unwrap().content else {
            panic!("not a commit");
        };
        let removed = staged.removes_self();
        g.merge_staged_commit(*staged).unwrap();
        if !removed {
            kept.push(g);
        }
    }
    *members = kept;
    change
}

/// A deterministic index in `0..len` other than those in `not`.
fn pick(seed: usize, len: usize, not: &[usize]) -> usize {
    let mut x = seed.wrapping_mul(2_654_435_761) % len;
    while not.contains(&x) {
        x = (x + 1) % len;
    }
    x
}

#[test]
fn follows_a_100_member_group_through_50_commits() {
    let start = Instant::now();
    let p = provider();
    let names: Vec<String> = (1..100).map(|i| format!("m{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut members = group_with(&p, b"big group", &refs, &config());
    let mut pg = view(&p, &members[0]);
    check_agree(&pg, &members);
    let setup = start.elapsed();
    let mut joiners = 0usize;
    let mut counts = [0usize; 7];
    for round in 0..50usize {
        let n = members.len();
        let c = pick(round * 7 + 3, n, &[]);
        let op = if round == 25 { 6 } else { round % 6 };
        counts[op] += 1;
        match op {
            // Two Adds by value, with a path; the joiners take the tree from the view.
            0 | 3 => {
                let mut opts = CommitOptions::default();
                if op == 3 {
                    opts.path = PathChoice::WhenRequired;
                }
                let k = if op == 0 { 2 } else { 1 };
                let mut clients = Vec::new();
                for _ in 0..k {
                    joiners += 1;
                    let (id, kp) = new_client(&p, &format!("joiner{joiners}"));
                    opts = opts.add_member(kp.key_package.clone());
                    clients.push((id, kp));
                }
                let out = members[c].commit(opts).unwrap();
                let change = send_commit(&mut pg, &mut members, Some(c), &out.commit);
                assert_eq!(change.added.len(), k);
                assert_eq!(change.path, op == 0);
                let tree = pg.export_tree().unwrap();
                let welcome = out.welcome.unwrap();
                for (id, kp) in clients {
                    let g = Group::join(
                        p.clone(),
                        &welcome,
                        &kp,
                        id,
                        Some(&tree),
                        config(),
                        &PskStore::new(),
                    )
                    .unwrap();
                    members.push(g);
                }
            }
            // A Remove by value (a path is required).
            1 => {
                let v = pick(round * 13 + 5, n, &[c]);
                let victim = members[v].own_leaf();
                let opts = CommitOptions::default().remove_member(victim);
                let out = members[c].commit(opts).unwrap();
                let change = send_commit(&mut pg, &mut members, Some(c), &out.commit);
                assert_eq!(change.removed.len(), 1);
                assert_eq!(change.removed[0].index, victim);
            }
            // An Update proposal, committed by reference by another member.
            2 => {
                let u = pick(round * 11 + 1, n, &[c]);
                let msg = members[u].propose_update().unwrap();
                send_proposal(&mut pg, &mut members, u, &msg);
                let out = members[c].commit(CommitOptions::default()).unwrap();
                let updated = members[u].own_leaf();
                let change = send_commit(&mut pg, &mut members, Some(c), &out.commit);
                assert_eq!(change.updated.len(), 1);
                assert_eq!(change.updated[0].index, updated);
            }
            // A Remove proposal by one member, committed by reference by another.
            4 => {
                let a = pick(round * 17 + 2, n, &[c]);
                let v = pick(round * 19 + 7, n, &[c, a]);
                let victim = members[v].own_leaf();
                let msg = members[a]
                    .propose(Proposal::Remove(Remove { removed: victim }))
                    .unwrap();
                send_proposal(&mut pg, &mut members, a, &msg);
                let opts = CommitOptions {
                    path: PathChoice::WhenRequired,
                    ..CommitOptions::default()
                };
                let out = members[c].commit(opts).unwrap();
                let change = send_commit(&mut pg, &mut members, Some(c), &out.commit);
                assert_eq!(change.removed[0].index, victim);
                assert!(change.path);
            }
            // An empty Commit with a path (key rotation).
            5 => {
                let out = members[c].commit(CommitOptions::default()).unwrap();
                let change = send_commit(&mut pg, &mut members, Some(c), &out.commit);
                assert_eq!(change.committer, members[c].own_leaf());
            }
            // An external join from a member's GroupInfo.
            _ => {
                let gi = members[c].group_info(GroupInfoOptions::default()).unwrap();
                let (id, _) = new_client(&p, "external joiner");
                let (joiner, out) = Group::join_by_external_commit(
                    p.clone(),
                    &gi,
                    None,
                    id,
                    config(),
                    &PskStore::new(),
                    ExternalCommitOptions::default(),
                )
                .unwrap();
                let change = send_commit(&mut pg, &mut members, None, &out.commit);
                assert_eq!(change.added[0].index, joiner.own_leaf());
                members.push(joiner);
            }
        }
        check_agree(&pg, &members);
        if round % 10 == 9 {
            // A server restarts: the saved view carries on.
            let bytes = pg.to_bytes().unwrap();
            pg = PublicGroup::from_bytes(p.clone(), &bytes, config()).unwrap();
        }
    }
    assert_eq!(pg.epoch(), 51);
    assert!(counts.iter().all(|&k| k > 0));
    eprintln!(
        "public_group: {} members at the end; setup {:?}, total {:?}",
        members.len(),
        setup,
        start.elapsed()
    );
}

/// `msg`'s Commit edited by `edit` and signed again with `signer`'s key in its current
/// epoch: a valid signature over tampered content (the confirmation and membership tags,
/// which the view cannot check, are kept).
fn resign(
    p: &Arc<dyn CryptoProvider>,
    msg: &MlsMessage,
    signer: &Group,
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
    let ctx = FramingContext::new(signer.group_context().clone()).unwrap();
    let ac = AuthenticatedContent::sign(
        cs,
        WireFormat::MLS_PUBLIC_MESSAGE,
        pm.content.clone(),
        &signer.identity().key_pair().unwrap().private_key,
        &ctx,
    )
    .unwrap();
    pm.auth.signature = ac.auth.signature;
    MlsMessage::new(MlsMessageBody::PublicMessage(pm))
}

/// `bad` is refused with `err` and leaves the view as it was; `good` then goes through.
fn refused_then_accepts(pg: &mut PublicGroup, bad: &MlsMessage, err: Error, good: &MlsMessage) {
    let before = snapshot(pg);
    assert_eq!(pg.process(bad).unwrap_err(), err);
    assert_eq!(snapshot(pg), before);
    pg.process(good).unwrap();
}

#[test]
fn tampered_commit_with_bad_signature_is_refused() {
    let p = provider();
    let mut members = group_with(&p, b"g", &["b", "c", "d"], &config());
    let mut pg = view(&p, &members[0]);
    let out = members[1].commit(CommitOptions::default()).unwrap();
    let mut bad = out.commit.clone();
    let MlsMessageBody::PublicMessage(pm) = &mut bad.body else {
        panic!("not a PublicMessage");
    };
    pm.auth.signature[3] ^= 1;
    refused_then_accepts(
        &mut pg,
        &bad,
        Error::Framing(FramingError::InvalidSignature),
        &out.commit,
    );
    members[1].merge_pending_commit().unwrap();
    assert_eq!(pg.group_context(), members[1].group_context());
}

#[test]
fn tampered_commit_with_invalid_parent_hash_is_refused() {
    let p = provider();
    let mut members = group_with(&p, b"g", &["b", "c", "d"], &config());
    let mut pg = view(&p, &members[0]);
    let out = members[2].commit(CommitOptions::default()).unwrap();
    let cs = p.suite(SUITE).unwrap();
    let fresh = cs.kem_generate_key_pair().unwrap().public_key;
    // A valid key, but not the one the leaf's parent hash covers (RFC 9420 §7.9.2).
    let bad = resign(&p, &out.commit, &members[2], |c| {
        c.path.as_mut().unwrap().nodes[0].encryption_key = fresh;
    });
    refused_then_accepts(
        &mut pg,
        &bad,
        Error::TreeKem(TreeKemError::ParentHashMismatch),
        &out.commit,
    );
    members[2].merge_pending_commit().unwrap();
    assert_eq!(pg.group_context(), members[2].group_context());
}

#[test]
fn tampered_commit_with_proposal_for_blank_leaf_is_refused() {
    let p = provider();
    let mut members = group_with(&p, b"g", &["b", "c", "d"], &config());
    let mut pg = view(&p, &members[0]);
    let out = members[0]
        .commit(CommitOptions::default().remove_member(LeafIndex(1)))
        .unwrap();
    send_commit(&mut pg, &mut members, Some(0), &out.commit);
    assert!(pg.member(LeafIndex(1)).is_none());
    let out = members[0].commit(CommitOptions::default()).unwrap();
    let bad = resign(&p, &out.commit, &members[0], |c| {
        c.proposals
            .push(ProposalOrRef::Proposal(Proposal::Remove(Remove {
                removed: LeafIndex(1),
            })));
    });
    refused_then_accepts(
        &mut pg,
        &bad,
        Error::Group(GroupError::RemoveOfNonMember),
        &out.commit,
    );
}

#[test]
fn private_messages_are_refused() {
    let p = provider();
    let private = GroupConfig {
        handshake_format: HandshakeFormat::Private,
        ..GroupConfig::default()
    };
    let mut members = group_with(&p, b"g", &["b"], &private);
    let mut pg = view(&p, &members[0]);
    let before = snapshot(&pg);
    let out = members[0].commit(CommitOptions::default()).unwrap();
    assert!(matches!(out.commit.body, MlsMessageBody::PrivateMessage(_)));
    assert_eq!(
        pg.process(&out.commit).unwrap_err(),
        Error::Group(GroupError::PrivateMessageUnreadable)
    );
    let app = members[1].encrypt_application(b"hello", b"").unwrap();
    assert_eq!(
        pg.process(&app).unwrap_err(),
        Error::Group(GroupError::PrivateMessageUnreadable)
    );
    assert_eq!(snapshot(&pg), before);
}
