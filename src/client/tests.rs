//! The client layer's behaviours: each test fails without the behaviour it names.

use super::*;
use crate::crypto::rust_crypto::RustCrypto;
use crate::error::GroupError;
use crate::messages::{Credential, KeyPackage};
use crate::storage::{KeyPackageRecord, MemoryStorage};

pub(super) type C = Client<MemoryStorage>;

pub(super) const NOW: u64 = 1_000_000;
pub(super) const G: &[u8] = b"group";

pub(super) fn provider() -> Arc<dyn CryptoProvider> {
    Arc::new(RustCrypto::new())
}

pub(super) fn client_with(name: &str, config: ClientConfig) -> C {
    let p = provider();
    let cs = p.suite(config.cipher_suite).unwrap();
    let id = SigningIdentity::generate(cs, Credential::Basic(name.as_bytes().to_vec())).unwrap();
    Client::create(p, id, config, MemoryStorage::new()).unwrap()
}

pub(super) fn client(name: &str) -> C {
    client_with(name, ClientConfig::default())
}

pub(super) fn key_package(c: &mut C) -> KeyPackage {
    let mut kps = c.generate_key_packages(1, NOW).unwrap();
    kps.pop().unwrap().into_key_package().unwrap()
}

pub(super) fn enc(m: &MlsMessage) -> Vec<u8> {
    m.encode().unwrap()
}

/// Everything `s` holds, for byte-for-byte comparison.
#[allow(clippy::type_complexity)]
pub(super) fn dump(
    s: &MemoryStorage,
) -> (
    Option<crate::crypto::Secret>,
    Vec<GroupRecord>,
    Vec<Option<PendingCommitRecord>>,
    Vec<KeyPackageRecord>,
    Vec<Vec<BufferedRecord>>,
) {
    let ids = s.group_ids().unwrap();
    (
        s.client().unwrap(),
        ids.iter().map(|i| s.group(i).unwrap().unwrap()).collect(),
        ids.iter().map(|i| s.pending_commit(i).unwrap()).collect(),
        s.key_packages().unwrap(),
        ids.iter().map(|i| s.buffered(i).unwrap()).collect(),
    )
}

pub(super) fn state(c: &C) -> Vec<u8> {
    c.group(G).unwrap().to_bytes().unwrap().as_bytes().to_vec()
}

pub(super) fn refusal(events: &[ClientEvent]) -> Error {
    assert_eq!(events.len(), 1, "{events:?}");
    events[0].refusal().cloned().expect("a refusal")
}

/// Delivers `msg` to `c`, asserting nothing is refused.
pub(super) fn deliver(c: &mut C, msg: &[u8]) -> Vec<ClientEvent> {
    let events = c.process_incoming(msg, NOW).unwrap();
    assert!(
        events.iter().all(|e| e.refusal().is_none()),
        "refused: {events:?}"
    );
    events
}

/// Asserts that delivering `msg` to `c` is refused with `reason` and changes nothing.
pub(super) fn refused_unchanged(c: &mut C, msg: &[u8], reason: Error) {
    let before = dump(c.storage());
    let group = c.group(G).map(|g| g.to_bytes().unwrap());
    let events = c.process_incoming(msg, NOW).unwrap();
    assert_eq!(refusal(&events), reason);
    assert_eq!(dump(c.storage()), before);
    assert_eq!(c.group(G).map(|g| g.to_bytes().unwrap()), group);
}

/// alice creates the group and adds the others; everyone is at epoch 1.
pub(super) fn group_of(names: &[&str]) -> Vec<C> {
    let mut clients: Vec<C> = names.iter().map(|n| client(n)).collect();
    clients[0].create_group(G.to_vec(), NOW).unwrap();
    let mut options = CommitOptions::default().with_ratchet_tree();
    for c in clients.iter_mut().skip(1) {
        options = options.add_member(key_package(c));
    }
    let out = clients[0].commit(G, options, NOW).unwrap();
    deliver(&mut clients[0], &enc(&out.commit));
    let welcome = enc(&out.welcome.unwrap());
    for c in clients.iter_mut().skip(1) {
        let events = deliver(c, &welcome);
        assert!(matches!(events[..], [ClientEvent::Joined { epoch: 1, .. }]));
    }
    clients
}

