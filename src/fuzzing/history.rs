//! Fuzz entry point for the history of one group (RFC 9420 §12, §14): the input is a
//! program of operations over up to [`MAX_CLIENTS`] clients, and a Delivery Service that
//! orders Commits (the first Commit of an epoch that reaches it wins, RFC 9420 §14 and the
//! MLS architecture's "strongly consistent" DS) and, per message and per receiver,
//! delivers, drops, duplicates, reorders, delays past the next Commit, or flips bytes.
//! Members that miss a Commit fall behind and catch up in order, or resync by external
//! Commit. All randomness comes from a provider seeded by the input ([`random`]), so every
//! finding replays exactly.
//!
//! The input starts with a header of [`HEADER_LEN`] bytes: four bytes of the randomness
//! seed, then a byte whose low seven bits modulo 7 pick the number of clients (2 to 8) and
//! whose top bit has the creator add every client but the last one at once. Client 0
//! creates the group (suite 1, the custom and draft-ietf-mls-extensions types of
//! [`extensions_capabilities`](super::member_ops::fixture::extensions_capabilities), the
//! application component [`APP_COMPONENT`](super::member_ops::fixture::APP_COMPONENT)
//! registered by every client, the external PSK
//! [`PSK_ID`](super::member_ops::fixture::PSK_ID) known to everyone). Then at most
//! [`MAX_OPS`] operations follow, each an opcode byte
//! (modulo 16) and its operands (a client is a byte modulo the number of clients):
//!
//! | op | operation | operands |
//! |----|-----------|----------|
//! | 0 | Add: a member adds a client with a fresh KeyPackage, by value in its Commit or by reference (a proposal) | member, client, flags (bit 0 by reference, bit 1 path only when required) |
//! | 1 | Remove: a member removes a client's leaf, by value or by reference | member, client, flags (as op 0) |
//! | 2 | Update: [`Group::propose_update`] | member |
//! | 3 | Commit: [`Group::commit`] of the pool, with one proposal by value | member, flags (bit 0 path only when required, bits 1-3: none, external PSK, resumption PSK, GroupContextExtensions, AppDataUpdate update, AppDataUpdate remove, none, none), operands |
//! | 4 | PSK proposal by reference: external, or resumption of a recent epoch | member, kind |
//! | 5 | GroupContextExtensions proposal by reference | member, extensions choice |
//! | 6 | External join ([`Group::join_by_external_commit`]) from a member's GroupInfo | joiner, publisher, flags (bit 0 inject the external PSK) |
//! | 7 | Resync: as op 6, removing the joiner's prior leaf ([`PriorLeaf::SameCredential`]) | joiner, publisher, flags |
//! | 8 | Application message | member, plaintext |
//! | 9 | Save and restore ([`Group::to_bytes`], [`Group::from_bytes`]) | member |
//! | 10 | DS action on one message for one receiver | receiver, message index, action (deliver, drop, duplicate, reorder, delay past the next Commit, flip bytes: offset, mask) |
//! | 11 | DS delivers a receiver's whole queue in order | receiver |
//! | 12 | DS delivers every queue in order | - |
//! | 13 | A client makes a new KeyPackage | client |
//! | 14 | SelfRemove ([`Group::self_remove`], draft-ietf-mls-extensions) by reference | member |
//! | 15 | AppDataUpdate (draft-ietf-mls-extensions) by reference | member, kind (bit 0 remove, else update with data) |
//!
//! A Commit is sent to the DS at once: if its epoch is the DS's current epoch it wins, its
//! sender merges it and it is queued for every other client that has a state (a Welcome
//! for the clients it added); otherwise it loses and its sender discards it.
//!
//! Checked after every step and every delivery (a failing `assert!` is a finding):
//! - every active member in epoch `e` agrees with the DS's record of epoch `e` (taken from
//!   the Commit's sender): `epoch_authenticator`, tree hash and an exporter output;
//! - a refused message leaves the receiver's [`Group::to_bytes`] byte for byte unchanged,
//!   except a PrivateMessage that decrypted and verified, whose ratchet key is consumed
//!   (RFC 9420 §9.2): then the state equals that of a copy from before that only
//!   authenticated the message;
//! - a message with flipped bytes is never accepted (every byte is signed, MACed or
//!   AEAD-protected), and accepted application data is the plaintext sent;
//! - every active member in epoch `e` has the `app_data_dictionary` of the DS's record
//!   ([`Group::app_data_dictionary`]);
//! - a member that merged the Commit removing it is inactive and accepts no message of a
//!   later epoch; a member whose credential leaves the group is told so by the Commit;
//!   a member whose SelfRemove the Commit covers sees [`SelfRemoval::Verified`](crate::group::SelfRemoval::Verified);
//! - a restored state processes the next message exactly as the original (same outcome,
//!   same content, same saved bytes after);
//! - liveness: an up-to-date member accepts the winning Commit when it holds every proposal
//!   the Commit covers (no PSK involved), decrypts application data of its epoch delivered
//!   once, and an added client joins by its Welcome.

