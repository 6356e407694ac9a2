//! A hostile Delivery Service and malicious members (RFC 9420 §16.9, RFC 9750): replays,
//! echoes and proposals no committer can use must not freeze a group; outsiders' proposals
//! wait for the application (issue #12, items 1 and 2).

use std::sync::Arc;

use melos::crypto::Secret;
use melos::framing::{MlsMessage, Sender};
use melos::group::{
    CommitOptions, Group, GroupConfig, GroupHooks, GroupInfoOptions, ProcessedContent,
    ProposalDecision, ProposalInfo, ProposalPolicy, ProposalStatus, SigningIdentity,
    default_decision, new_member_add_proposal,
};
use melos::messages::{
    Add, ApplicationId, Credential, Extensions, GroupContextExtensions, Lifetime, Proposal, Remove,
};
use melos::tree_math::LeafIndex;
use melos::{CryptoProvider, Error, GroupError};

mod common;
use common::{SUITE, new_client, provider};

/// Alice, Bob and Carol, joined by Welcome, with `config`.
fn three_members(p: &Arc<dyn CryptoProvider>, config: GroupConfig) -> Vec<Group> {
    common::group_with(p, b"ds", &["bob", "carol"], &config)
}

/// Every member but `from` processes `msg` (a proposal).
fn deliver_proposal(groups: &mut [Group], from: Option<usize>, msg: &MlsMessage) {
    for (i, g) in groups.iter_mut().enumerate() {
        if Some(i) != from {
            let m = g.process(msg, None).unwrap();
            assert!(matches!(m.content, ProcessedContent::Proposal(..)));
        }
    }
}

/// `groups[from]` commits what it has; everyone merges; all agree; then every member sends
/// an application message that every other member reads.
fn commit_and_talk(groups: &mut Vec<Group>, from: usize) -> melos::group::CommitOutput {
    let out = groups[from]
        .commit(CommitOptions::default().with_ratchet_tree())
        .unwrap();
    for (i, g) in groups.iter_mut().enumerate() {
        if i == from {
            g.merge_pending_commit().unwrap();
            continue;
        }
        let m = g.process(&out.commit, None).unwrap();
        let ProcessedContent::Commit(s) = m.content else {
            panic!("not a commit")
        };
        g.merge_staged_commit(*s).unwrap();
    }
    groups.retain(Group::is_active);
    talk(groups);
    out
}

/// Every member sends an application message every other member reads; all agree.
fn talk(groups: &mut [Group]) {
    for g in groups.iter() {
        assert_eq!(g.epoch_authenticator(), groups[0].epoch_authenticator());
    }
    for i in 0..groups.len() {
        let msg = groups[i].encrypt_application(b"still here", b"").unwrap();
        for (j, g) in groups.iter_mut().enumerate() {
            if j != i {
                let m = g.process(&msg, None).unwrap();
                assert!(
                    matches!(m.content, ProcessedContent::Application(d) if d == b"still here")
                );
            }
        }
    }
}

fn left_out_reasons(out: &melos::group::CommitOutput) -> Vec<GroupError> {
    out.left_out
        .iter()
        .map(|l| match &l.reason {
            Error::Group(g) => *g,
            e => panic!("unexpected reason {e:?}"),
        })
        .collect()
}

#[test]
fn a_replayed_add_proposal_is_stored_once() {
    let p = provider();
    let mut g = three_members(&p, GroupConfig::default());
    let (_, dave) = new_client(&p, "dave");
    let msg = g[0]
        .propose(Proposal::Add(Box::new(Add {
            key_package: dave.key_package,
        })))
        .unwrap();
    deliver_proposal(&mut g, Some(0), &msg);
    // The Delivery Service replays it to Bob.
    assert_eq!(
        g[1].process(&msg, None).unwrap_err(),
        Error::Group(GroupError::DuplicateProposal)
    );
    assert_eq!(g[1].pending_proposals().count(), 1);
    let out = commit_and_talk(&mut g, 1);
    assert!(out.left_out.is_empty());
    assert!(out.welcome.is_some());
}