pub(super) fn converged(clients: &[C]) {
    let a = clients[0].group(G).unwrap();
    for c in clients {
        let g = c.group(G).unwrap();
        assert_eq!(g.epoch(), a.epoch());
        assert_eq!(g.epoch_authenticator(), a.epoch_authenticator());
    }
}

#[test]
fn the_echo_of_the_pending_commit_merges_it() {
    let mut alice = client("alice");
    let mut bob = client("bob");
    alice.create_group(G.to_vec(), NOW).unwrap();
    let kp = key_package(&mut bob);
    let out = alice
        .commit(G, CommitOptions::default().add_member(kp), NOW)
        .unwrap();
    // Stored before it is returned: the group with its pending Commit and the record.
    let stored = alice.storage().pending_commit(G).unwrap().unwrap();
    assert_eq!(stored.message, enc(&out.commit));
    assert_eq!(stored.epoch, 0);
    assert!(alice.group(G).unwrap().has_pending_commit());
    assert_eq!(alice.group(G).unwrap().epoch(), 0);

    let events = deliver(&mut alice, &enc(&out.commit));
    assert!(matches!(
        &events[..],
        [
            ClientEvent::OwnCommitMerged { epoch: 1, .. },
            ClientEvent::MemberAdded { .. },
            ClientEvent::EpochChanged { epoch: 1, .. }
        ]
    ));
    assert_eq!(alice.group(G).unwrap().epoch(), 1);
    assert!(!alice.has_pending_commit(G));
    assert!(alice.storage().pending_commit(G).unwrap().is_none());
    assert_eq!(alice.storage().group(G).unwrap().unwrap().epoch, 1);
}

#[test]
fn an_own_commit_that_is_not_the_pending_one_is_refused() {
    let mut c = group_of(&["alice", "bob"]);
    let first = c[0].commit(G, CommitOptions::default(), NOW).unwrap();
    let resend = c[0].discard_pending_commit(G).unwrap();
    assert!(resend.is_empty());
    assert!(c[0].storage().pending_commit(G).unwrap().is_none());
    // No pending Commit: the old one is stale.
    refused_unchanged(
        &mut c[0],
        &enc(&first.commit),
        ClientError::StaleOwnCommit.into(),
    );
    // Another pending Commit: still stale.
    let second = c[0].commit(G, CommitOptions::default(), NOW).unwrap();
    refused_unchanged(
        &mut c[0],
        &enc(&first.commit),
        ClientError::StaleOwnCommit.into(),
    );
    deliver(&mut c[0], &enc(&second.commit));
    deliver(&mut c[1], &enc(&second.commit));
    converged(&c);
}