pub mod random;
pub mod seeds;

mod ds;
mod ops;
#[cfg(test)]
mod tests;

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::components::AppDataDictionary;
use crate::crypto::{CryptoProvider, Secret};
use crate::framing::MlsMessage;
use crate::group::{CreateOptions, Group, KeyPackageOptions, PriorLeaf, PskStore, SigningIdentity};
use crate::messages::{Credential, KeyPackage, KeyPackageBundle, Lifetime, ProposalRef};

use super::member_ops::Reader;
use super::member_ops::fixture::{
    PSK_ID, SUITE, extensions_capabilities as capabilities, extensions_config as config,
};

/// The most operations a program runs.
pub const MAX_OPS: usize = 32;
/// The most clients.
pub const MAX_CLIENTS: usize = 8;
/// The header: four seed bytes and the clients byte.
pub const HEADER_LEN: usize = 5;
/// The label of the exporter output members must agree on (RFC 9420 §8.5).
pub const EXPORTER_LABEL: &[u8] = b"melos history fuzz";
/// The most messages queued for one receiver (the oldest is dropped past it).
const INBOX: usize = 24;
/// The most KeyPackages a client keeps.
const BUNDLES: usize = 8;

/// What a run did and checked (the unit tests make sure the checks run).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Operations run.
    pub ops: usize,
    /// Commits that won their epoch at the DS.
    pub commits: usize,
    /// Commits that lost (sent in an epoch the DS had moved past).
    pub lost_commits: usize,
    /// Commits merged by receivers.
    pub merges: usize,
    /// Joins by Welcome.
    pub joins: usize,
    /// External joins (not resyncs) that won.
    pub external_joins: usize,
    /// Resyncs that won.
    pub resyncs: usize,
    /// Application messages decrypted.
    pub applications: usize,
    /// Refused messages whose state was checked.
    pub refusals: usize,
    /// Of those, PrivateMessages that consumed their key, checked against an
    /// authenticate-only copy.
    pub ratchet_refusals: usize,
    /// Messages of a later epoch refused by a removed member.
    pub removed_refusals: usize,
    /// Member-against-DS agreement checks.
    pub agreements: usize,
    /// Restored states compared with their original on a message.
    pub restores: usize,
    /// Deliveries with flipped bytes.
    pub flipped: usize,
    /// Winning Commits that cover a SelfRemove proposal.
    pub self_remove_commits: usize,
    /// Members that merged a Commit covering their own SelfRemove and saw
    /// [`SelfRemoval::Verified`](crate::group::SelfRemoval::Verified).
    pub self_removals: usize,
    /// Winning Commits that carry an AppDataUpdate proposal (by value or by reference).
    pub app_data_commits: usize,
}

/// The DS's record of an epoch, from the sender of the Commit that started it.
#[derive(Clone, Debug)]
struct EpochRecord {
    authenticator: Vec<u8>,
    tree_hash: Vec<u8>,
    exporter: Vec<u8>,
    /// The credentials of the members.
    identities: Vec<Credential>,
    /// The `app_data_dictionary` of the GroupContext.
    dictionary: Option<AppDataDictionary>,
}

/// What a queued message is, for the checks.
#[derive(Clone, Debug)]
enum Kind {
    /// A proposal.
    Proposal,
    /// The winning Commit of `epoch`.
    Commit(CommitInfo),
    /// Application data with its plaintext.
    Application(u64, Vec<u8>),
    /// A Welcome into `epoch` for the `added` clients; `psk` if the Commit used a PSK.
    Welcome {
        epoch: u64,
        added: Vec<usize>,
        psk: bool,
    },
}

/// A winning Commit, as its sender built it.
#[derive(Clone, Debug)]
struct CommitInfo {
    /// The epoch it was sent in.
    epoch: u64,
    /// The proposals it covers by reference.
    covered: Vec<ProposalRef>,
    /// Whether it uses a PSK (which late joiners may not have).
    psk: bool,
}

