//! Group engine integration tests (RFC 9420 §11 to §14): the example's scenario, a seeded
//! random run of 50 operations, and proposal-list rule violations seen by a receiver.

use std::sync::Arc;

use melos::crypto::rust_crypto::RustCrypto;
use melos::framing::MlsMessage;
use melos::group::{
    CommitOptions, Group, GroupConfig, HandshakeFormat, ProcessedContent, PskStore, SigningIdentity,
};
use melos::messages::{Credential, KeyPackageBundle, Lifetime, Proposal, Remove};
use melos::tree_math::LeafIndex;
use melos::{CipherSuite, CryptoProvider, Error, GroupError};

const SUITE: CipherSuite = CipherSuite(1);

fn new_client(p: &Arc<dyn CryptoProvider>, name: &str) -> (SigningIdentity, KeyPackageBundle) {
    let cs = p.suite(SUITE).unwrap();
    let id = SigningIdentity::generate(cs, Credential::Basic(name.as_bytes().to_vec())).unwrap();
    let kp = id
        .key_package(
            cs,
            Lifetime {
                not_before: 0,
                not_after: u64::MAX,
            },
        )
        .unwrap();
    (id, kp)
}

/// Tiny deterministic xorshift64.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Delivers `commit` from `groups[from]` to everyone: the sender merges its pending commit,
/// the others process and merge; removed members are dropped from `groups`.
fn deliver_commit(groups: &mut Vec<Group>, from: usize, commit: &MlsMessage) {
    for (i, g) in groups.iter_mut().enumerate() {
        if i == from {
            g.merge_pending_commit().unwrap();
        } else {
            let m = g.process(commit, None).unwrap();
            let ProcessedContent::Commit(s) = m.content else {
                panic!("not a commit")
            };
            g.merge_staged_commit(*s).unwrap();
        }
    }
    groups.retain(|g| g.is_active());
    let auth = groups[0].epoch_authenticator().to_vec();
    for g in groups.iter() {
        assert_eq!(
            g.epoch_authenticator(),
            auth.as_slice(),
            "epoch authenticators differ"
        );
        assert_eq!(g.group_context(), groups[0].group_context());
    }
}

fn deliver(groups: &mut [Group], from: usize, msg: &MlsMessage) {
    for (i, g) in groups.iter_mut().enumerate() {
        if i != from {
            g.process(msg, None).unwrap();
        }
    }
}

#[test]
fn chat_scenario() {
    let p: Arc<dyn CryptoProvider> = Arc::new(RustCrypto::new());
    let (alice_id, _) = new_client(&p, "alice");
    let mut groups = vec![
        Group::create(
            p.clone(),
            SUITE,
            b"chat".to_vec(),
            alice_id,
            GroupConfig::default(),
        )
        .unwrap(),
    ];
    let (bob, bob_kp) = new_client(&p, "bob");
    let (carol, carol_kp) = new_client(&p, "carol");
    let out = groups[0]
        .commit(
            CommitOptions::default()
                .add_member(bob_kp.key_package.clone())
                .add_member(carol_kp.key_package.clone())
                .with_ratchet_tree(),
        )
        .unwrap();
    groups[0].merge_pending_commit().unwrap();
    let w = out.welcome.unwrap();
    groups.push(
        Group::join(
            p.clone(),
            &w,
            &bob_kp,
            bob,
            None,
            GroupConfig::default(),
            &PskStore::new(),
        )
        .unwrap(),
    );
    groups.push(
        Group::join(
            p.clone(),
            &w,
            &carol_kp,
            carol,
            None,
            GroupConfig::default(),
            &PskStore::new(),
        )
        .unwrap(),
    );
    for from in 0..3 {
        let m = groups[from]
            .encrypt_application(format!("hi from {from}").as_bytes(), b"")
            .unwrap();
        for (i, g) in groups.iter_mut().enumerate() {
            if i != from {
                let got = g.process(&m, None).unwrap();
                assert!(
                    matches!(got.content, ProcessedContent::Application(ref d) if d == format!("hi from {from}").as_bytes())
                );
            }
        }
    }
    let late = groups[2].encrypt_application(b"late", b"").unwrap();
    let out = groups[1].commit(CommitOptions::default()).unwrap();
    deliver_commit(&mut groups, 1, &out.commit);
    let out = groups[0]
        .commit(CommitOptions::default().remove_member(LeafIndex(2)))
        .unwrap();
    deliver_commit(&mut groups, 0, &out.commit);
    assert_eq!(groups.len(), 2);
    let got = groups[1].process(&late, None).unwrap();
    assert!(matches!(got.content, ProcessedContent::Application(ref d) if d == b"late"));
}