#[test]
fn a_lost_commit_race_discards_the_pending_commit_and_returns_what_to_resend() {
    let mut c = group_of(&["alice", "bob", "carol"]);
    let mut dave = client("dave");
    let mut erin = client("erin");
    let dave_kp = key_package(&mut dave);
    let erin_kp = key_package(&mut erin);
    let bob_leaf = c[1].group(G).unwrap().own_leaf();
    let carol_leaf = c[2].group(G).unwrap().own_leaf();
    // alice adds dave and removes carol; bob adds erin and also removes carol.
    let a = c[0]
        .commit(
            G,
            CommitOptions::default()
                .add_member(dave_kp.clone())
                .remove_member(carol_leaf)
                .with_ratchet_tree(),
            NOW,
        )
        .unwrap();
    let b = c[1]
        .commit(
            G,
            CommitOptions::default()
                .add_member(erin_kp)
                .remove_member(carol_leaf)
                .with_ratchet_tree(),
            NOW,
        )
        .unwrap();
    assert_ne!(bob_leaf, carol_leaf);
    // The DS sequences bob's first.
    let events = deliver(&mut c[0], &enc(&b.commit));
    let resend = events
        .iter()
        .find_map(|e| match e {
            ClientEvent::OwnCommitDiscarded { resend, epoch, .. } => {
                assert_eq!(*epoch, 1);
                Some(resend.clone())
            }
            _ => None,
        })
        .expect("discarded");
    // carol's removal was done by bob's Commit: only dave's Add is still wanted.
    assert_eq!(resend.len(), 1);
    assert!(matches!(&resend[0], Proposal::Add(add) if add.key_package == dave_kp));
    assert!(!c[0].has_pending_commit(G));
    assert!(c[0].storage().pending_commit(G).unwrap().is_none());
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ClientEvent::EpochChanged { epoch: 2, .. }))
    );
    let events = deliver(&mut c[1], &enc(&b.commit));
    assert!(matches!(events[0], ClientEvent::OwnCommitMerged { .. }));
    let events = deliver(&mut c[2], &enc(&b.commit));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ClientEvent::Removed { .. }))
    );
    // alice's losing Commit, if the DS let it through late, is refused everywhere.
    refused_unchanged(
        &mut c[1],
        &enc(&a.commit),
        GroupError::PastEpochUnavailable.into(),
    );
    deliver(&mut erin, &enc(&b.welcome.unwrap()));

    // alice commits what is still wanted; everyone converges.
    let mut options = CommitOptions::default().with_ratchet_tree();
    options.proposals = resend;
    let again = c[0].commit(G, options, NOW).unwrap();
    deliver(&mut c[0], &enc(&again.commit));
    deliver(&mut c[1], &enc(&again.commit));
    deliver(&mut erin, &enc(&again.commit));
    deliver(&mut dave, &enc(&again.welcome.unwrap()));
    let carol = c.pop().unwrap();
    assert!(!carol.group(G).unwrap().is_active());
    c.push(erin);
    c.push(dave);
    converged(&c);
    assert_eq!(c[0].group(G).unwrap().member_count(), 4);
}

#[test]
fn messages_of_later_epochs_are_buffered_and_replayed_after_the_commit() {
    let mut c = group_of(&["alice", "bob"]);
    let commit = c[0].commit(G, CommitOptions::default(), NOW).unwrap();
    deliver(&mut c[0], &enc(&commit.commit));
    let m1 = c[0].send(G, b"one", b"aad").unwrap();
    let m2 = c[0].send(G, b"two", b"").unwrap();
    for m in [&m1, &m2] {
        let events = deliver(&mut c[1], &enc(m));
        assert!(matches!(
            events[..],
            [ClientEvent::MessageBuffered { epoch: 2, .. }]
        ));
    }
    assert_eq!(c[1].buffered_count(G), 2);
    assert_eq!(c[1].storage().buffered(G).unwrap().len(), 2);
    // A duplicate is not buffered twice.
    refused_unchanged(&mut c[1], &enc(&m1), ClientError::AlreadyBuffered.into());

    let events = deliver(&mut c[1], &enc(&commit.commit));
    let data: Vec<&[u8]> = events
        .iter()
        .filter_map(|e| match e {
            ClientEvent::ApplicationMessage { data, epoch: 2, .. } => Some(data.as_slice()),
            _ => None,
        })
        .collect();
    assert_eq!(data, [b"one".as_slice(), b"two".as_slice()]);
    assert!(matches!(
        events[0],
        ClientEvent::EpochChanged { epoch: 2, .. }
    ));
    assert_eq!(c[1].buffered_count(G), 0);
    assert!(c[1].storage().buffered(G).unwrap().is_empty());
}