#[test]
fn an_echoed_proposal_is_stored_once_by_its_sender() {
    let p = provider();
    let mut g = three_members(&p, GroupConfig::default());
    let (_, dave) = new_client(&p, "dave");
    let msg = g[0]
        .propose(Proposal::Add(Box::new(Add {
            key_package: dave.key_package,
        })))
        .unwrap();
    deliver_proposal(&mut g, Some(0), &msg);
    // The Delivery Service echoes it back to Alice.
    let before = g[0].to_bytes().unwrap();
    assert_eq!(
        g[0].process(&msg, None).unwrap_err(),
        Error::Group(GroupError::DuplicateProposal)
    );
    assert_eq!(g[0].to_bytes().unwrap().as_bytes(), before.as_bytes());
    commit_and_talk(&mut g, 0);
}

#[test]
fn two_adds_of_one_client_commit_one() {
    let p = provider();
    let mut g = three_members(&p, GroupConfig::default());
    let (_, dave) = new_client(&p, "dave");
    let add = Proposal::Add(Box::new(Add {
        key_package: dave.key_package,
    }));
    // The same Add from two members: two references, one client.
    let m1 = g[0].propose(add.clone()).unwrap();
    deliver_proposal(&mut g, Some(0), &m1);
    let m2 = g[1].propose(add).unwrap();
    deliver_proposal(&mut g, Some(1), &m2);
    assert_eq!(g[2].pending_proposals().count(), 2);
    let out = commit_and_talk(&mut g, 2);
    assert_eq!(left_out_reasons(&out), [GroupError::DuplicateAdd]);
}

#[test]
fn two_updates_from_one_member_commit_the_most_recent() {
    let p = provider();
    let mut g = three_members(&p, GroupConfig::default());
    let u1 = g[1].propose_update().unwrap();
    deliver_proposal(&mut g, Some(1), &u1);
    let u2 = g[1].propose_update().unwrap();
    deliver_proposal(&mut g, Some(1), &u2);
    let out = commit_and_talk(&mut g, 0);
    assert_eq!(left_out_reasons(&out), [GroupError::MultipleChangesForLeaf]);
    let first = g[2].pending_proposals().count();
    assert_eq!(first, 0);
}

#[test]
fn a_psk_only_its_sender_knows_is_left_out() {
    let p = provider();
    let mut g = three_members(&p, GroupConfig::default());
    let id = b"bob's secret".to_vec();
    g[1].psk_store_mut()
        .insert(id.clone(), Secret::from(vec![7u8; 32]));
    let psk = g[1].external_psk_proposal(&id).unwrap();
    let msg = g[1].propose(psk).unwrap();
    deliver_proposal(&mut g, Some(1), &msg);
    let out = commit_and_talk(&mut g, 0);
    assert_eq!(left_out_reasons(&out), [GroupError::UnknownPsk]);
    // Once everyone knows it, Bob's next PSK proposal is committed.
    for m in g.iter_mut() {
        m.psk_store_mut()
            .insert(id.clone(), Secret::from(vec![7u8; 32]));
    }
    let psk = g[1].external_psk_proposal(&id).unwrap();
    let msg = g[1].propose(psk).unwrap();
    deliver_proposal(&mut g, Some(1), &msg);
    let out = commit_and_talk(&mut g, 2);
    assert!(out.left_out.is_empty());
}

#[test]
fn pending_proposals_can_be_discarded() {
    let p = provider();
    let mut g = three_members(&p, GroupConfig::default());
    let u = g[1].propose_update().unwrap();
    deliver_proposal(&mut g, Some(1), &u);
    let r = g[0].pending_proposals().next().unwrap().reference.clone();
    assert_eq!(
        g[0].encrypt_application(b"x", b"").unwrap_err(),
        Error::Group(GroupError::ProposalsPending)
    );
    let dropped = g[0].discard_proposal(&r).unwrap();
    assert!(matches!(dropped, Proposal::Update(_)));
    assert_eq!(
        g[0].discard_proposal(&r).unwrap_err(),
        Error::Group(GroupError::UnknownProposalRef)
    );
    g[0].encrypt_application(b"x", b"").unwrap();
}

