//! Delivery simulation (issue #14): 50 clients, each with its own `MemoryStorage`, in one
//! group behind a simulated delivery service (seeded, deterministic) that delays messages
//! across epochs, reorders, duplicates and drops them (a dropped delivery is retransmitted
//! later, so nothing is lost for good), while several members commit in the same epoch
//! (the DS sequences Commits: the first one of an epoch wins, the others are rejected) and
//! members send application messages. Every few rounds a member is reloaded from its
//! storage. At the end every member has the same epoch and epoch authenticator, no member
//! has a pending Commit or buffered message, and every application message reached every
//! other member exactly once.

use std::collections::BTreeMap;
use std::sync::Arc;

use melos::client::{Client, ClientConfig, ClientEvent};
use melos::crypto::rust_crypto::RustCrypto;
use melos::group::{CommitOptions, SigningIdentity};
use melos::messages::Credential;
use melos::storage::{MemoryStorage, Storage};
use melos::{CipherSuite, CryptoProvider};

const MEMBERS: usize = 50;
const ROUNDS: u64 = 150;
const G: &[u8] = b"simulated group";

/// SplitMix64: a small deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// A message on its way to one member.
struct Envelope {
    due: u64,
    bytes: Arc<Vec<u8>>,
    /// For a Welcome, the epoch it joins (the DS knows it from the Commit).
    welcome_epoch: Option<u64>,
}

struct Ds {
    /// The epoch whose Commit the DS accepts next.
    epoch: u64,
    inboxes: Vec<Vec<Envelope>>,
    accepted_commits: usize,
    rejected_commits: usize,
}

impl Ds {
    /// Fans `bytes` out to `to`, each copy with its own delay (up to 8 rounds: several
    /// epochs).
    fn fan_out(
        &mut self,
        rng: &mut Rng,
        now: u64,
        bytes: Vec<u8>,
        to: impl Iterator<Item = usize>,
    ) {
        let bytes = Arc::new(bytes);
        for m in to {
            let due = now + rng.below(9);
            self.inboxes[m].push(Envelope {
                due,
                bytes: bytes.clone(),
                welcome_epoch: None,
            });
        }
    }

    /// A Commit made in `epoch`: the first of its epoch is accepted and sent to every
    /// member (its committer too: the echo that confirms it); the others are rejected.
    fn submit_commit(&mut self, rng: &mut Rng, now: u64, epoch: u64, bytes: Vec<u8>) {
        if epoch != self.epoch {
            self.rejected_commits += 1;
            return;
        }
        self.epoch += 1;
        self.accepted_commits += 1;
        self.fan_out(rng, now, bytes, 0..MEMBERS);
    }
}

fn config() -> ClientConfig {
    let mut config = ClientConfig::new(CipherSuite(1));
    // Messages are delayed by several epochs: keep enough past epochs (by count and by
    // age: the simulated clock advances 10 s a round) that none is lost.
    config.group.max_past_epochs = 32;
    config.max_past_epoch_age = Some(100_000);
    config
}