#[test]
fn messages_too_many_epochs_ahead_are_not_buffered() {
    let mut c = group_of(&["alice", "bob"]);
    let config = ClientConfig {
        max_epochs_ahead: 1,
        ..ClientConfig::default()
    };
    let storage = c.pop().unwrap().into_storage();
    let mut bob = Client::load(provider(), storage, config).unwrap();
    let mut commits = Vec::new();
    let mut msgs = Vec::new();
    for _ in 0..2 {
        let out = c[0].commit(G, CommitOptions::default(), NOW).unwrap();
        deliver(&mut c[0], &enc(&out.commit));
        commits.push(enc(&out.commit));
        msgs.push(enc(&c[0].send(G, b"m", b"").unwrap()));
    }
    // bob is at epoch 1: epoch 2 is buffered, epoch 3 is too far ahead.
    deliver(&mut bob, &msgs[0]);
    refused_unchanged(&mut bob, &msgs[1], ClientError::EpochTooFarAhead.into());
    deliver(&mut bob, &commits[0]);
    // Now epoch 3 is one ahead.
    deliver(&mut bob, &msgs[1]);
    deliver(&mut bob, &commits[1]);
    assert_eq!(bob.group(G).unwrap().epoch(), 3);
}

#[test]
fn the_buffer_is_bounded_by_count_and_bytes() {
    let mut c = group_of(&["alice", "bob"]);
    let config = ClientConfig {
        max_buffered_messages: 2,
        ..ClientConfig::default()
    };
    let storage = c.pop().unwrap().into_storage();
    let mut bob = Client::load(provider(), storage, config).unwrap();
    let commit = c[0].commit(G, CommitOptions::default(), NOW).unwrap();
    deliver(&mut c[0], &enc(&commit.commit));
    let msgs: Vec<Vec<u8>> = (0..3u8)
        .map(|i| enc(&c[0].send(G, &[i], b"").unwrap()))
        .collect();
    deliver(&mut bob, &msgs[0]);
    deliver(&mut bob, &msgs[1]);
    refused_unchanged(&mut bob, &msgs[2], ClientError::BufferFull.into());

    // By bytes: room for one message only.
    let config = ClientConfig {
        max_buffered_bytes: msgs[0].len() + msgs[1].len() - 1,
        ..ClientConfig::default()
    };
    let storage = bob.into_storage();
    let mut bob = Client::load(provider(), storage, config).unwrap();
    let m = enc(&c[0].send(G, b"x", b"").unwrap());
    refused_unchanged(&mut bob, &m, ClientError::BufferFull.into());
    // The Commit still gets through and the buffer drains.
    let events = deliver(&mut bob, &enc(&commit.commit));
    let apps = events
        .iter()
        .filter(|e| matches!(e, ClientEvent::ApplicationMessage { .. }))
        .count();
    assert_eq!(apps, 2);
    assert_eq!(bob.buffered_count(G), 0);
}

