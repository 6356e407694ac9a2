//! A client over the group engine (issue #14): one identity, its KeyPackages and its
//! groups, persisted through a [`Storage`] backend, with the message handling a delivery
//! service makes necessary (RFC 9420 §14, RFC 9750).
//!
//! Still sans-I/O: the caller moves the messages and passes the time (`now`, seconds since
//! the Unix epoch); the [`Storage`] backend does the writing. Every operation that changes
//! anything computes the new state in memory, writes it as **one** [`WriteBatch`], and
//! only then takes the new state over: if the write fails, the client is as it was. A
//! message is returned only after the state that produced it is stored, so a crash can
//! never make the client reuse a ratchet key or nonce (RFC 9420 §9.2).
//!
//! # Example
//!
//! ```
//! # use std::sync::Arc;
//! # use melos::crypto::rust_crypto::RustCrypto;
//! # use melos::messages::Credential;
//! # use melos::CryptoProvider;
//! use melos::client::{Client, ClientConfig, ClientEvent};
//! use melos::group::{CommitOptions, SigningIdentity};
//! use melos::storage::MemoryStorage;
//!
//! # let provider: Arc<dyn CryptoProvider> = Arc::new(RustCrypto::new());
//! let config = ClientConfig::default();
//! let cs = provider.suite(config.cipher_suite)?;
//! let id = |name: &str| SigningIdentity::generate(cs, Credential::Basic(name.into()));
//! let now = 1_700_000_000;
//! let p = provider.clone();
//! let mut alice = Client::create(p.clone(), id("alice")?, config.clone(), MemoryStorage::new())?;
//! let mut bob = Client::create(p, id("bob")?, config, MemoryStorage::new())?;
//!
//! // bob publishes KeyPackages; alice adds him with one of them.
//! let published = bob.replenish(now)?;
//! let kp = published[0].clone().into_key_package().expect("a KeyPackage");
//! alice.create_group(b"group".to_vec(), now)?;
//! let add = CommitOptions::default().add_member(kp).with_ratchet_tree();
//! let out = alice.commit(b"group", add, now)?;
//! // The delivery service accepts the Commit and echoes it: alice's group moves on.
//! let events = alice.process_incoming(&out.commit.encode()?, now)?;
//! assert!(matches!(events[0], ClientEvent::OwnCommitMerged { epoch: 1, .. }));
//! let welcome = out.welcome.expect("a Welcome").encode()?;
//! assert!(matches!(bob.process_incoming(&welcome, now)?[..], [ClientEvent::Joined { .. }]));
//!
//! let msg = alice.send(b"group", b"hello", b"")?.encode()?;
//! let events = bob.process_incoming(&msg, now)?;
//! assert!(matches!(
//!     &events[..],
//!     [ClientEvent::ApplicationMessage { data, .. }] if data == b"hello"
//! ));
//! # Ok::<(), melos::Error>(())
//! ```
//!
//! # Handling delivery
//!
//! [`Client::process_incoming`] is the one entry point for received messages and returns
//! [`ClientEvent`]s:
//!
//! - A Welcome joins with the stored KeyPackage it names; that KeyPackage's private keys
//!   are deleted in the same batch as the new group is saved (the last-resort KeyPackage
//!   is kept, RFC 9420 §16.8).
//! - A Commit of this client is merged only when the delivery service echoes the exact
//!   bytes of the pending Commit (the stored [`PendingCommitRecord`]); another own Commit
//!   is refused as stale ([`ClientError::StaleOwnCommit`]).
//! - Another member's Commit for the epoch of the pending Commit wins: the pending Commit
//!   is discarded in the same batch as the new epoch is saved, and
//!   [`ClientEvent::OwnCommitDiscarded`] returns the proposals it carried by value that the
//!   winning Commit did not carry out, to commit again.
//! - A message of a later epoch is buffered (persisted, bounded by
//!   [`ClientConfig::max_buffered_messages`], [`ClientConfig::max_buffered_bytes`] and
//!   [`ClientConfig::max_epochs_ahead`]) and replayed, in arrival order, once the Commit
//!   that opens its epoch is merged. It cannot be authenticated before then: a full buffer
//!   refuses more, it never grows.
//! - Echoes of this client's own proposals and application messages are refused
//!   ([`GroupError::DuplicateProposal`](crate::GroupError::DuplicateProposal), or the
//!   secret tree's error for a used key): a delivery service need echo only Commits.
//! - **A refused message changes nothing** (in memory or in storage) and is reported as
//!   [`ClientEvent::MessageRefused`] with the reason; `process_incoming` returns `Err`
//!   only when the storage backend fails (then too nothing changed).
//!
//! Past epochs' secrets are kept by count ([`GroupConfig::max_past_epochs`]) and by age
//! ([`ClientConfig::max_past_epoch_age`], applied whenever a group changes and by
//! [`Client::expire_past_epochs`]).

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::crypto::CryptoProvider;
use crate::error::{ClientError, Error, StorageError};
use crate::framing::MlsMessage;
use crate::group::{CommitOptions, CommitOutput, Group, GroupConfig, SigningIdentity};
use crate::messages::{Proposal, Remove};
use crate::storage::{
    BufferedRecord, GroupRecord, PendingCommitRecord, Storage, Write, WriteBatch,
};

