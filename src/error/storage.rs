//! Errors of the storage interface ([`crate::storage`]) and of the client layer
//! ([`crate::client`]).

use alloc::string::String;
use core::fmt;

/// A [`Storage`](crate::storage::Storage) backend could not read or write a record.
///
/// The backend's own failures (I/O, locking, SQL) are [`StorageError::Backend`] with the
/// backend's description; everything a damaged, foreign or tampered store can cause has a
/// variant of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StorageError {
    /// The backend failed (I/O, locking, a database error): its description.
    Backend(String),
    /// The file is not a melos store: not a database, or a database without melos's schema.
    NotAStore,
    /// The store is damaged: truncated, or failing the backend's integrity check.
    Corrupt,
    /// The store was written by a newer schema version than this library knows.
    SchemaTooNew {
        /// The version found in the store.
        found: u32,
        /// The newest version this library reads.
        supported: u32,
    },
    /// A record failed authentication under the store's key: a wrong key, a tampered
    /// record, or a record moved to another group, kind or epoch (opaque on purpose).
    RecordAuthenticationFailed,
    /// A record decrypted (or was read) but its contents do not decode.
    RecordMalformed,
    /// The key given to open an encrypted store is shorter than the minimum.
    KeyTooShort,
    /// The key given to open an encrypted store is not the key it was created with (the
    /// store's key-check value fails authentication under it).
    WrongKey,
    /// The store's rows are not the set its authenticated record list names: a record
    /// was deleted, added, moved to another key or put back from an older copy outside
    /// melos (or the file is damaged where no page check sees it).
    RecordSetMismatch,
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageError::Backend(e) => write!(f, "the storage backend failed: {e}"),
            StorageError::NotAStore => {
                f.write_str("the file is not a melos store (not a database, or no melos schema)")
            }
            StorageError::Corrupt => {
                f.write_str("the store is damaged (truncated or failing its integrity check)")
            }
            StorageError::SchemaTooNew { found, supported } => write!(
                f,
                "the store has schema version {found}, newer than the newest this library reads ({supported})"
            ),
            StorageError::RecordAuthenticationFailed => f.write_str(
                "a stored record failed authentication (wrong key, tampered or moved record)",
            ),
            StorageError::RecordMalformed => {
                f.write_str("a stored record does not decode as the record it should be")
            }
            StorageError::KeyTooShort => {
                f.write_str("the key to open the encrypted store is too short")
            }
            StorageError::RecordSetMismatch => f.write_str(
                "the store's records are not the ones it last wrote (a record was deleted, added, moved or rolled back)",
            ),
            StorageError::WrongKey => f.write_str(
                "the key does not open the encrypted store (not the key it was created with)",
            ),
        }
    }
}

impl core::error::Error for StorageError {}

/// A request to the client layer ([`crate::client`]) cannot be carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientError {
    /// No group with this id is held by the client.
    UnknownGroup,
    /// The client already holds a group with this id.
    GroupExists,
    /// No stored KeyPackage matches any of the Welcome's recipients.
    NoKeyPackageForWelcome,
    /// The store holds no client identity (create the client first).
    NoClientInStore,
    /// The store already holds a client identity (load it instead of creating one).
    ClientExists,
    /// A stored group record disagrees with the group it holds (another id or epoch, or a
    /// pending Commit without its record or the reverse).
    GroupRecordMismatch,
    /// A KeyPackage or GroupInfo was given to the client: neither is a message it processes
    /// (a KeyPackage is for a committer, a GroupInfo for an external join).
    NotForClient,
    /// A Commit of this client that is not its pending Commit (RFC 9420 §12.4): stale,
    /// already merged, or replaced.
    StaleOwnCommit,
    /// The group's buffer of messages of later epochs is full (by count or bytes).
    BufferFull,
    /// The message of a later epoch is already buffered (a duplicate delivery).
    AlreadyBuffered,
    /// The message's epoch is further ahead of the group's than the client buffers.
    EpochTooFarAhead,
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ClientError::UnknownGroup => "the client holds no group with this id",
            ClientError::GroupExists => "the client already holds a group with this id",
            ClientError::NoKeyPackageForWelcome => {
                "no stored KeyPackage matches a recipient of the Welcome"
            }
            ClientError::NoClientInStore => "the store holds no client identity",
            ClientError::ClientExists => "the store already holds a client identity",
            ClientError::GroupRecordMismatch => {
                "a stored group record disagrees with the group it holds"
            }
            ClientError::NotForClient => {
                "a KeyPackage or GroupInfo is not a message the client processes"
            }
            ClientError::StaleOwnCommit => {
                "a commit of this client that is not its pending commit (stale or already merged)"
            }
            ClientError::BufferFull => "the group's buffer of messages for later epochs is full",
            ClientError::AlreadyBuffered => "the message of a later epoch is already buffered",
            ClientError::EpochTooFarAhead => {
                "the message's epoch is further ahead of the group's than the client buffers"
            }
        })
    }
}

impl core::error::Error for ClientError {}