#[test]
fn random_operations_agree() {
    let p: Arc<dyn CryptoProvider> = Arc::new(RustCrypto::new());
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (id, _) = new_client(&p, "m0");
    let mut groups = vec![
        Group::create(
            p.clone(),
            SUITE,
            b"random".to_vec(),
            id,
            GroupConfig::default(),
        )
        .unwrap(),
    ];
    let mut next_name = 1;
    for op in 0..50 {
        let from = rng.below(groups.len());
        match rng.below(6) {
            // Add one or two members.
            0 | 1 if groups.len() < 8 => {
                let n = 1 + rng.below(2).min(7 - groups.len());
                let mut opts = CommitOptions::default().with_ratchet_tree();
                let mut joiners = Vec::new();
                for _ in 0..n {
                    let (id, kp) = new_client(&p, &format!("m{next_name}"));
                    next_name += 1;
                    opts = opts.add_member(kp.key_package.clone());
                    joiners.push((id, kp));
                }
                let out = groups[from].commit(opts).unwrap();
                deliver_commit(&mut groups, from, &out.commit);
                let w = out.welcome.unwrap();
                for (id, kp) in joiners {
                    let mut config = GroupConfig::default();
                    if rng.below(2) == 0 {
                        config.handshake_format = HandshakeFormat::Private;
                    }
                    groups.push(
                        Group::join(p.clone(), &w, &kp, id, None, config, &PskStore::new())
                            .unwrap(),
                    );
                }
            }
            // Remove a random other member.
            2 if groups.len() > 1 => {
                let victim = (from + 1 + rng.below(groups.len() - 1)) % groups.len();
                let leaf = groups[victim].own_leaf();
                let out = groups[from]
                    .commit(CommitOptions::default().remove_member(leaf))
                    .unwrap();
                deliver_commit(&mut groups, from, &out.commit);
            }
            // Proposals by reference (an Update and maybe a Remove), committed by someone else.
            3 if groups.len() > 2 => {
                let m = groups[from].propose_update().unwrap();
                deliver(&mut groups, from, &m);
                let committer = (from + 1) % groups.len();
                let out = groups[committer].commit(CommitOptions::default()).unwrap();
                deliver_commit(&mut groups, committer, &out.commit);
            }
            4 if groups.len() > 2 => {
                let victim = (from + 1) % groups.len();
                let removed = groups[victim].own_leaf();
                let m = groups[from]
                    .propose(Proposal::Remove(Remove { removed }))
                    .unwrap();
                deliver(&mut groups, from, &m);
                let committer = (victim + 1) % groups.len();
                let out = groups[committer].commit(CommitOptions::default()).unwrap();
                deliver_commit(&mut groups, committer, &out.commit);
            }
            // A full commit (path update).
            5 => {
                let out = groups[from].commit(CommitOptions::default()).unwrap();
                deliver_commit(&mut groups, from, &out.commit);
            }
            // Application messages.
            _ => {
                let text = format!("op {op}");
                let m = groups[from]
                    .encrypt_application(text.as_bytes(), b"")
                    .unwrap();
                for (i, g) in groups.iter_mut().enumerate() {
                    if i != from {
                        let got = g.process(&m, None).unwrap();
                        assert!(
                            matches!(got.content, ProcessedContent::Application(ref d) if d == text.as_bytes())
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn receiver_rejects_remove_of_committer_by_reference() {
    let p: Arc<dyn CryptoProvider> = Arc::new(RustCrypto::new());
    let (a, _) = new_client(&p, "a");
    let mut alice =
        Group::create(p.clone(), SUITE, b"neg".to_vec(), a, GroupConfig::default()).unwrap();
    let (b, bkp) = new_client(&p, "b");
    let out = alice
        .commit(
            CommitOptions::default()
                .add_member(bkp.key_package.clone())
                .with_ratchet_tree(),
        )
        .unwrap();
    alice.merge_pending_commit().unwrap();
    let mut bob = Group::join(
        p.clone(),
        &out.welcome.unwrap(),
        &bkp,
        b,
        None,
        GroupConfig::default(),
        &PskStore::new(),
    )
    .unwrap();
    // Bob proposes removing Alice; Alice's commit leaves it out (she cannot remove herself),
    // and refuses to send it by value.
    let m = bob
        .propose(Proposal::Remove(Remove {
            removed: LeafIndex(0),
        }))
        .unwrap();
    alice.process(&m, None).unwrap();
    let err = alice
        .commit(CommitOptions {
            proposals: vec![Proposal::Remove(Remove {
                removed: LeafIndex(0),
            })],
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(err, Error::Group(GroupError::RemoveOfCommitter));
    let out = alice.commit(CommitOptions::default()).unwrap();
    alice.merge_pending_commit().unwrap();
    let s = bob.process(&out.commit, None).unwrap();
    let ProcessedContent::Commit(s) = s.content else {
        panic!()
    };
    bob.merge_staged_commit(*s).unwrap();
    assert_eq!(alice.epoch_authenticator(), bob.epoch_authenticator());
}