#[test]
fn an_outsiders_add_waits_for_the_application() {
    let p = provider();
    let mut g = three_members(&p, GroupConfig::default());
    let gi = g[0].group_info(GroupInfoOptions::default()).unwrap();
    let (erin_id, erin_kp) = new_client(&p, "erin");
    let msg = new_member_add_proposal(&p, &gi, &erin_kp.key_package, &erin_id, &[]).unwrap();
    deliver_proposal(&mut g, None, &msg);
    let pending = g[0].pending_proposals().next().unwrap();
    assert_eq!(pending.status, ProposalStatus::Held);
    assert_eq!(pending.sender, Sender::NewMemberProposal);
    let reference = pending.reference.clone();
    // Held proposals do not block application messages, and a plain commit leaves them out.
    talk(&mut g);
    let out = commit_and_talk(&mut g, 0);
    assert_eq!(left_out_reasons(&out), [GroupError::ProposalHeld]);
    assert!(out.welcome.is_none());
    assert_eq!(g[0].member_count(), 3);

    // Once the application approves it, the next commit covers it.
    let msg = new_member_add_proposal(
        &p,
        &g[0].group_info(GroupInfoOptions::default()).unwrap(),
        &erin_kp.key_package,
        &erin_id,
        &[],
    )
    .unwrap();
    deliver_proposal(&mut g, None, &msg);
    let reference2 = g[1].pending_proposals().next().unwrap().reference.clone();
    assert_ne!(reference, reference2);
    g[1].approve_proposal(&reference2).unwrap();
    let out = commit_and_talk(&mut g, 1);
    assert!(out.left_out.is_empty());
    assert!(out.welcome.is_some());
    assert_eq!(g[0].member_count(), 4);
}

#[test]
fn held_proposals_are_bounded() {
    let p = provider();
    let config = GroupConfig {
        max_held_proposals: 3,
        ..GroupConfig::default()
    };
    let mut g = three_members(&p, config);
    let gi = g[0].group_info(GroupInfoOptions::default()).unwrap();
    for i in 0..3 {
        let (id, kp) = new_client(&p, &format!("outsider {i}"));
        let msg = new_member_add_proposal(&p, &gi, &kp.key_package, &id, &[]).unwrap();
        g[0].process(&msg, None).unwrap();
    }
    let (id, kp) = new_client(&p, "one too many");
    let msg = new_member_add_proposal(&p, &gi, &kp.key_package, &id, &[]).unwrap();
    let before = g[0].to_bytes().unwrap();
    assert_eq!(
        g[0].process(&msg, None).unwrap_err(),
        Error::Group(GroupError::ProposalPoolFull)
    );
    assert_eq!(g[0].to_bytes().unwrap().as_bytes(), before.as_bytes());
    // Members' proposals still get through, and the group goes on.
    let u = g[1].propose_update().unwrap();
    g[0].process(&u, None).unwrap();
    g[2].process(&u, None).unwrap();
    let out = commit_and_talk(&mut g, 0);
    assert_eq!(left_out_reasons(&out), [GroupError::ProposalHeld; 3]);
}

#[test]
fn a_remove_wins_over_an_update_of_the_same_leaf() {
    let p = provider();
    let mut g = three_members(&p, GroupConfig::default());
    let u = g[1].propose_update().unwrap();
    deliver_proposal(&mut g, Some(1), &u);
    let r = g[2]
        .propose(Proposal::Remove(Remove {
            removed: LeafIndex(1),
        }))
        .unwrap();
    deliver_proposal(&mut g, Some(2), &r);
    let out = commit_and_talk(&mut g, 0);
    assert_eq!(left_out_reasons(&out), [GroupError::MultipleChangesForLeaf]);
    assert_eq!(g.len(), 2);
}