mod config;
mod event;
mod incoming;
mod key_packages;
mod record;

pub use config::{
    ClientConfig, DEFAULT_KEY_PACKAGE_LIFETIME, DEFAULT_KEY_PACKAGE_TARGET,
    DEFAULT_MAX_BUFFERED_BYTES, DEFAULT_MAX_BUFFERED_MESSAGES, DEFAULT_MAX_EPOCHS_AHEAD,
    DEFAULT_MAX_PAST_EPOCH_AGE, KEY_PACKAGE_CLOCK_SKEW,
};
pub use event::ClientEvent;
pub use key_packages::KeyPackageInfo;

use record::GroupMeta;

/// A group as the client holds it: the group, its metadata, its pending Commit and its
/// buffered messages (all as stored).
#[derive(Clone, Debug)]
struct Held {
    group: Group,
    meta: GroupMeta,
    pending: Option<Pending>,
    buffered: Vec<BufferedRecord>,
}

/// A pending Commit: its record and the proposals to re-propose, decoded.
#[derive(Clone, Debug)]
struct Pending {
    record: PendingCommitRecord,
    resend: Vec<Proposal>,
}

impl Held {
    fn new(group: Group, now: u64) -> Self {
        let meta = GroupMeta {
            next_sequence: 0,
            starts: vec![(group.epoch(), now)],
        };
        Held {
            group,
            meta,
            pending: None,
            buffered: Vec::new(),
        }
    }

    /// The group's record.
    fn record(&self) -> Result<GroupRecord, Error> {
        let state = record::encode_group(&self.meta, &self.group.to_bytes()?)?;
        Ok(GroupRecord {
            group_id: self.group.group_id().to_vec(),
            epoch: self.group.epoch(),
            state,
        })
    }

    /// The bytes of the buffered messages.
    fn buffered_bytes(&self) -> usize {
        self.buffered
            .iter()
            .fold(0usize, |n, b| n.saturating_add(b.message.len()))
    }

    /// Applies retention by age (RFC 9420 §9.2): deletes the secrets of every kept past
    /// epoch that ended `max_age` seconds or more before `now`, and forgets the start times
    /// of epochs no longer kept. Returns whether anything changed.
    fn expire(&mut self, now: u64, max_age: Option<u64>) -> bool {
        let mut changed = false;
        if let Some(max_age) = max_age {
            let mut drop_before = None;
            for e in self.group.past_epochs() {
                // Epoch e ended when e + 1 started.
                let ended = e
                    .checked_add(1)
                    .and_then(|next| self.meta.starts.iter().find(|(s, _)| *s == next))
                    .map(|(_, t)| *t);
                match ended {
                    Some(t) if t.saturating_add(max_age) <= now => {
                        drop_before = e.checked_add(1);
                    }
                    _ => break,
                }
            }
            if let Some(before) = drop_before {
                changed |= self.group.drop_past_epochs_before(before) > 0;
            }
        }
        let oldest = self
            .group
            .past_epochs()
            .first()
            .copied()
            .unwrap_or_else(|| self.group.epoch());
        let before = self.meta.starts.len();
        self.meta.starts.retain(|(e, _)| *e >= oldest);
        changed | (self.meta.starts.len() != before)
    }

