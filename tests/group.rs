//! Group engine integration tests (RFC 9420 §11 to §14): the example's scenario, a seeded
//! random run of 50 operations, and proposal-list rule violations seen by a receiver.

use std::sync::Arc;

use melos::crypto::rust_crypto::RustCrypto;
use melos::framing::MlsMessage;
use melos::group::{
    CommitOptions, Group, GroupConfig, HandshakeFormat, ProcessedContent, PskStore,
    SigningIdentity, StorageKey,
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

// ---------------------------------------------------------------------------------------
// Saved state (RFC 9420 §9.2): `Group::to_bytes` / `Group::from_bytes`.
// ---------------------------------------------------------------------------------------

/// Saves and restores `g`, checking that the encoding is a fixed point and that the restored
/// group shows the same public state.
fn reload(p: &Arc<dyn CryptoProvider>, g: &Group) -> Group {
    let bytes = g.to_bytes().unwrap();
    let back = Group::from_bytes(p.clone(), bytes.as_bytes()).unwrap();
    assert_eq!(
        back.to_bytes().unwrap().as_bytes(),
        bytes.as_bytes(),
        "encode(decode(encode(g))) != encode(g)"
    );
    // The sealed form restores the same group.
    let key = StorageKey::new(vec![0x5a; 32]).unwrap();
    let sealed = g.to_bytes_sealed(&key).unwrap();
    let unsealed = Group::from_bytes_sealed(p.clone(), &sealed, &key).unwrap();
    assert_eq!(
        unsealed.to_bytes().unwrap(),
        bytes,
        "sealed round trip differs"
    );
    assert_eq!(back.epoch_authenticator(), g.epoch_authenticator());
    assert_eq!(back.group_context(), g.group_context());
    assert_eq!(back.own_leaf(), g.own_leaf());
    assert_eq!(back.ratchet_tree(), g.ratchet_tree());
    assert_eq!(back.has_pending_commit(), g.has_pending_commit());
    assert_eq!(back.is_active(), g.is_active());
    assert_eq!(back.config(), g.config());
    assert_eq!(back.identity(), g.identity());
    assert_eq!(
        back.pending_proposals().count(),
        g.pending_proposals().count()
    );
    assert_eq!(
        back.export_secret(b"label", b"ctx", 32).unwrap(),
        g.export_secret(b"label", b"ctx", 32).unwrap()
    );
    back
}

/// Alice creates a group and adds Bob and Carol; returns `[alice, bob, carol]`.
fn three_members(p: &Arc<dyn CryptoProvider>, config: GroupConfig) -> Vec<Group> {
    let (alice, _) = new_client(p, "alice");
    let mut alice =
        Group::create(p.clone(), SUITE, b"state".to_vec(), alice, config.clone()).unwrap();
    let (bob, bob_kp) = new_client(p, "bob");
    let (carol, carol_kp) = new_client(p, "carol");
    let out = alice
        .commit(
            CommitOptions::default()
                .add_member(bob_kp.key_package.clone())
                .add_member(carol_kp.key_package.clone())
                .with_ratchet_tree(),
        )
        .unwrap();
    alice.merge_pending_commit().unwrap();
    let w = out.welcome.unwrap();
    let join = |kp: &KeyPackageBundle, id: SigningIdentity| {
        Group::join(
            p.clone(),
            &w,
            kp,
            id,
            None,
            config.clone(),
            &PskStore::new(),
        )
        .unwrap()
    };
    let bob = join(&bob_kp, bob);
    let carol = join(&carol_kp, carol);
    vec![alice, bob, carol]
}

fn expect_app(g: &mut Group, msg: &MlsMessage, want: &[u8]) {
    let got = g.process(msg, None).unwrap();
    assert!(
        matches!(got.content, ProcessedContent::Application(ref d) if d == want),
        "wrong application data"
    );
}

#[test]
fn state_round_trip_is_a_fixed_point() {
    let p: Arc<dyn CryptoProvider> = Arc::new(RustCrypto::new());
    let (id, _) = new_client(&p, "solo");
    let solo = Group::create(p.clone(), SUITE, b"g".to_vec(), id, GroupConfig::default()).unwrap();
    let mut solo = reload(&p, &solo);
    // A pending commit that grows the tree (1 -> 4 leaves) survives a reload.
    let (bob, bob_kp) = new_client(&p, "bob");
    let (carol, carol_kp) = new_client(&p, "carol");
    let out = solo
        .commit(
            CommitOptions::default()
                .add_member(bob_kp.key_package.clone())
                .add_member(carol_kp.key_package.clone()),
        )
        .unwrap();
    let mut solo = reload(&p, &solo);
    solo.merge_pending_commit().unwrap();
    let tree = melos::ratchet_tree::TreeView::encode_extension(solo.ratchet_tree()).unwrap();
    let w = out.welcome.unwrap();
    for (kp, id) in [(&bob_kp, bob), (&carol_kp, carol)] {
        let joined = Group::join(
            p.clone(),
            &w,
            kp,
            id,
            Some(&tree),
            GroupConfig::default(),
            &PskStore::new(),
        )
        .unwrap();
        assert_eq!(joined.epoch_authenticator(), solo.epoch_authenticator());
    }

    let mut g = three_members(&p, GroupConfig::default());
    for m in &g {
        reload(&p, m);
    }
    // Ratchet state with used keys, skipped keys, past epochs.
    let m1 = g[1].encrypt_application(b"one", b"").unwrap();
    let m2 = g[1].encrypt_application(b"two", b"").unwrap();
    expect_app(&mut g[0], &m2, b"two");
    let g0 = reload(&p, &g[0]);
    let out = g[2].commit(CommitOptions::default()).unwrap();
    deliver_commit(&mut g, 2, &out.commit);
    g[0] = g0;
    let s = g[0].process(&out.commit, None).unwrap();
    let ProcessedContent::Commit(s) = s.content else {
        panic!("not a commit")
    };
    g[0].merge_staged_commit(*s).unwrap();
    let mut g0 = reload(&p, &g[0]);
    // The skipped generation 0 of the past epoch is still retained after the reload.
    expect_app(&mut g0, &m1, b"one");
    // ... and used once: the restored state no longer holds it.
    let mut again = reload(&p, &g0);
    assert!(again.process(&m1, None).is_err());
    // Pending proposal and pending update.
    let upd = g[1].propose_update().unwrap();
    reload(&p, &g[1]);
    g0.process(&upd, None).unwrap();
    reload(&p, &g0);
    // Pending commit.
    g0.commit(CommitOptions::default()).unwrap();
    reload(&p, &g0);
}

#[test]
fn restored_members_keep_working() {
    let p: Arc<dyn CryptoProvider> = Arc::new(RustCrypto::new());
    let config = GroupConfig {
        handshake_format: HandshakeFormat::Private,
        ..GroupConfig::default()
    };
    let mut g = three_members(&p, config);
    // A late message of epoch 1, delivered after two more commits.
    let late = g[0].encrypt_application(b"late", b"").unwrap();
    for round in 0..6 {
        // Everyone is saved and restored between every step.
        for m in g.iter_mut() {
            *m = reload(&p, m);
        }
        let from = round % g.len();
        let text = format!("round {round}");
        let msg = g[from].encrypt_application(text.as_bytes(), b"ad").unwrap();
        for (i, m) in g.iter_mut().enumerate() {
            if i != from {
                expect_app(m, &msg, text.as_bytes());
            }
        }
        let committer = (round + 1) % g.len();
        let out = g[committer].commit(CommitOptions::default()).unwrap();
        // The committer is restored with its commit pending, then merges it.
        g[committer] = reload(&p, &g[committer]);
        deliver_commit(&mut g, committer, &out.commit);
        if round == 1 {
            let mut b = reload(&p, &g[1]);
            expect_app(&mut b, &late, b"late");
        }
    }
    // Membership changes after restores: add Dave (growth), remove Carol (truncation).
    let (dave, dave_kp) = new_client(&p, "dave");
    let out = g[1]
        .commit(
            CommitOptions::default()
                .add_member(dave_kp.key_package.clone())
                .with_ratchet_tree(),
        )
        .unwrap();
    g[1] = reload(&p, &g[1]);
    deliver_commit(&mut g, 1, &out.commit);
    let dave = Group::join(
        p.clone(),
        &out.welcome.unwrap(),
        &dave_kp,
        dave,
        None,
        g[0].config().clone(),
        &PskStore::new(),
    )
    .unwrap();
    g.push(reload(&p, &dave));
    assert_eq!(g[3].epoch_authenticator(), g[0].epoch_authenticator());
    // Dave removes Carol, then Alice removes Dave (the tree shrinks).
    let out = g[3]
        .commit(CommitOptions::default().remove_member(LeafIndex(2)))
        .unwrap();
    g[3] = reload(&p, &g[3]);
    deliver_commit(&mut g, 3, &out.commit);
    assert_eq!(g.len(), 3);
    let out = g[0]
        .commit(CommitOptions::default().remove_member(LeafIndex(3)))
        .unwrap();
    g[0] = reload(&p, &g[0]);
    deliver_commit(&mut g, 0, &out.commit);
    assert_eq!(g.len(), 2);
    assert_eq!(g[0].member_count(), 2);
    let msg = g[1].encrypt_application(b"bye", b"").unwrap();
    let mut a = reload(&p, &g[0]);
    expect_app(&mut a, &msg, b"bye");
}

#[test]
fn restored_member_commits_received_proposals_and_own_update() {
    let p: Arc<dyn CryptoProvider> = Arc::new(RustCrypto::new());
    let mut g = three_members(&p, GroupConfig::default());
    // Bob proposes an Update and is restored: the private key of the update survives.
    let upd = g[1].propose_update().unwrap();
    g[1] = reload(&p, &g[1]);
    g[0].process(&upd, None).unwrap();
    g[2].process(&upd, None).unwrap();
    // Alice is restored with the proposal pending, then commits it by reference.
    g[0] = reload(&p, &g[0]);
    assert_eq!(g[0].pending_proposals().count(), 1);
    let out = g[0].commit(CommitOptions::default()).unwrap();
    deliver_commit(&mut g, 0, &out.commit);
    // Bob's new leaf key works: a commit from Carol encrypts to it.
    let out = g[2].commit(CommitOptions::default()).unwrap();
    deliver_commit(&mut g, 2, &out.commit);
}

#[test]
fn restored_pending_commit_can_be_cleared() {
    let p: Arc<dyn CryptoProvider> = Arc::new(RustCrypto::new());
    let mut g = three_members(&p, GroupConfig::default());
    g[0].commit(CommitOptions::default()).unwrap();
    let mut a = reload(&p, &g[0]);
    a.clear_pending_commit();
    // Bob's commit wins; the restored Alice follows it.
    let out = g[1].commit(CommitOptions::default()).unwrap();
    g[1].merge_pending_commit().unwrap();
    let s = a.process(&out.commit, None).unwrap();
    let ProcessedContent::Commit(s) = s.content else {
        panic!("not a commit")
    };
    a.merge_staged_commit(*s).unwrap();
    assert_eq!(a.epoch_authenticator(), g[1].epoch_authenticator());
}

#[test]
fn malformed_state_is_rejected_without_panics() {
    let p: Arc<dyn CryptoProvider> = Arc::new(RustCrypto::new());
    let mut g = three_members(&p, GroupConfig::default());
    let m = g[1].encrypt_application(b"x", b"").unwrap();
    expect_app(&mut g[0], &m, b"x");
    let upd = g[1].propose_update().unwrap();
    g[0].process(&upd, None).unwrap();
    g[0].commit(CommitOptions::default()).unwrap();
    let bytes = g[0].to_bytes().unwrap();
    let bytes = bytes.as_bytes();
    // Every truncation fails.
    for len in 0..bytes.len() {
        assert!(
            Group::from_bytes(p.clone(), &bytes[..len]).is_err(),
            "truncation to {len} bytes accepted"
        );
    }
    // A trailing byte fails (the checksum no longer matches).
    let mut long = bytes.to_vec();
    long.push(0);
    assert_eq!(
        Group::from_bytes(p.clone(), &long).unwrap_err(),
        Error::Group(GroupError::StateChecksumMismatch)
    );
    // An unknown version fails with its own variant.
    let mut v2 = bytes.to_vec();
    v2[1] = v2[1].wrapping_add(1);
    assert_eq!(
        Group::from_bytes(p.clone(), &v2).unwrap_err(),
        Error::Group(GroupError::UnsupportedStateVersion)
    );
    // Single-byte corruptions all fail (the checksum covers every byte).
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for i in 0..bytes.len() {
        let mut c = bytes.to_vec();
        c[i] ^= 1 << rng.below(8);
        assert!(
            Group::from_bytes(p.clone(), &c).is_err(),
            "corrupt byte {i} loaded"
        );
    }
    // Garbage never panics.
    for n in 0..200 {
        let len = rng.below(400);
        let mut junk: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        if n % 2 == 0 && junk.len() >= 5 {
            junk[..5].copy_from_slice(&[0, 5, 0, 1, 1]); // a checksum-form header
        }
        assert!(Group::from_bytes(p.clone(), &junk).is_err());
    }
}

#[test]
fn removed_member_state_round_trips_inactive() {
    let p: Arc<dyn CryptoProvider> = Arc::new(RustCrypto::new());
    let mut g = three_members(&p, GroupConfig::default());
    let out = g[0]
        .commit(CommitOptions::default().remove_member(LeafIndex(2)))
        .unwrap();
    g[0].merge_pending_commit().unwrap();
    let s = g[2].process(&out.commit, None).unwrap();
    let ProcessedContent::Commit(s) = s.content else {
        panic!("not a commit")
    };
    assert!(s.removes_self());
    g[2].merge_staged_commit(*s).unwrap();
    assert!(!g[2].is_active());
    let mut carol = reload(&p, &g[2]);
    assert!(!carol.is_active());
    assert_eq!(
        carol.encrypt_application(b"x", b"").unwrap_err(),
        Error::Group(GroupError::GroupInactive)
    );
}