#[test]
fn a_remove_of_the_committer_is_left_out_by_it() {
    let p = provider();
    let mut g = three_members(&p, GroupConfig::default());
    let r = g[1]
        .propose(Proposal::Remove(Remove {
            removed: LeafIndex(0),
        }))
        .unwrap();
    deliver_proposal(&mut g, Some(1), &r);
    let out = commit_and_talk(&mut g, 0);
    assert_eq!(left_out_reasons(&out), [GroupError::RemoveOfCommitter]);
    assert_eq!(g.len(), 3);
    // Another member commits it.
    let r = g[1]
        .propose(Proposal::Remove(Remove {
            removed: LeafIndex(0),
        }))
        .unwrap();
    deliver_proposal(&mut g, Some(1), &r);
    let out = commit_and_talk(&mut g, 2);
    assert!(out.left_out.is_empty());
    assert_eq!(g.len(), 2);
}

#[test]
fn a_reinit_gives_way_to_other_proposals() {
    let p = provider();
    let mut g = three_members(&p, GroupConfig::default());
    let reinit = g[1]
        .reinit_proposal(b"v2".to_vec(), SUITE, Extensions::default())
        .unwrap();
    let r = g[1].propose(reinit).unwrap();
    deliver_proposal(&mut g, Some(1), &r);
    let u = g[2].propose_update().unwrap();
    deliver_proposal(&mut g, Some(2), &u);
    let out = commit_and_talk(&mut g, 0);
    assert_eq!(
        left_out_reasons(&out),
        [GroupError::ReInitWithOtherProposals]
    );
    assert!(g.iter().all(Group::is_active));
}

#[test]
fn the_most_recent_group_context_extensions_wins() {
    let p = provider();
    let mut g = three_members(&p, GroupConfig::default());
    let gce = |data: &[u8]| {
        let mut extensions = Extensions::default();
        extensions.write(&ApplicationId(data.to_vec())).unwrap();
        Proposal::GroupContextExtensions(GroupContextExtensions { extensions })
    };
    let first = g[1].propose(gce(b"first")).unwrap();
    deliver_proposal(&mut g, Some(1), &first);
    let second = g[2].propose(gce(b"second")).unwrap();
    deliver_proposal(&mut g, Some(2), &second);
    let out = commit_and_talk(&mut g, 0);
    assert_eq!(
        left_out_reasons(&out),
        [GroupError::MultipleGroupContextExtensions]
    );
    let got = g[0]
        .group_context()
        .extensions
        .read::<ApplicationId>()
        .unwrap();
    assert_eq!(got, Some(ApplicationId(b"second".to_vec())));
}

#[test]
fn a_conflict_only_applying_shows_is_left_out_one_by_one() {
    // An Add whose KeyPackage was valid when stored (no clock) but has expired by the time
    // of the Commit: the screen cannot see it, the fallback finds it.
    let p = provider();
    let mut g = three_members(&p, GroupConfig::default());
    let cs = p.suite(SUITE).unwrap();
    let dave = SigningIdentity::generate(cs, Credential::Basic(b"dave".to_vec())).unwrap();
    let old = dave
        .key_package(
            cs,
            Lifetime {
                not_before: 0,
                not_after: 1000,
            },
        )
        .unwrap();
    let add = g[1]
        .propose(Proposal::Add(Box::new(Add {
            key_package: old.key_package,
        })))
        .unwrap();
    deliver_proposal(&mut g, Some(1), &add);
    let (_, erin) = new_client(&p, "erin");
    let add = g[2]
        .propose(Proposal::Add(Box::new(Add {
            key_package: erin.key_package,
        })))
        .unwrap();
    deliver_proposal(&mut g, Some(2), &add);
    let out = g[0]
        .commit(CommitOptions {
            now: Some(2000),
            ..CommitOptions::default()
        })
        .unwrap();
    assert_eq!(
        left_out_reasons(&out),
        [GroupError::KeyPackageLifetimeInvalid]
    );
    assert!(out.welcome.is_some());
    g[0].merge_pending_commit().unwrap();
    assert_eq!(g[0].member_count(), 4);
}