/// The SelfRemove proposal a member sent: its epoch and reference.
#[derive(Clone, Debug)]
struct SentSelfRemove {
    epoch: u64,
    reference: ProposalRef,
}

/// A message queued for one receiver.
#[derive(Clone, Debug)]
struct Envelope {
    message: MlsMessage,
    kind: Kind,
    /// Delivered to this receiver before (a duplicate).
    seen: bool,
}

/// One client's state in the group.
struct Member {
    group: Group,
    /// The first epoch it is no longer a member of (it merged the Commit removing it).
    removed_from: Option<u64>,
    /// A copy restored from its saved state, compared on the next message.
    twin: Option<Group>,
    /// The SelfRemove proposals it sent.
    self_removes: Vec<SentSelfRemove>,
}

impl Member {
    fn new(group: Group) -> Self {
        Member {
            group,
            removed_from: None,
            twin: None,
            self_removes: Vec::new(),
        }
    }
}

/// A client: identity, KeyPackages, group state, queue at the DS.
struct Client {
    identity: SigningIdentity,
    bundles: Vec<KeyPackageBundle>,
    state: Option<Member>,
    inbox: Vec<Envelope>,
    /// The epochs of the Welcomes it joined by.
    welcomed: Vec<u64>,
}

/// The state of a running program.
pub(crate) struct World {
    provider: Arc<dyn CryptoProvider>,
    clients: Vec<Client>,
    /// The DS's records, by epoch; the last is the DS's current epoch.
    records: Vec<EpochRecord>,
    psks: PskStore,
    stats: Stats,
}

/// Runs `data` as a program. Nothing may panic except the checks of the module
/// documentation.
pub fn history(data: &[u8]) {
    run(data);
}

/// Runs `data` as a program and returns what it did and checked.
pub fn run(data: &[u8]) -> Stats {
    let (header, program) = data.split_at(data.len().min(HEADER_LEN));
    let Some(mut world) = World::new(header) else {
        return Stats::default();
    };
    let mut r = Reader::new(program);
    for _ in 0..MAX_OPS {
        if r.is_empty() {
            break;
        }
        world.step(&mut r);
        world.check_agreement();
    }
    world.stats
}

/// The saved state, or nothing if it cannot be saved.
fn saved(group: &Group) -> Vec<u8> {
    group
        .to_bytes()
        .map(|s| s.as_bytes().to_vec())
        .unwrap_or_default()
}

/// The record of `group`'s current epoch.
fn record(group: &Group) -> EpochRecord {
    EpochRecord {
        authenticator: group.epoch_authenticator().to_vec(),
        tree_hash: group.group_context().tree_hash.clone(),
        exporter: exporter(group),
        identities: group.members().into_iter().map(|m| m.credential).collect(),
        dictionary: group.app_data_dictionary().ok().flatten(),
    }
}

fn exporter(group: &Group) -> Vec<u8> {
    group
        .export_secret(EXPORTER_LABEL, b"", 32)
        .map(|s| s.as_bytes().to_vec())
        .unwrap_or_default()
}

/// A KeyPackage lifetime that never expires (no clock in the fuzzer).
fn forever() -> Lifetime {
    Lifetime {
        not_before: 0,
        not_after: u64::MAX,
    }
}

impl World {
    /// Creates the clients and the group from the header (`None` only if the provider
    /// fails).
    fn new(header: &[u8]) -> Option<World> {
        let mut h = [0u8; HEADER_LEN];
        for (o, b) in h.iter_mut().zip(header) {
            *o = *b;
        }
        let [s0, s1, s2, s3, flags] = h;
        let provider = random::provider(&[s0, s1, s2, s3]);
        let count = usize::from((flags & 0x7f) % 7)
            .saturating_add(2)
            .min(MAX_CLIENTS);
        let cs = provider.suite(SUITE).ok()?;
        let mut clients = Vec::new();
        for i in 0..count {
            let name = alloc::vec![b'c', u8::try_from(i).ok()?];
            clients.push(Client {
                identity: SigningIdentity::generate(cs, Credential::Basic(name)).ok()?,
                bundles: Vec::new(),
                state: None,
                inbox: Vec::new(),
                welcomed: Vec::new(),
            });
        }
        let mut psks = PskStore::new();
        psks.insert(PSK_ID.to_vec(), Secret::new(alloc::vec![0x5a; 32]));
        let creator = clients.first()?.identity.clone();
        let options = CreateOptions {
            capabilities: Some(capabilities()),
            ..CreateOptions::default()
        };
        let mut group = Group::create_with_options(
            provider.clone(),
            SUITE,
            b"history".to_vec(),
            creator,
            config(0),
            options,
        )
        .ok()?;
        group
            .psk_store_mut()
            .insert(PSK_ID.to_vec(), Secret::new(alloc::vec![0x5a; 32]));
        let records = Vec::from([record(&group)]);
        if let Some(c) = clients.first_mut() {
            c.state = Some(Member::new(group));
        }
        let mut world = World {
            provider,
            clients,
            records,
            psks,
            stats: Stats::default(),
        };
        if flags & 0x80 != 0 {
            let others: Vec<usize> = (1..count.saturating_sub(1)).collect();
            world.add_all(0, &others);
            world.flush_all();
        }
        Some(world)
    }