#[test]
fn joining_deletes_the_key_package_in_the_same_batch_and_keeps_the_last_resort_one() {
    let mut alice = client("alice");
    let mut bob = client("bob");
    let kps = bob.generate_key_packages(2, NOW).unwrap();
    assert_eq!(bob.key_package_count(), 2);
    assert_eq!(bob.storage().key_packages().unwrap().len(), 2);
    let last = bob.last_resort_key_package(NOW).unwrap();
    assert!(bob.has_last_resort_key_package());
    assert_eq!(bob.key_package_count(), 2);
    // Asking again gives the same one.
    assert_eq!(enc(&bob.last_resort_key_package(NOW).unwrap()), enc(&last));
    // Marked as such on the wire (draft-ietf-mls-extensions, "Last-Resort KeyPackages").
    assert!(last.clone().into_key_package().unwrap().is_last_resort());
    assert!(!kps[0].clone().into_key_package().unwrap().is_last_resort());

    let kp = kps[0].clone().into_key_package().unwrap();
    alice.create_group(G.to_vec(), NOW).unwrap();
    let out = alice
        .commit(
            G,
            CommitOptions::default().add_member(kp).with_ratchet_tree(),
            NOW,
        )
        .unwrap();
    deliver(&mut alice, &enc(&out.commit));
    let welcome = enc(&out.welcome.unwrap());
    deliver(&mut bob, &welcome);
    assert_eq!(bob.key_package_count(), 1);
    assert_eq!(bob.storage().key_packages().unwrap().len(), 2);
    assert!(bob.storage().group(G).unwrap().is_some());
    // The same Welcome again: its KeyPackage is gone.
    let before = dump(bob.storage());
    let events = bob.process_incoming(&welcome, NOW).unwrap();
    assert_eq!(refusal(&events), ClientError::NoKeyPackageForWelcome.into());
    assert_eq!(dump(bob.storage()), before);

    // Joined twice with the last-resort KeyPackage: it stays.
    for id in [b"g2".as_slice(), b"g3"] {
        alice.create_group(id.to_vec(), NOW).unwrap();
        let kp = last.clone().into_key_package().unwrap();
        let out = alice
            .commit(
                id,
                CommitOptions::default().add_member(kp).with_ratchet_tree(),
                NOW,
            )
            .unwrap();
        alice.process_incoming(&enc(&out.commit), NOW).unwrap();
        let events = deliver(&mut bob, &enc(&out.welcome.unwrap()));
        assert!(matches!(events[..], [ClientEvent::Joined { .. }]));
        assert!(bob.has_last_resort_key_package());
        assert_eq!(bob.storage().key_packages().unwrap().len(), 2);
    }
    assert_eq!(bob.group_ids().len(), 3);
}

#[test]
fn replenish_fills_the_pool_and_deletes_expired_key_packages() {
    let config = ClientConfig {
        key_package_target: 3,
        key_package_lifetime: 100,
        ..ClientConfig::default()
    };
    let mut bob = client_with("bob", config);
    let made = bob.replenish(NOW).unwrap();
    assert_eq!(made.len(), 4); // three and the last-resort one
    assert_eq!(bob.key_package_count(), 3);
    assert!(bob.replenish(NOW + 50).unwrap().is_empty());
    // Expired: all four replaced.
    let made = bob.replenish(NOW + 100).unwrap();
    assert_eq!(made.len(), 4);
    assert_eq!(bob.storage().key_packages().unwrap().len(), 4);
    assert!(
        bob.key_packages()
            .all(|(_, i)| i.created_at == NOW + 100 && i.not_after == NOW + 200)
    );
}

#[test]
fn past_epochs_are_kept_by_count() {
    let mut c = group_of(&["alice", "bob"]);
    let mut bob = c.pop().unwrap();
    assert_eq!(bob.group(G).unwrap().config().max_past_epochs, 2);
    let old = enc(&c[0].send(G, b"epoch 1", b"").unwrap());
    let kept = enc(&c[0].send(G, b"epoch 1 again", b"").unwrap());
    for _ in 0..3 {
        let out = c[0].commit(G, CommitOptions::default(), NOW).unwrap();
        deliver(&mut c[0], &enc(&out.commit));
        deliver(&mut bob, &enc(&out.commit));
    }
    assert_eq!(bob.group(G).unwrap().past_epochs(), vec![2, 3]);
    // Epoch 1 was dropped by count after the third Commit, not before.
    refused_unchanged(&mut bob, &old, GroupError::PastEpochUnavailable.into());
    let _ = kept;
}