/// Refuses members' Adds on receipt and any Commit that covers a Remove.
struct NoAddsNoRemoves;

impl ProposalPolicy for NoAddsNoRemoves {
    fn received(&self, proposal: &ProposalInfo<'_>) -> ProposalDecision {
        match proposal.proposal {
            Proposal::Add(_) => ProposalDecision::Reject,
            _ => default_decision(proposal.sender),
        }
    }

    fn commit_valid(&self, _committer: LeafIndex, proposal: &ProposalInfo<'_>) -> bool {
        !matches!(proposal.proposal, Proposal::Remove(_))
    }
}

#[test]
fn the_proposal_policy_refuses_on_receipt_and_in_commits() {
    let p = provider();
    let policy = GroupConfig {
        hooks: GroupHooks::new().with_proposal_policy(Arc::new(NoAddsNoRemoves)),
        ..GroupConfig::default()
    };
    let mut g = three_members(&p, policy.clone());
    let (_, dave) = new_client(&p, "dave");
    let add = g[0]
        .propose(Proposal::Add(Box::new(Add {
            key_package: dave.key_package,
        })))
        .unwrap();
    let before = g[1].to_bytes().unwrap();
    assert_eq!(
        g[1].process(&add, None).unwrap_err(),
        Error::Group(GroupError::ProposalRejectedByPolicy)
    );
    assert_eq!(g[1].to_bytes().unwrap().as_bytes(), before.as_bytes());
    let own = g[0].pending_proposals().next().unwrap().reference.clone();
    g[0].discard_proposal(&own).unwrap();
    let out = g[0]
        .commit(CommitOptions::default().remove_member(LeafIndex(2)))
        .unwrap();
    assert_eq!(
        g[1].process(&out.commit, None).unwrap_err(),
        Error::Group(GroupError::CommitRejectedByPolicy)
    );
    assert_eq!(g[1].to_bytes().unwrap().as_bytes(), before.as_bytes());
    // The state remembers the policy: restoring needs it back.
    assert_eq!(
        Group::from_bytes(p.clone(), before.as_bytes()).unwrap_err(),
        Error::Group(GroupError::MissingHooks)
    );
    Group::from_bytes_with_hooks(p.clone(), policy.hooks, before.as_bytes()).unwrap();
}

#[test]
fn saved_state_keeps_the_pool_and_its_bounds() {
    let p = provider();
    let config = GroupConfig {
        max_pending_proposals: 5,
        max_held_proposals: 4,
        ..GroupConfig::default()
    };
    let mut g = three_members(&p, config);
    let gi = g[0].group_info(GroupInfoOptions::default()).unwrap();
    let (erin_id, erin_kp) = new_client(&p, "erin");
    let msg = new_member_add_proposal(&p, &gi, &erin_kp.key_package, &erin_id, &[]).unwrap();
    g[0].process(&msg, None).unwrap();
    let u = g[1].propose_update().unwrap();
    g[0].process(&u, None).unwrap();
    let back = Group::from_bytes(p.clone(), g[0].to_bytes().unwrap().as_bytes()).unwrap();
    let statuses: Vec<_> = back.pending_proposals().map(|p| p.status).collect();
    assert_eq!(statuses, [ProposalStatus::Held, ProposalStatus::Accepted]);
    assert_eq!(back.config().max_pending_proposals, 5);
    assert_eq!(back.config().max_held_proposals, 4);
}

#[test]
fn accepted_proposals_are_bounded() {
    let p = provider();
    let config = GroupConfig {
        max_pending_proposals: 1,
        ..GroupConfig::default()
    };
    let mut g = three_members(&p, config);
    let u = g[1].propose_update().unwrap();
    g[0].process(&u, None).unwrap();
    let u2 = g[2].propose_update().unwrap();
    assert_eq!(
        g[0].process(&u2, None).unwrap_err(),
        Error::Group(GroupError::ProposalPoolFull)
    );
    assert_eq!(
        g[0].propose_update().unwrap_err(),
        Error::Group(GroupError::ProposalPoolFull)
    );
}