#[test]
fn fifty_members_converge_behind_a_hostile_but_reliable_delivery_service() {
    let provider: Arc<dyn CryptoProvider> = Arc::new(RustCrypto::new());
    let cs = provider.suite(CipherSuite(1)).unwrap();
    let mut rng = Rng(0x6d65_6c6f_735f_6473);
    let now = |round: u64| 1_700_000_000 + round * 10;

    let mut clients: Vec<Client<MemoryStorage>> = (0..MEMBERS)
        .map(|i| {
            let id = SigningIdentity::generate(
                cs,
                Credential::Basic(format!("member {i}").into_bytes()),
            )
            .unwrap();
            Client::create(provider.clone(), id, config(), MemoryStorage::new()).unwrap()
        })
        .collect();

    // Set-up: member 0 creates the group and adds everyone in one Commit.
    clients[0].create_group(G.to_vec(), now(0)).unwrap();
    let mut options = CommitOptions::default().with_ratchet_tree();
    for c in clients.iter_mut().skip(1) {
        let kp = c.generate_key_packages(1, now(0)).unwrap().pop().unwrap();
        options = options.add_member(kp.into_key_package().unwrap());
    }
    let out = clients[0].commit(G, options, now(0)).unwrap();
    clients[0]
        .process_incoming(&out.commit.encode().unwrap(), now(0))
        .unwrap();
    let welcome = out.welcome.unwrap().encode().unwrap();
    for c in clients.iter_mut().skip(1) {
        let events = c.process_incoming(&welcome, now(0)).unwrap();
        assert!(matches!(events[..], [ClientEvent::Joined { epoch: 1, .. }]));
    }

    let mut ds = Ds {
        epoch: 1,
        inboxes: (0..MEMBERS).map(|_| Vec::new()).collect(),
        accepted_commits: 0,
        rejected_commits: 0,
    };
    // delivered[member][message id]
    let mut delivered: Vec<BTreeMap<u32, u32>> = vec![BTreeMap::new(); MEMBERS];
    let mut sent: Vec<(usize, u32)> = Vec::new();
    let mut refusals: BTreeMap<String, usize> = BTreeMap::new();
    let mut races_lost = 0usize;
    let mut buffered = 0usize;
    let mut reloads = 0usize;
    let mut next_id = 0u32;

    let mut round = 0u64;
    loop {
        let t = now(round);
        let active = round < ROUNDS;
        if active {
            // Several members commit in the same epoch about every other round.
            if rng.chance(50) {
                let committers = 1 + rng.below(4);
                let mut made = Vec::new();
                for _ in 0..committers {
                    let m = rng.below(MEMBERS as u64) as usize;
                    if clients[m].has_pending_commit(G) {
                        continue;
                    }
                    let epoch = clients[m].group(G).unwrap().epoch();
                    let out = clients[m].commit(G, CommitOptions::default(), t).unwrap();
                    made.push((epoch, out.commit.encode().unwrap()));
                }
                for (epoch, bytes) in made {
                    ds.submit_commit(&mut rng, round, epoch, bytes);
                }
            }
            // Application messages.
            for _ in 0..rng.below(4) {
                let m = rng.below(MEMBERS as u64) as usize;
                let id = next_id;
                next_id += 1;
                let msg = clients[m].send(G, &id.to_be_bytes(), b"sim").unwrap();
                sent.push((m, id));
                ds.fan_out(
                    &mut rng,
                    round,
                    msg.encode().unwrap(),
                    (0..MEMBERS).filter(|&r| r != m),
                );
            }
            // Now and then a member restarts from its storage.
            if rng.chance(10) {
                let m = rng.below(MEMBERS as u64) as usize;
                let storage = clients[m].storage().clone();
                clients[m] = Client::load(provider.clone(), storage, config()).unwrap();
                reloads += 1;
            }
        }

        // Deliveries: what is due, in random order, some dropped (retransmitted later),
        // some duplicated.
        let mut pending = 0usize;
        for m in 0..MEMBERS {
            let inbox = std::mem::take(&mut ds.inboxes[m]);
            let (mut due, later): (Vec<_>, Vec<_>) =
                inbox.into_iter().partition(|e| e.due <= round);
            ds.inboxes[m] = later;
            // Fisher-Yates.
            for i in (1..due.len()).rev() {
                let j = rng.below(i as u64 + 1) as usize;
                due.swap(i, j);
            }
            for env in due {
                if rng.chance(10) {
                    ds.inboxes[m].push(Envelope {
                        due: round + 1 + rng.below(4),
                        bytes: env.bytes,
                        welcome_epoch: None,
                    });
                    continue;
                }
                if rng.chance(8) {
                    ds.inboxes[m].push(Envelope {
                        due: round + rng.below(6),
                        bytes: env.bytes.clone(),
                        welcome_epoch: None,
                    });
                }
                let events = clients[m].process_incoming(&env.bytes, t).unwrap();
                for e in events {
                    match e {
                        ClientEvent::ApplicationMessage { data, aad, .. } => {
                            assert_eq!(aad, b"sim");
                            let id = u32::from_be_bytes(data.try_into().unwrap());
                            *delivered[m].entry(id).or_default() += 1;
                        }
                        ClientEvent::OwnCommitDiscarded { resend, .. } => {
                            assert!(resend.is_empty());
                            races_lost += 1;
                        }
                        ClientEvent::MessageBuffered { .. } => buffered += 1,
                        ClientEvent::MessageRefused { reason, .. } => {
                            *refusals.entry(format!("{reason:?}")).or_default() += 1;
                        }
                        _ => {}
                    }
                }
            }
            pending += ds.inboxes[m].len();
        }
        round += 1;
        if !active && pending == 0 {
            break;
        }
        assert!(round < ROUNDS + 500, "the DS does not drain");
    }

    eprintln!(
        "rounds {round}, epoch {}, commits accepted {} rejected {}, races lost {races_lost}, \
         messages {}, buffered {buffered}, reloads {reloads}, refusals {refusals:?}",
        ds.epoch,
        ds.accepted_commits,
        ds.rejected_commits,
        sent.len()
    );
    assert!(ds.accepted_commits >= 30, "too few epochs to mean anything");
    assert!(races_lost > 0 && buffered > 0 && reloads > 0);

    // Convergence.
    let a = clients[0].group(G).unwrap();
    assert_eq!(a.epoch(), ds.epoch);
    for c in &clients {
        let g = c.group(G).unwrap();
        assert_eq!(g.epoch(), a.epoch());
        assert_eq!(g.epoch_authenticator(), a.epoch_authenticator());
        assert!(!c.has_pending_commit(G));
        assert_eq!(c.buffered_count(G), 0);
        assert!(c.storage().buffered(G).unwrap().is_empty());
    }
    // Every application message reached every other member exactly once.
    for (sender, id) in &sent {
        for (m, got) in delivered.iter().enumerate() {
            let n = got.get(id).copied().unwrap_or(0);
            let expected = u32::from(m != *sender);
            assert_eq!(n, expected, "message {id} from {sender} at member {m}");
        }
    }
    // Only the refusals the DS's duplicates and rejected races cause.
    for reason in refusals.keys() {
        assert!(
            [
                "PastEpochUnavailable",
                "AlreadyBuffered",
                "SecretTree",
                "Framing"
            ]
            .iter()
            .any(|ok| reason.contains(ok)),
            "unexpected refusal {reason}"
        );
    }
}

