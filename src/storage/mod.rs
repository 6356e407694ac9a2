//! What a client persists, and the one rule for writing it: every state change is one atomic
//! [`WriteBatch`].
//!
//! melos's core does no I/O: a [`Storage`] backend does. [`MemoryStorage`] (here) keeps the
//! records in memory for tests; the `melos-sqlite` crate keeps them in SQLite, encrypted at
//! rest. The client layer ([`crate::client`]) is the writer: each of its operations reads
//! what it needs, computes the new state in memory, and hands the backend **one** batch with
//! everything that changed. A backend applies a batch entirely or not at all, so a crash
//! leaves either the old epoch or the new one, never a mix (a group state of epoch n+1 with
//! the KeyPackage that joined it still present, say).
//!
//! # Records
//!
//! | record | key | holds |
//! |---|---|---|
//! | client | (one per store) | the client's identity and settings, encoded by the client layer |
//! | group | group id | the saved group ([`Group::to_bytes`](crate::group::Group::to_bytes)): tree, epoch secrets, **the retained past epochs' secret trees (RFC 9420 §9.2)**, the proposal pool, the pending Commit's tree and **the group's PSK store** |
//! | pending commit | group id | the client's own Commit message not yet confirmed by the delivery service, and the proposals it carried that the client wants to re-propose if another Commit wins |
//! | KeyPackage | `KeyPackageRef` (RFC 9420 §5.2) | the private keys of a published KeyPackage ([`KeyPackageBundle::to_bytes`](crate::messages::KeyPackageBundle::to_bytes)), whether it is the last-resort one, and when it was made |
//! | buffered message | group id, epoch, sequence number | a message of a later epoch than the group's, kept until the Commit that opens it |
//!
//! Every record that holds secrets is a [`Secret`]: it zeroizes, and a backend must store
//! it encrypted (melos-sqlite seals each record with an AEAD whose associated data binds
//! the group id, the record kind and the epoch, so records cannot be swapped).
//!
//! # Deletion
//!
//! The batch that joins a group with a KeyPackage deletes that KeyPackage's private keys
//! (unless it is the last-resort KeyPackage, RFC 9420 §16.8); the batch that merges an
//! epoch replaces the group record, which drops the secrets the new state no longer holds
//! (§9.2). A backend must not keep replaced records readable (melos-sqlite uses
//! `secure_delete`).

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use crate::crypto::Secret;
use crate::error::StorageError;

pub mod conformance;
mod memory;

pub use memory::MemoryStorage;

/// The kind of a stored record; its value is part of what a backend authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum RecordKind {
    /// The client's identity and settings.
    Client = 1,
    /// A saved group.
    Group = 2,
    /// A pending Commit of the client's own.
    PendingCommit = 3,
    /// A KeyPackage's private keys.
    KeyPackage = 4,
    /// A buffered message of a later epoch.
    BufferedMessage = 5,
}

/// A saved group (RFC 9420 §9.2): the bytes of
/// [`Group::to_bytes`](crate::group::Group::to_bytes) and the epoch they are at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRecord {
    /// The group's id.
    pub group_id: Vec<u8>,
    /// The epoch of `state`.
    pub epoch: u64,
    /// The saved group (secret).
    pub state: Secret,
}

/// A Commit the client sent and the delivery service has not yet confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingCommitRecord {
    /// The group's id.
    pub group_id: Vec<u8>,
    /// The epoch the Commit was made in (the group's current epoch).
    pub epoch: u64,
    /// The encoded `MlsMessage` of the Commit, as sent: an echo is recognised by equality.
    pub message: Vec<u8>,
    /// The encoded proposals the Commit carried by value that the client wants to
    /// re-propose if another member's Commit wins the epoch (client-layer encoding).
    pub resend: Vec<u8>,
}

/// A KeyPackage's private keys, stored by reference until a Welcome uses them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPackageRecord {
    /// `KeyPackageRef` of the KeyPackage (RFC 9420 §5.2).
    pub reference: Vec<u8>,
    /// [`KeyPackageBundle::to_bytes`](crate::messages::KeyPackageBundle::to_bytes) (secret).
    pub bundle: Secret,
    /// The last-resort KeyPackage is kept after a join (RFC 9420 §16.8).
    pub last_resort: bool,
    /// When it was made, in seconds since the Unix epoch (caller's clock).
    pub created_at: u64,
}

/// A message of a later epoch than the group's, kept until the Commit that opens it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BufferedRecord {
    /// The group's id.
    pub group_id: Vec<u8>,
    /// The epoch the message is for.
    pub epoch: u64,
    /// Arrival order within the group.
    pub sequence: u64,
    /// The encoded `MlsMessage`.
    pub message: Vec<u8>,
}

/// One write of a [`WriteBatch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    /// Replaces the client record.
    PutClient(Secret),
    /// Inserts or replaces the group's record.
    PutGroup(GroupRecord),
    /// Deletes a group and everything kept for it: its pending commit and buffered messages.
    DeleteGroup(Vec<u8>),
    /// Inserts or replaces the group's pending commit.
    PutPendingCommit(PendingCommitRecord),
    /// Deletes the group's pending commit, if any.
    DeletePendingCommit(Vec<u8>),
    /// Inserts or replaces a KeyPackage record.
    PutKeyPackage(KeyPackageRecord),
    /// Deletes a KeyPackage record by reference, if present.
    DeleteKeyPackage(Vec<u8>),
    /// Inserts or replaces a buffered message (by group id and sequence number).
    PutBuffered(BufferedRecord),
    /// Deletes one buffered message (group id, sequence number), if present.
    DeleteBuffered(Vec<u8>, u64),
}

/// Writes applied together or not at all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteBatch {
    /// The writes, applied in order.
    pub writes: Vec<Write>,
}

impl WriteBatch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `write`.
    pub fn push(&mut self, write: Write) -> &mut Self {
        self.writes.push(write);
        self
    }

    /// Whether the batch has no writes.
    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }
}

/// A place where a client's records live.
///
/// Object-safe. Reads return what the last successful [`Storage::apply`] left;
/// [`Storage::apply`] is atomic: after an error or a crash the store holds either every
/// write of the batch or none.
pub trait Storage {
    /// Applies every write of `batch` in one transaction.
    fn apply(&mut self, batch: &WriteBatch) -> Result<(), StorageError>;

    /// The client record, if one was written.
    fn client(&self) -> Result<Option<Secret>, StorageError>;

    /// The ids of every stored group, in ascending byte order.
    fn group_ids(&self) -> Result<Vec<Vec<u8>>, StorageError>;

    /// The group's record.
    fn group(&self, group_id: &[u8]) -> Result<Option<GroupRecord>, StorageError>;

    /// The group's pending commit.
    fn pending_commit(&self, group_id: &[u8]) -> Result<Option<PendingCommitRecord>, StorageError>;

    /// The KeyPackage record with this reference.
    fn key_package(&self, reference: &[u8]) -> Result<Option<KeyPackageRecord>, StorageError>;

    /// Every KeyPackage record, in ascending order of reference.
    fn key_packages(&self) -> Result<Vec<KeyPackageRecord>, StorageError>;

    /// The group's buffered messages, in ascending order of sequence number.
    fn buffered(&self, group_id: &[u8]) -> Result<Vec<BufferedRecord>, StorageError>;
}

/// The group-keyed tables of [`MemoryStorage`] and of tests, sorted by key.
pub(crate) type Table<V> = BTreeMap<Vec<u8>, V>;