    /// Records that the group entered its current epoch at `now`.
    fn entered_epoch(&mut self, now: u64) {
        let epoch = self.group.epoch();
        self.meta.starts.retain(|(e, _)| *e < epoch);
        self.meta.starts.push((epoch, now));
    }
}

/// One MLS client (RFC 9420 §3): an identity, its KeyPackages and its groups, persisted
/// in `S`. See the [module documentation](self).
pub struct Client<S: Storage> {
    provider: Arc<dyn CryptoProvider>,
    identity: SigningIdentity,
    config: ClientConfig,
    storage: S,
    key_packages: BTreeMap<Vec<u8>, KeyPackageInfo>,
    groups: BTreeMap<Vec<u8>, Held>,
}

impl<S: Storage> core::fmt::Debug for Client<S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Client")
            .field("credential", &self.identity.credential)
            .field("groups", &self.groups.len())
            .field("key_packages", &self.key_packages.len())
            .finish_non_exhaustive()
    }
}

impl<S: Storage> Client<S> {
    /// Creates a client with `identity` in an empty `storage`: writes the client record
    /// (the identity, [`SigningIdentity::to_bytes`]). A store that already holds a client
    /// is [`ClientError::ClientExists`].
    pub fn create(
        provider: Arc<dyn CryptoProvider>,
        identity: SigningIdentity,
        config: ClientConfig,
        mut storage: S,
    ) -> Result<Self, Error> {
        if storage.client()?.is_some() {
            return Err(ClientError::ClientExists.into());
        }
        let mut batch = WriteBatch::new();
        batch.push(Write::PutClient(record::encode_client(
            &identity.to_bytes()?,
        )?));
        storage.apply(&batch)?;
        Ok(Client {
            provider,
            identity,
            config,
            storage,
            key_packages: BTreeMap::new(),
            groups: BTreeMap::new(),
        })
    }

    /// Loads the client of `storage`: its identity, KeyPackages, groups, pending Commits and
    /// buffered messages. A store without a client is [`ClientError::NoClientInStore`]; a
    /// record that does not decode is [`StorageError::RecordMalformed`] (or the error of
    /// [`Group::from_bytes_with_hooks`] for a damaged saved group, or
    /// [`ClientError::GroupRecordMismatch`] when a group record's id or epoch is not its
    /// group's). Groups get the hooks of `config.group`.
    pub fn load(
        provider: Arc<dyn CryptoProvider>,
        storage: S,
        config: ClientConfig,
    ) -> Result<Self, Error> {
        let client = storage.client()?.ok_or(ClientError::NoClientInStore)?;
        let identity = SigningIdentity::from_bytes(record::decode_client(client.as_bytes())?)?;
        let mut key_packages = BTreeMap::new();
        for kp in storage.key_packages()? {
            let info = KeyPackageInfo::of_record(&kp)?;
            key_packages.insert(kp.reference, info);
        }
        let mut groups = BTreeMap::new();
        for id in storage.group_ids()? {
            let rec = storage.group(&id)?.ok_or(StorageError::RecordMalformed)?;
            let (meta, bytes) = record::decode_group(rec.state.as_bytes())?;
            let group =
                Group::from_bytes_with_hooks(provider.clone(), config.group.hooks.clone(), bytes)?;
            if group.group_id() != id.as_slice() || group.epoch() != rec.epoch {
                return Err(ClientError::GroupRecordMismatch.into());
            }
            let pending = match storage.pending_commit(&id)? {
                Some(record) => {
                    let resend = record::decode_resend(&record.resend)?;
                    Some(Pending { record, resend })
                }
                None => None,
            };
            if pending.is_some() != group.has_pending_commit() {
                return Err(ClientError::GroupRecordMismatch.into());
            }
            let buffered = storage.buffered(&id)?;
            groups.insert(
                id,
                Held {
                    group,
                    meta,
                    pending,
                    buffered,
                },
            );
        }
        Ok(Client {
            provider,
            identity,
            config,
            storage,
            key_packages,
            groups,
        })
    }