/// Which client a credential names ("member {i}").
fn index_of(credential: &Credential) -> usize {
    let Credential::Basic(name) = credential else {
        panic!("basic credentials only")
    };
    std::str::from_utf8(name)
        .unwrap()
        .strip_prefix("member ")
        .unwrap()
        .parse()
        .unwrap()
}

/// The same delivery service with membership changes: 50 clients, 40 of them in the group
/// at first; Commits also add outsiders (by a fresh KeyPackage) and remove members, racing
/// as before, and the loser of a race commits again what its
/// `ClientEvent::OwnCommitDiscarded` says is still wanted. The DS routes every message to
/// the members of its epoch (a Commit also to the members it removes) and keeps a member's
/// queue in the one order a real DS guarantees per recipient: a new member's group messages
/// wait for its Welcome, and a removed member's Welcome for the Commit that removed it.
#[test]
fn members_join_and_leave_behind_the_same_delivery_service() {
    use std::collections::BTreeSet;

    use melos::messages::Proposal;

    const INITIAL: usize = 40;
    let provider: Arc<dyn CryptoProvider> = Arc::new(RustCrypto::new());
    let cs = provider.suite(CipherSuite(1)).unwrap();
    let mut rng = Rng(0x6368_7572_6e5f_7369);
    let now = |round: u64| 1_700_000_000 + round * 10;

    let mut clients: Vec<Client<MemoryStorage>> = (0..MEMBERS)
        .map(|i| {
            let id = SigningIdentity::generate(
                cs,
                Credential::Basic(format!("member {i}").into_bytes()),
            )
            .unwrap();
            Client::create(provider.clone(), id, config(), MemoryStorage::new()).unwrap()
        })
        .collect();
    clients[0].create_group(G.to_vec(), now(0)).unwrap();
    let mut options = CommitOptions::default().with_ratchet_tree();
    for c in clients.iter_mut().take(INITIAL).skip(1) {
        let kp = c.generate_key_packages(1, now(0)).unwrap().pop().unwrap();
        options = options.add_member(kp.into_key_package().unwrap());
    }
    let out = clients[0].commit(G, options, now(0)).unwrap();
    clients[0]
        .process_incoming(&out.commit.encode().unwrap(), now(0))
        .unwrap();
    let welcome = out.welcome.unwrap().encode().unwrap();
    for c in clients.iter_mut().take(INITIAL).skip(1) {
        c.process_incoming(&welcome, now(0)).unwrap();
    }

    // The DS: the members of each epoch, and every recipient's queue.
    let mut ds_epoch = 1u64;
    let mut roster: BTreeMap<u64, BTreeSet<usize>> = BTreeMap::new();
    roster.insert(1, (0..INITIAL).collect());
    let mut inboxes: Vec<Vec<Envelope>> = (0..MEMBERS).map(|_| Vec::new()).collect();
    let mut resend: Vec<Vec<Proposal>> = vec![Vec::new(); MEMBERS];
    // (sender, epoch, id) of every application message, and who got which.
    let mut sent: Vec<(usize, u64, u32)> = Vec::new();
    let mut delivered: Vec<BTreeMap<u32, u32>> = vec![BTreeMap::new(); MEMBERS];
    // The epochs at which each client (re)joined.
    let mut joins: Vec<Vec<u64>> = vec![Vec::new(); MEMBERS];
    let (mut added, mut removed, mut resent, mut held_back) = (0usize, 0usize, 0usize, 0usize);
    let mut refusals: BTreeMap<String, usize> = BTreeMap::new();
    let mut next_id = 0u32;

    let push = |inboxes: &mut Vec<Vec<Envelope>>,
                rng: &mut Rng,
                round: u64,
                bytes: &Arc<Vec<u8>>,
                to: usize,
                welcome_epoch: Option<u64>| {
        let due = round + rng.below(9);
        inboxes[to].push(Envelope {
            due,
            bytes: bytes.clone(),
            welcome_epoch,
        });
    };

    let mut round = 0u64;
    loop {
        let t = now(round);
        let active = round < ROUNDS;
        if active {
            if rng.chance(50) {
                let mut made = Vec::new();
                for _ in 0..1 + rng.below(4) {
                    let m = rng.below(MEMBERS as u64) as usize;
                    let Some(g) = clients[m].group(G) else {
                        continue;
                    };
                    if !g.is_active() || clients[m].has_pending_commit(G) {
                        continue;
                    }
                    let epoch = g.epoch();
                    let view = g.members();
                    let mut proposals = std::mem::take(&mut resend[m]);
                    resent += usize::from(!proposals.is_empty());
                    if proposals.is_empty() && rng.chance(30) {
                        // Remove another member.
                        let others: Vec<_> =
                            view.iter().filter(|x| x.index != g.own_leaf()).collect();
                        if !others.is_empty() {
                            let x = others[rng.below(others.len() as u64) as usize];
                            proposals.push(Proposal::Remove(melos::messages::Remove {
                                removed: x.index,
                            }));
                        }
                    } else if proposals.is_empty() && rng.chance(40) {
                        // Add an outsider (in this member's view) with a fresh KeyPackage.
                        let inside: BTreeSet<usize> =
                            view.iter().map(|x| index_of(&x.credential)).collect();
                        let outside: Vec<usize> =
                            (0..MEMBERS).filter(|i| !inside.contains(i)).collect();
                        if !outside.is_empty() {
                            let x = outside[rng.below(outside.len() as u64) as usize];
                            let kp = clients[x]
                                .generate_key_packages(1, t)
                                .unwrap()
                                .pop()
                                .unwrap();
                            proposals.push(Proposal::Add(Box::new(melos::messages::Add {
                                key_package: kp.into_key_package().unwrap(),
                            })));
                        }
                    }
                    // A resend from several epochs ago may be out of date by now.
                    proposals.retain(|p| match p {
                        Proposal::Remove(r) => view.iter().any(|x| x.index == r.removed),
                        Proposal::Add(a) => {
                            let x = index_of(&a.key_package.leaf_node.credential);
                            view.iter().all(|v| index_of(&v.credential) != x)
                        }
                        _ => false,
                    });
                    // Who the Commit adds and removes, by client.
                    let mut adds = Vec::new();
                    let mut removes = Vec::new();
                    for p in &proposals {
                        match p {
                            Proposal::Add(a) => {
                                adds.push(index_of(&a.key_package.leaf_node.credential))
                            }
                            Proposal::Remove(r) => {
                                let x = view.iter().find(|x| x.index == r.removed).unwrap();
                                removes.push(index_of(&x.credential));
                            }
                            _ => unreachable!(),
                        }
                    }
                    let mut options = CommitOptions::default().with_ratchet_tree();
                    options.proposals = proposals;
                    let Ok(out) = clients[m].commit(G, options, t) else {
                        continue;
                    };
                    made.push((epoch, out, adds, removes));
                }
                for (epoch, out, adds, removes) in made {
                    if epoch != ds_epoch {
                        continue; // rejected: the committer learns from the winner
                    }
                    let before = roster[&epoch].clone();
                    let mut after = before.clone();
                    for x in &removes {
                        after.remove(x);
                    }
                    after.extend(adds.iter().copied());
                    added += adds.len();
                    removed += removes.len();
                    let commit = Arc::new(out.commit.encode().unwrap());
                    for &to in &before {
                        push(&mut inboxes, &mut rng, round, &commit, to, None);
                    }
                    if let Some(w) = out.welcome {
                        let w = Arc::new(w.encode().unwrap());
                        for &to in &adds {
                            push(&mut inboxes, &mut rng, round, &w, to, Some(epoch + 1));
                        }
                    }
                    ds_epoch += 1;
                    roster.insert(ds_epoch, after);
                }
            }
            for _ in 0..rng.below(4) {
                let m = rng.below(MEMBERS as u64) as usize;
                let Some(g) = clients[m].group(G) else {
                    continue;
                };
                if !g.is_active() {
                    continue;
                }
                let epoch = g.epoch();
                let id = next_id;
                next_id += 1;
                let msg = Arc::new(
                    clients[m]
                        .send(G, &id.to_be_bytes(), b"sim")
                        .unwrap()
                        .encode()
                        .unwrap(),
                );
                sent.push((m, epoch, id));
                for &to in roster[&epoch].iter().filter(|&&r| r != m) {
                    push(&mut inboxes, &mut rng, round, &msg, to, None);
                }
            }
            if rng.chance(10) {
                let m = rng.below(MEMBERS as u64) as usize;
                let storage = clients[m].storage().clone();
                clients[m] = Client::load(provider.clone(), storage, config()).unwrap();
            }
        }

        let mut pending = 0usize;
        for m in 0..MEMBERS {
            let inbox = std::mem::take(&mut inboxes[m]);
            let (mut due, later): (Vec<_>, Vec<_>) =
                inbox.into_iter().partition(|e| e.due <= round);
            inboxes[m] = later;
            for i in (1..due.len()).rev() {
                let j = rng.below(i as u64 + 1) as usize;
                due.swap(i, j);
            }
            for env in due {
                // The per-recipient order of a real DS.
                let msg = melos::framing::MlsMessage::decode(&env.bytes).unwrap();
                let group = clients[m].group(G);
                let hold = match msg.epoch() {
                    // A Welcome waits while the member still holds an active state of an
                    // earlier epoch (the Commit that removed it is on its way).
                    None => group
                        .is_some_and(|g| g.is_active() && g.epoch() < env.welcome_epoch.unwrap()),
                    Some(e) => group.is_none_or(|g| !g.is_active() && e > g.epoch()),
                };
                if hold || rng.chance(10) {
                    held_back += usize::from(hold);
                    inboxes[m].push(Envelope {
                        due: round + 1 + rng.below(4),
                        bytes: env.bytes,
                        welcome_epoch: env.welcome_epoch,
                    });
                    continue;
                }
                if rng.chance(8) {
                    inboxes[m].push(Envelope {
                        due: round + rng.below(6),
                        bytes: env.bytes.clone(),
                        welcome_epoch: env.welcome_epoch,
                    });
                }
                for e in clients[m].process_incoming(&env.bytes, t).unwrap() {
                    match e {
                        ClientEvent::ApplicationMessage { data, .. } => {
                            let id = u32::from_be_bytes(data.try_into().unwrap());
                            *delivered[m].entry(id).or_default() += 1;
                        }
                        ClientEvent::Joined { epoch, .. } => joins[m].push(epoch),
                        ClientEvent::OwnCommitDiscarded { resend: r, .. } => resend[m] = r,
                        ClientEvent::MessageRefused { reason, .. } => {
                            *refusals.entry(format!("{reason:?}")).or_default() += 1;
                        }
                        _ => {}
                    }
                }
            }
            pending += inboxes[m].len();
        }
        round += 1;
        if !active && pending == 0 {
            break;
        }
        if round == ROUNDS + 499 {
            for m in 0..MEMBERS {
                if inboxes[m].is_empty() {
                    continue;
                }
                let g = clients[m].group(G).map(|g| (g.epoch(), g.is_active()));
                let kinds: Vec<_> = inboxes[m]
                    .iter()
                    .map(|e| {
                        let msg = melos::framing::MlsMessage::decode(&e.bytes).unwrap();
                        (msg.epoch(), msg.content_type())
                    })
                    .collect();
                eprintln!(
                    "stuck {m}: group {g:?} joins {:?} inbox {kinds:?}",
                    joins[m]
                );
            }
        }
        assert!(round < ROUNDS + 500, "the DS does not drain");
    }

    eprintln!(
        "churn: rounds {round}, epoch {ds_epoch}, added {added}, removed {removed}, resent {resent}, \
         held back {held_back}, messages {}, members at the end {}, refusals {refusals:?}",
        sent.len(),
        roster[&ds_epoch].len()
    );
    assert!(added > 0 && removed > 0 && resent > 0);
    // Only the refusals the DS's duplicates and rejected races cause.
    for reason in refusals.keys() {
        assert!(
            [
                "PastEpochUnavailable",
                "AlreadyBuffered",
                "GenerationExpired",
                "NoKeyPackageForWelcome",
            ]
            .iter()
            .any(|ok| reason.contains(ok)),
            "unexpected refusal {reason}"
        );
    }
    let members = &roster[&ds_epoch];
    let first = *members.iter().next().unwrap();
    let reference = clients[first].group(G).unwrap();
    assert_eq!(reference.epoch(), ds_epoch);
    for (i, c) in clients.iter().enumerate() {
        let g = c.group(G);
        if members.contains(&i) {
            let g = g.unwrap();
            assert!(g.is_active(), "member {i}");
            assert_eq!(g.epoch(), ds_epoch, "member {i}");
            assert_eq!(g.epoch_authenticator(), reference.epoch_authenticator());
            assert!(!c.has_pending_commit(G));
            assert_eq!(c.buffered_count(G), 0);
            let expected: BTreeSet<usize> = g
                .members()
                .iter()
                .map(|x| index_of(&x.credential))
                .collect();
            assert_eq!(&expected, members);
        } else {
            assert!(g.is_none_or(|g| !g.is_active()), "outsider {i}");
        }
    }
    // Every application message reached every other member of its epoch exactly once,
    // unless that member was removed and added again since (its old epochs went with the
    // state the Welcome replaced).
    for (sender, epoch, id) in &sent {
        for &m in roster[epoch].iter().filter(|&&m| m != *sender) {
            let n = delivered[m].get(id).copied().unwrap_or(0);
            let rejoined = joins[m].iter().any(|&j| j > *epoch);
            assert!(
                n == 1 || (n == 0 && rejoined),
                "message {id} of epoch {epoch} at member {m}: {n}"
            );
        }
    }
    for (m, got) in delivered.iter().enumerate() {
        for (id, n) in got {
            let (_, epoch, _) = sent[*id as usize];
            assert!(
                roster[&epoch].contains(&m) && *n == 1,
                "message {id} at {m}"
            );
        }
    }
}