#[test]
fn past_epochs_are_deleted_by_age() {
    let config = ClientConfig {
        max_past_epoch_age: Some(100),
        ..ClientConfig::default()
    };
    let mut c = group_of(&["alice", "bob"]);
    let storage = c.pop().unwrap().into_storage();
    let mut bob = Client::load(provider(), storage, config).unwrap();
    let late = enc(&c[0].send(G, b"late", b"").unwrap());
    let later = enc(&c[0].send(G, b"later", b"").unwrap());
    let out = c[0].commit(G, CommitOptions::default(), NOW).unwrap();
    deliver(&mut c[0], &enc(&out.commit));
    bob.process_incoming(&enc(&out.commit), NOW + 1000).unwrap();
    assert_eq!(bob.group(G).unwrap().past_epochs(), vec![1]);
    // Within the age: nothing changes, byte for byte.
    let before = dump(bob.storage());
    assert_eq!(bob.expire_past_epochs(NOW + 1099).unwrap(), 0);
    assert_eq!(dump(bob.storage()), before);
    let events = bob.process_incoming(&late, NOW + 1099).unwrap();
    assert!(matches!(
        events[..],
        [ClientEvent::ApplicationMessage { epoch: 1, .. }]
    ));
    // At the age: epoch 1's secrets are deleted, in storage too.
    assert_eq!(bob.expire_past_epochs(NOW + 1100).unwrap(), 1);
    assert!(bob.group(G).unwrap().past_epochs().is_empty());
    let reloaded = Client::load(provider(), bob.storage().clone(), bob.config().clone()).unwrap();
    assert!(reloaded.group(G).unwrap().past_epochs().is_empty());
    let before = dump(bob.storage());
    let events = bob.process_incoming(&later, NOW + 1100).unwrap();
    assert_eq!(refusal(&events), GroupError::PastEpochUnavailable.into());
    assert_eq!(dump(bob.storage()), before);
}

#[test]
fn drop_past_epochs_before_keeps_the_state_when_nothing_is_dropped() {
    let mut c = group_of(&["alice", "bob"]);
    for _ in 0..2 {
        let out = c[0].commit(G, CommitOptions::default(), NOW).unwrap();
        deliver(&mut c[0], &enc(&out.commit));
    }
    let mut g = c[0].group(G).unwrap().clone();
    let before = g.to_bytes().unwrap();
    assert_eq!(g.past_epochs(), vec![1, 2]);
    assert_eq!(g.drop_past_epochs_before(1), 0);
    assert_eq!(g.to_bytes().unwrap(), before);
    assert_eq!(g.drop_past_epochs_before(2), 1);
    assert_eq!(g.past_epochs(), vec![2]);
    assert_ne!(g.to_bytes().unwrap(), before);
    assert_eq!(g.drop_past_epochs_before(u64::MAX), 1);
    assert!(g.past_epochs().is_empty());
}

#[test]
fn a_client_reloaded_mid_history_behaves_identically() {
    let mut c = group_of(&["alice", "bob"]);
    // alice has a pending Commit; bob has a buffered message.
    let pending = c[0].commit(G, CommitOptions::default(), NOW).unwrap();
    let bob_commit = c[1].commit(G, CommitOptions::default(), NOW).unwrap();
    deliver(&mut c[1], &enc(&bob_commit.commit));
    let future = enc(&c[1].send(G, b"epoch 2", b"").unwrap());
    let app = enc(&c[1].send(G, b"again", b"").unwrap());
    let _ = app;

    let alice_cfg = c[0].config().clone();
    let reloaded = Client::load(provider(), c[0].storage().clone(), alice_cfg).unwrap();
    assert_eq!(state(&reloaded), state(&c[0]));
    assert!(reloaded.has_pending_commit(G));
    let mut twins = [c.remove(0), reloaded];
    for a in &mut twins {
        let events = deliver(a, &future);
        assert!(matches!(events[..], [ClientEvent::MessageBuffered { .. }]));
    }
    // Reload again with the buffered message in storage.
    let cfg = twins[1].config().clone();
    let storage = twins[1].storage().clone();
    twins[1] = Client::load(provider(), storage, cfg).unwrap();
    assert_eq!(twins[1].buffered_count(G), 1);
    for a in &mut twins {
        let events = deliver(a, &enc(&bob_commit.commit));
        assert!(matches!(
            &events[..],
            [
                ClientEvent::OwnCommitDiscarded { .. },
                ClientEvent::EpochChanged { epoch: 2, .. },
                ClientEvent::ApplicationMessage { .. }
            ]
        ));
    }
    assert_eq!(state(&twins[0]), state(&twins[1]));
    assert_eq!(dump(twins[0].storage()), dump(twins[1].storage()));
    // Own echo after a reload.
    let out = twins[1].commit(G, CommitOptions::default(), NOW).unwrap();
    let cfg = twins[1].config().clone();
    let storage = twins[1].storage().clone();
    let mut again = Client::load(provider(), storage, cfg).unwrap();
    let events = deliver(&mut again, &enc(&out.commit));
    assert!(matches!(
        events[0],
        ClientEvent::OwnCommitMerged { epoch: 3, .. }
    ));
    deliver(&mut c[0], &enc(&out.commit));
    assert_eq!(
        again.group(G).unwrap().epoch_authenticator(),
        c[0].group(G).unwrap().epoch_authenticator()
    );
    let _ = pending;
}