    /// The client's signing identity.
    pub fn identity(&self) -> &SigningIdentity {
        &self.identity
    }

    /// The client's settings.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The storage backend.
    pub fn storage(&self) -> &S {
        &self.storage
    }

    /// Gives the storage backend back (to [`Client::load`] it again, say).
    pub fn into_storage(self) -> S {
        self.storage
    }

    /// The group with this id.
    pub fn group(&self, group_id: &[u8]) -> Option<&Group> {
        self.groups.get(group_id).map(|h| &h.group)
    }

    /// The ids of the groups held, in ascending byte order.
    pub fn group_ids(&self) -> Vec<Vec<u8>> {
        self.groups.keys().cloned().collect()
    }

    /// How many messages of later epochs the group holds buffered.
    pub fn buffered_count(&self, group_id: &[u8]) -> usize {
        self.groups.get(group_id).map_or(0, |h| h.buffered.len())
    }

    /// Whether a Commit of this client waits for the delivery service's echo.
    pub fn has_pending_commit(&self, group_id: &[u8]) -> bool {
        self.groups
            .get(group_id)
            .is_some_and(|h| h.pending.is_some())
    }

    /// Creates a one-member group (RFC 9420 §11) with `config.group` and saves it. A group
    /// id already held is [`ClientError::GroupExists`].
    pub fn create_group(&mut self, group_id: Vec<u8>, now: u64) -> Result<&Group, Error> {
        if self.groups.contains_key(&group_id) {
            return Err(ClientError::GroupExists.into());
        }
        let group = Group::create(
            self.provider.clone(),
            self.config.cipher_suite,
            group_id.clone(),
            self.identity.clone(),
            self.group_config(),
        )?;
        let held = Held::new(group, now);
        let mut batch = WriteBatch::new();
        batch.push(Write::PutGroup(held.record()?));
        self.storage.apply(&batch)?;
        let held = self.groups.entry(group_id).or_insert(held);
        Ok(&held.group)
    }

    /// The config of new and joined groups.
    fn group_config(&self) -> GroupConfig {
        self.config.group.clone()
    }

    /// Runs `f` on a copy of the group; if it succeeds, saves the copy (with the writes
    /// `f` adds to the batch) in one batch and takes it over. On any error nothing changed.
    fn change<T>(
        &mut self,
        group_id: &[u8],
        f: impl FnOnce(&mut Held, &mut WriteBatch) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let held = self.groups.get(group_id).ok_or(ClientError::UnknownGroup)?;
        let mut work = held.clone();
        let mut batch = WriteBatch::new();
        let out = f(&mut work, &mut batch)?;
        batch.push(Write::PutGroup(work.record()?));
        self.storage.apply(&batch)?;
        if let Some(slot) = self.groups.get_mut(group_id) {
            *slot = work;
        }
        Ok(out)
    }

    /// Encrypts application data for the group (RFC 9420 §6.3). The advanced secret tree is
    /// stored before the message is returned, so a crash never reuses a key or nonce.
    pub fn send(
        &mut self,
        group_id: &[u8],
        data: &[u8],
        authenticated_data: &[u8],
    ) -> Result<MlsMessage, Error> {
        self.change(group_id, |h, _| {
            h.group.encrypt_application(data, authenticated_data)
        })
    }

    /// Sends a proposal (RFC 9420 §12.1) and stores the group with it in its pool.
    pub fn propose(&mut self, group_id: &[u8], proposal: Proposal) -> Result<MlsMessage, Error> {
        self.change(group_id, |h, _| h.group.propose(proposal))
    }

    /// Proposes this client's own removal from the group (RFC 9420 §12.1.3); another member
    /// commits it. See also [`Client::delete_group`].
    pub fn leave(&mut self, group_id: &[u8]) -> Result<MlsMessage, Error> {
        self.change(group_id, |h, _| {
            let removed = h.group.own_leaf();
            h.group.propose(Proposal::Remove(Remove { removed }))
        })
    }

