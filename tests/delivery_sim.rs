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
                    });
                    continue;
                }
                if rng.chance(8) {
                    ds.inboxes[m].push(Envelope {
                        due: round + rng.below(6),
                        bytes: env.bytes.clone(),
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