#[test]
fn refused_messages_leave_memory_and_storage_unchanged() {
    let mut c = group_of(&["alice", "bob"]);
    let mut bob = c.pop().unwrap();
    let msg = enc(&c[0].send(G, b"hi", b"").unwrap());
    // Garbage.
    let events = bob.process_incoming(b"\x00\x01garbage", NOW).unwrap();
    assert!(matches!(
        events[..],
        [ClientEvent::MessageRefused { group_id: None, .. }]
    ));
    // A tampered ciphertext (the last byte of the AEAD tag).
    let mut tampered = msg.clone();
    *tampered.last_mut().unwrap() ^= 1;
    let before = dump(bob.storage());
    let group = state(&bob);
    let events = bob.process_incoming(&tampered, NOW).unwrap();
    assert!(events[0].refusal().is_some());
    assert_eq!(dump(bob.storage()), before);
    assert_eq!(state(&bob), group);
    // The genuine message still decrypts afterwards, once.
    let events = deliver(&mut bob, &msg);
    assert!(matches!(&events[..], [ClientEvent::ApplicationMessage { data, .. }] if data == b"hi"));
    let events = bob.process_incoming(&msg, NOW).unwrap();
    assert!(events[0].refusal().is_some());
    // A KeyPackage is not for a client.
    let mut carol = client("carol");
    let kp = enc(&carol.generate_key_packages(1, NOW).unwrap()[0]);
    refused_unchanged(&mut bob, &kp, ClientError::NotForClient.into());
    // A message of an unknown group.
    let mut other = client("other");
    other.create_group(b"other".to_vec(), NOW).unwrap();
    let foreign = enc(&other.send(b"other", b"x", b"").unwrap());
    refused_unchanged(&mut bob, &foreign, ClientError::UnknownGroup.into());
}

#[test]
fn a_removed_member_refuses_its_buffer_and_reports_removal() {
    let mut c = group_of(&["alice", "bob", "carol"]);
    let carol_leaf = c[2].group(G).unwrap().own_leaf();
    let out = c[0]
        .commit(G, CommitOptions::default().remove_member(carol_leaf), NOW)
        .unwrap();
    deliver(&mut c[0], &enc(&out.commit));
    deliver(&mut c[1], &enc(&out.commit));
    let next = enc(&c[0].send(G, b"after", b"").unwrap());
    let events = deliver(&mut c[2], &next);
    assert!(matches!(events[..], [ClientEvent::MessageBuffered { .. }]));
    let events = c[2].process_incoming(&enc(&out.commit), NOW).unwrap();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ClientEvent::Removed { .. }))
    );
    assert_eq!(
        events.last().unwrap().refusal(),
        Some(&GroupError::GroupInactive.into())
    );
    assert_eq!(c[2].buffered_count(G), 0);
    assert!(c[2].storage().buffered(G).unwrap().is_empty());
    assert!(!c[2].group(G).unwrap().is_active());

    // Added again: the Welcome replaces the inactive group.
    let kp = key_package(&mut c[2]);
    let out = c[0]
        .commit(
            G,
            CommitOptions::default().add_member(kp).with_ratchet_tree(),
            NOW,
        )
        .unwrap();
    deliver(&mut c[0], &enc(&out.commit));
    deliver(&mut c[1], &enc(&out.commit));
    let welcome = enc(&out.welcome.unwrap());
    let events = deliver(&mut c[2], &welcome);
    assert!(matches!(events[..], [ClientEvent::Joined { epoch: 3, .. }]));
    converged(&c);
    // While a member, a Welcome to the same group is refused.
    let kp = key_package(&mut c[2]);
    let mut other = client("other");
    other.create_group(G.to_vec(), NOW).unwrap();
    let out = other
        .commit(
            G,
            CommitOptions::default().add_member(kp).with_ratchet_tree(),
            NOW,
        )
        .unwrap();
    refused_unchanged(
        &mut c[2],
        &enc(&out.welcome.unwrap()),
        ClientError::GroupExists.into(),
    );
    c[2].delete_group(G).unwrap();
    assert!(c[2].storage().group(G).unwrap().is_none());
    assert!(c[2].group_ids().is_empty());
}