    /// Leaves the group by a SelfRemove proposal (draft-ietf-mls-extensions, "SelfRemove
    /// Proposal"; see [`Group::self_remove`](crate::group::Group::self_remove)), which any
    /// other member's next Commit must cover; unlike [`Client::leave`] it needs every
    /// member to list `self_remove` in its capabilities.
    pub fn self_remove(&mut self, group_id: &[u8]) -> Result<MlsMessage, Error> {
        self.change(group_id, |h, _| h.group.self_remove())
    }

    /// Makes a Commit (RFC 9420 §12.4) and stores, in one batch, the group with the pending
    /// Commit and a [`PendingCommitRecord`] (the exact Commit message, and its Add, Remove,
    /// PreSharedKey and GroupContextExtensions proposals by value, to re-propose if another
    /// Commit wins). Send `commit` to the delivery service; the group moves on when it
    /// comes back through [`Client::process_incoming`]. `options.now` defaults to `now`.
    pub fn commit(
        &mut self,
        group_id: &[u8],
        mut options: CommitOptions,
        now: u64,
    ) -> Result<CommitOutput, Error> {
        options.now = options.now.or(Some(now));
        let resend: Vec<Proposal> = options
            .proposals
            .iter()
            .filter(|p| {
                matches!(
                    p,
                    Proposal::Add(_)
                        | Proposal::Remove(_)
                        | Proposal::PreSharedKey(_)
                        | Proposal::GroupContextExtensions(_)
                )
            })
            .cloned()
            .collect();
        self.change(group_id, |h, batch| {
            let epoch = h.group.epoch();
            let out = h.group.commit(options)?;
            let record = PendingCommitRecord {
                group_id: h.group.group_id().to_vec(),
                epoch,
                message: out.commit.encode()?,
                resend: record::encode_resend(&resend)?,
            };
            batch.push(Write::PutPendingCommit(record.clone()));
            h.pending = Some(Pending { record, resend });
            Ok(out)
        })
    }

    /// Drops the pending Commit (e.g. the delivery service refused it outright), in the
    /// group and in storage; the group stays in its epoch. Without one it does nothing.
    pub fn discard_pending_commit(&mut self, group_id: &[u8]) -> Result<Vec<Proposal>, Error> {
        if !self.has_pending_commit(group_id) {
            return Ok(Vec::new());
        }
        self.change(group_id, |h, batch| {
            h.group.clear_pending_commit();
            batch.push(Write::DeletePendingCommit(h.group.group_id().to_vec()));
            Ok(h.pending.take().map(|p| p.resend).unwrap_or_default())
        })
    }

    /// Deletes the group and everything kept for it (pending Commit, buffered messages).
    /// An unknown group is [`ClientError::UnknownGroup`].
    pub fn delete_group(&mut self, group_id: &[u8]) -> Result<(), Error> {
        if !self.groups.contains_key(group_id) {
            return Err(ClientError::UnknownGroup.into());
        }
        let mut batch = WriteBatch::new();
        batch.push(Write::DeleteGroup(group_id.to_vec()));
        self.storage.apply(&batch)?;
        self.groups.remove(group_id);
        Ok(())
    }

    /// Applies retention by age ([`ClientConfig::max_past_epoch_age`], RFC 9420 §9.2) to
    /// every group at `now`, in one batch; call it on a schedule. Returns how many groups
    /// deleted past-epoch secrets.
    pub fn expire_past_epochs(&mut self, now: u64) -> Result<usize, Error> {
        let max_age = self.config.max_past_epoch_age;
        let mut changed = Vec::new();
        for (id, held) in &self.groups {
            let mut work = held.clone();
            if work.expire(now, max_age) {
                changed.push((id.clone(), work));
            }
        }
        if changed.is_empty() {
            return Ok(0);
        }
        let mut batch = WriteBatch::new();
        for (_, work) in &changed {
            batch.push(Write::PutGroup(work.record()?));
        }
        self.storage.apply(&batch)?;
        let n = changed.len();
        for (id, work) in changed {
            self.groups.insert(id, work);
        }
        Ok(n)
    }
}

#[cfg(all(test, feature = "rust-crypto"))]
mod tests;
#[cfg(all(test, feature = "rust-crypto"))]
mod tests_storage;