    /// The DS's current epoch.
    fn head(&self) -> u64 {
        u64::try_from(self.records.len().saturating_sub(1)).unwrap_or(u64::MAX)
    }

    fn pick(&self, r: &mut Reader<'_>) -> usize {
        r.below(self.clients.len())
    }

    fn step(&mut self, r: &mut Reader<'_>) {
        self.stats.ops = self.stats.ops.saturating_add(1);
        match r.byte() % 16 {
            0 => self.op_add(r),
            1 => self.op_remove(r),
            2 => self.op_update(r),
            3 => self.op_commit(r),
            4 => self.op_psk(r),
            5 => self.op_gce(r),
            6 => self.op_external(r, false),
            7 => self.op_external(r, true),
            8 => self.op_application(r),
            9 => self.op_persist(r),
            10 => self.op_deliver(r),
            11 => {
                let to = self.pick(r);
                self.flush(to);
            }
            12 => self.flush_all(),
            13 => {
                let c = self.pick(r);
                self.key_package(c);
            }
            14 => self.op_self_remove(r),
            _ => self.op_app_data(r),
        }
    }

    /// The group of client `c`, if it has one, for sending. A restored copy waiting for
    /// its comparison takes the original's place first: sending changes the state (its
    /// own proposals, ratchets), which the copy would otherwise not have.
    fn group_mut(&mut self, c: usize) -> Option<&mut Group> {
        let member = self.clients.get_mut(c)?.state.as_mut()?;
        if let Some(twin) = member.twin.take() {
            member.group = twin;
        }
        Some(&mut member.group)
    }

    /// A fresh KeyPackage of client `c` (kept with its private keys).
    fn key_package(&mut self, c: usize) -> Option<KeyPackage> {
        let cs = self.provider.suite(SUITE).ok()?;
        let client = self.clients.get_mut(c)?;
        if client.bundles.len() >= BUNDLES {
            return None;
        }
        let mut options = KeyPackageOptions::new(forever());
        options.capabilities = Some(capabilities());
        let bundle = client.identity.key_package_with(cs, options).ok()?;
        let kp = bundle.key_package.clone();
        client.bundles.push(bundle);
        Some(kp)
    }

    /// Every active member in epoch `e` agrees with the DS's record of `e`.
    fn check_agreement(&mut self) {
        for client in &self.clients {
            let Some(m) = &client.state else {
                continue;
            };
            if !m.group.is_active() || m.removed_from.is_some() {
                continue;
            }
            let epoch = usize::try_from(m.group.epoch()).unwrap_or(usize::MAX);
            let record = self.records.get(epoch);
            assert!(record.is_some(), "a member is in an epoch the DS never had");
            if let Some(record) = record {
                assert!(
                    m.group.epoch_authenticator() == record.authenticator.as_slice(),
                    "epoch authenticators differ in epoch {epoch}"
                );
                assert!(
                    m.group.group_context().tree_hash == record.tree_hash,
                    "tree hashes differ in epoch {epoch}"
                );
                assert!(
                    exporter(&m.group) == record.exporter,
                    "exporter outputs differ in epoch {epoch}"
                );
                assert!(
                    m.group.app_data_dictionary().ok().flatten() == record.dictionary,
                    "app_data_dictionary differs in epoch {epoch}"
                );
                self.stats.agreements = self.stats.agreements.saturating_add(1);
            }
        }
    }

    /// Resync target helper: the prior-leaf choice of a resync.
    fn prior(resync: bool) -> Option<PriorLeaf> {
        resync.then_some(PriorLeaf::SameCredential)
    }
}