#[test]
fn a_proposal_is_stored_and_committed_by_another_member() {
    let mut c = group_of(&["alice", "bob", "carol"]);
    let leave = enc(&c[2].leave(G).unwrap());
    // Echoes of own proposals and application messages are refused.
    refused_unchanged(&mut c[2], &leave, GroupError::DuplicateProposal.into());
    let own = enc(&c[0].send(G, b"mine", b"").unwrap());
    let before = dump(c[0].storage());
    let events = c[0].process_incoming(&own, NOW).unwrap();
    assert!(events[0].refusal().is_some(), "{events:?}");
    assert_eq!(dump(c[0].storage()), before);
    deliver(&mut c[1], &own);
    deliver(&mut c[2], &own);
    let events = deliver(&mut c[0], &leave);
    assert!(matches!(
        &events[..],
        [ClientEvent::ProposalReceived {
            proposal: Proposal::Remove(_),
            ..
        }]
    ));
    deliver(&mut c[1], &leave);
    let out = c[0].commit(G, CommitOptions::default(), NOW).unwrap();
    for member in c.iter_mut() {
        let events = deliver(member, &enc(&out.commit));
        assert!(events.iter().any(|e| matches!(
            e,
            ClientEvent::MemberRemoved { .. } | ClientEvent::Removed { .. }
        )));
    }
    c.pop();
    converged(&c);
}

/// Found by the delivery simulation (seed 1): a removed member's buffered messages of its
/// last epoch were refused with the rest of its buffer instead of decrypting.
#[test]
fn a_removed_member_still_reads_buffered_messages_of_its_last_epoch() {
    let mut c = group_of(&["alice", "bob", "carol"]);
    let carol_leaf = c[2].group(G).unwrap().own_leaf();
    let first = c[0].commit(G, CommitOptions::default(), NOW).unwrap();
    deliver(&mut c[0], &enc(&first.commit));
    let last = enc(&c[0].send(G, b"last words", b"").unwrap());
    let removal = c[0]
        .commit(G, CommitOptions::default().remove_member(carol_leaf), NOW)
        .unwrap();
    deliver(&mut c[0], &enc(&removal.commit));
    // carol gets the removal (epoch 2) and the message (epoch 2) before epoch 2 opens.
    deliver(&mut c[2], &enc(&removal.commit));
    deliver(&mut c[2], &last);
    assert_eq!(c[2].buffered_count(G), 2);
    let events = deliver(&mut c[2], &enc(&first.commit));
    assert!(matches!(
        &events[..],
        [
            ClientEvent::EpochChanged { epoch: 2, .. },
            ClientEvent::MemberRemoved { .. },
            ClientEvent::Removed { .. },
            ClientEvent::ApplicationMessage { data, epoch: 2, .. },
        ] if data == b"last words"
    ));
    assert_eq!(c[2].buffered_count(G), 0);
}
