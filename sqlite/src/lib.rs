//! `melos-sqlite`: a [`Storage`] backend for melos that keeps a client's records in one
//! SQLite file, each record encrypted with a key the caller supplies.
//!
//! ```no_run
//! use melos::storage::{Storage, Write, WriteBatch};
//! use melos_sqlite::SqliteStorage;
//!
//! # fn main() -> Result<(), melos::StorageError> {
//! let key = [0x42u8; 32]; // from the platform's keystore, not a constant
//! let mut store = SqliteStorage::open("client.melos", &key)?;
//! let mut batch = WriteBatch::new();
//! batch.push(Write::DeleteGroup(b"old group".to_vec()));
//! store.apply(&batch)?;
//! # Ok(())
//! # }
//! ```
//!
//! - **Atomic batches.** [`Storage::apply`] is one `BEGIN IMMEDIATE` transaction; an error
//!   in any write rolls back the whole batch. File stores run in WAL mode with
//!   `synchronous = FULL`: a committed batch survives a crash or a power loss, and a
//!   process killed mid-batch leaves the previous state, recovered on the next open.
//! - **Encryption at rest.** Every record value is sealed with XChaCha20-Poly1305 under a
//!   key derived from the caller's key (at least 32 bytes), with associated data binding
//!   the record's kind, group id, epoch and own key ([`seal`] describes the format): a
//!   record moved to another row fails with
//!   [`StorageError::RecordAuthenticationFailed`], and a wrong key is
//!   [`StorageError::WrongKey`] at open. An authenticated record set ([`digest`]) makes
//!   a row deleted, added, moved or rolled back behind the store's back
//!   [`StorageError::RecordSetMismatch`] at open. Ids, epochs, sequence numbers and KeyPackage
//!   flags are stored in the clear (authenticated, not hidden).
//! - **No stale secrets.** `secure_delete` is on: a replaced or deleted record's bytes are
//!   overwritten, not left in free pages (RFC 9420 §9.2 deletion of old epoch secrets).
//! - **Versioned schema.** [`schema`] is the current version, [`migrations`] the older
//!   ones and the forward migrations, applied on open; a newer store is
//!   [`StorageError::SchemaTooNew`], a file that is not a melos store
//!   [`StorageError::NotAStore`], a damaged one [`StorageError::Corrupt`].

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::path::Path;
use std::time::Duration;

use melos::StorageError;
use melos::crypto::Secret;
use melos::storage::{
    BufferedRecord, GroupRecord, KeyPackageRecord, PendingCommitRecord, RecordKind, Storage, Write,
    WriteBatch,
};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use zeroize::Zeroizing;

pub mod digest;
pub mod migrations;
pub mod schema;
pub mod seal;

use seal::{Ad, RecordKey};

pub use schema::CURRENT_VERSION;
pub use seal::MIN_KEY_LEN;

/// A melos store in SQLite, encrypted at rest.
pub struct SqliteStorage {
    conn: Connection,
    key: RecordKey,
    /// The schema version the store is at: [`CURRENT_VERSION`] except for the stores the
    /// fixture generator writes with old code.
    version: u32,
    write_delay: Duration,
    fail_after: Option<usize>,
}

impl core::fmt::Debug for SqliteStorage {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SqliteStorage")
            .field("path", &self.conn.path())
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl SqliteStorage {
    /// Opens the store at `path`, creating it if the file is missing or empty, migrating
    /// it if it has an older schema; `key` (at least [`MIN_KEY_LEN`] bytes) is the key it
    /// was created with.
    ///
    /// Errors: [`StorageError::KeyTooShort`], [`StorageError::NotAStore`] (not a database,
    /// or a database without melos's schema), [`StorageError::Corrupt`] (failing SQLite's
    /// integrity check), [`StorageError::SchemaTooNew`], [`StorageError::WrongKey`], and
    /// [`StorageError::Backend`] for I/O and locking failures.
    pub fn open(path: impl AsRef<Path>, key: &[u8]) -> Result<Self, StorageError> {
        Self::open_file(path.as_ref(), key, CURRENT_VERSION)
    }

    /// A new store in memory (for tests, and for clients that only need encryption of a
    /// store that does not outlive the process).
    pub fn open_in_memory(key: &[u8]) -> Result<Self, StorageError> {
        if key.len() < MIN_KEY_LEN {
            return Err(StorageError::KeyTooShort);
        }
        let mut conn = Connection::open_in_memory().map_err(db_err)?;
        let key = schema::open(&mut conn, key, CURRENT_VERSION)?;
        Ok(Self::new(conn, key, CURRENT_VERSION))
    }

    /// Creates a store with the code of an older schema `version` (1 or the current
    /// one); an existing store is opened and migrated as by [`SqliteStorage::open`]. Only the fixture generator
    /// uses it: the stores it writes are what an older release of this crate wrote.
    #[doc(hidden)]
    pub fn create_at_version(
        path: impl AsRef<Path>,
        key: &[u8],
        version: u32,
    ) -> Result<Self, StorageError> {
        Self::open_file(path.as_ref(), key, version)
    }

    fn open_file(path: &Path, key: &[u8], create_version: u32) -> Result<Self, StorageError> {
        if key.len() < MIN_KEY_LEN {
            return Err(StorageError::KeyTooShort);
        }
        schema::check_header(path)?;
        let mut conn = Connection::open(path).map_err(db_err)?;
        let old = create_version != CURRENT_VERSION;
        let key = schema::open(&mut conn, key, create_version)?;
        schema::wal(&conn)?;
        let version = if old {
            schema::user_version(&conn)?
        } else {
            CURRENT_VERSION
        };
        Ok(Self::new(conn, key, version))
    }

    fn new(conn: Connection, key: RecordKey, version: u32) -> Self {
        SqliteStorage {
            conn,
            key,
            version,
            write_delay: Duration::ZERO,
            fail_after: None,
        }
    }

    /// The schema version of the open store ([`CURRENT_VERSION`] once opened).
    pub fn schema_version(&self) -> u32 {
        self.version
    }

    /// Sleeps `delay` after each write of a batch, inside its transaction, so a crash
    /// test can kill the process mid-transaction. Zero (the default) turns it off.
    #[doc(hidden)]
    pub fn set_write_delay(&mut self, delay: Duration) {
        self.write_delay = delay;
    }

    /// Makes [`Storage::apply`] fail before the write with index `k` of a batch (after
    /// `k` writes went into the transaction), to test that the batch rolls back.
    #[doc(hidden)]
    pub fn fail_after_writes(&mut self, k: Option<usize>) {
        self.fail_after = k;
    }

    /// The underlying connection (tests tamper with rows through it).
    #[doc(hidden)]
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The epoch and opened value of the one-per-group record that `sql` (selecting
    /// `epoch, value` by `group_id = ?1`) finds, sealed as `record` of `group_id`.
    fn open_by_group(
        &self,
        sql: &str,
        record: RecordKind,
        group_id: &[u8],
    ) -> Result<Option<Opened>, StorageError> {
        let row: Option<(i64, Vec<u8>)> = self
            .conn
            .query_row(sql, [group_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .map_err(row_err)?;
        let Some((epoch, sealed)) = row else {
            return Ok(None);
        };
        let epoch = from_sql(epoch);
        let ad = Ad::new(kind(record), group_id, epoch, b"", b"");
        Ok(Some((epoch, self.key.open(&ad, &sealed)?)))
    }

    fn kp_attrs(&self, last_resort: bool, created_at: u64) -> Vec<u8> {
        migrations::key_package_attrs(self.version, last_resort, created_at)
    }

    /// Runs one write in `tx`; returns the record-set tag of the row it inserted.
    fn write(
        key: &RecordKey,
        version: u32,
        tx: &Transaction<'_>,
        write: &Write,
    ) -> Result<Option<[u8; 32]>, StorageError> {
        let exec = |sql: &str, args: &[&dyn rusqlite::ToSql]| -> Result<(), StorageError> {
            tx.execute(sql, args).map(|_| ()).map_err(db_err)
        };
        let (ad, sealed) = match write {
            Write::PutClient(c) => {
                let ad = client_ad();
                let sealed = key.seal(&ad, c.as_bytes())?;
                exec(
                    "INSERT OR REPLACE INTO client (id, value) VALUES (1, ?1)",
                    params![sealed],
                )?;
                (ad, sealed)
            }
            Write::PutGroup(g) => {
                let ad = Ad::new(kind(RecordKind::Group), &g.group_id, g.epoch, b"", b"");
                let sealed = key.seal(&ad, g.state.as_bytes())?;
                exec(
                    "INSERT OR REPLACE INTO groups (group_id, epoch, value) VALUES (?1, ?2, ?3)",
                    params![g.group_id, to_sql(g.epoch), sealed],
                )?;
                (ad, sealed)
            }
            Write::DeleteGroup(id) => {
                exec("DELETE FROM groups WHERE group_id = ?1", params![id])?;
                exec(
                    "DELETE FROM pending_commits WHERE group_id = ?1",
                    params![id],
                )?;
                exec("DELETE FROM buffered WHERE group_id = ?1", params![id])?;
                return Ok(None);
            }
            Write::PutPendingCommit(p) => {
                let ad = Ad::new(
                    kind(RecordKind::PendingCommit),
                    &p.group_id,
                    p.epoch,
                    b"",
                    b"",
                );
                let sealed = key.seal(&ad, &encode_pending(p))?;
                exec(
                    "INSERT OR REPLACE INTO pending_commits (group_id, epoch, value)
                     VALUES (?1, ?2, ?3)",
                    params![p.group_id, to_sql(p.epoch), sealed],
                )?;
                (ad, sealed)
            }
            Write::DeletePendingCommit(id) => {
                exec(
                    "DELETE FROM pending_commits WHERE group_id = ?1",
                    params![id],
                )?;
                return Ok(None);
            }
            Write::PutKeyPackage(k) => {
                let attrs = migrations::key_package_attrs(version, k.last_resort, k.created_at);
                let ad = Ad::new(kind(RecordKind::KeyPackage), b"", 0, &k.reference, &attrs);
                let sealed = key.seal(&ad, k.bundle.as_bytes())?;
                if version >= 2 {
                    exec(
                        "INSERT OR REPLACE INTO key_packages
                         (reference, last_resort, created_at, value) VALUES (?1, ?2, ?3, ?4)",
                        params![k.reference, k.last_resort, to_sql(k.created_at), sealed],
                    )?;
                } else {
                    exec(
                        "INSERT OR REPLACE INTO key_packages (reference, last_resort, value)
                         VALUES (?1, ?2, ?3)",
                        params![k.reference, k.last_resort, sealed],
                    )?;
                }
                (ad, sealed)
            }
            Write::DeleteKeyPackage(r) => {
                exec("DELETE FROM key_packages WHERE reference = ?1", params![r])?;
                return Ok(None);
            }
            Write::PutBuffered(b) => {
                let ad = buffered_ad(&b.group_id, b.epoch, b.sequence);
                let sealed = key.seal(&ad, &b.message)?;
                exec(
                    "INSERT OR REPLACE INTO buffered (group_id, sequence, epoch, value)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![b.group_id, seq_to_sql(b.sequence), to_sql(b.epoch), sealed],
                )?;
                (ad, sealed)
            }
            Write::DeleteBuffered(id, seq) => {
                exec(
                    "DELETE FROM buffered WHERE group_id = ?1 AND sequence = ?2",
                    params![id, seq_to_sql(*seq)],
                )?;
                return Ok(None);
            }
        };
        key.row_tag(&ad, &sealed).map(Some)
    }
}

impl Storage for SqliteStorage {
    fn apply(&mut self, batch: &WriteBatch) -> Result<(), StorageError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db_err)?;
        // Version 1 kept no record set (the fixture generator writes version-1 stores).
        let keeps_set = self.version >= 2;
        let mut set = if keeps_set {
            digest::load(&tx, &self.key)?
        } else {
            digest::Digest::default()
        };
        for (i, write) in batch.writes.iter().enumerate() {
            if self.fail_after == Some(i) {
                // Dropping `tx` rolls the transaction back.
                return Err(StorageError::Backend(format!(
                    "injected failure before write {i}"
                )));
            }
            if keeps_set {
                set.toggle(digest::replaced_by(&tx, &self.key, self.version, write)?.0);
            }
            if let Some(tag) = Self::write(&self.key, self.version, &tx, write)? {
                set.toggle(tag);
            }
            if !self.write_delay.is_zero() {
                std::thread::sleep(self.write_delay);
            }
        }
        if keeps_set {
            digest::store(&tx, &self.key, &set)?;
        }
        tx.commit().map_err(db_err)?;
        // Copy the new pages into the file and empty the WAL, so the old page images
        // (which hold the replaced records) do not outlive the batch there. The batch is
        // committed either way: a checkpoint another connection's read blocks is left
        // to the next batch (or SQLite's automatic checkpoint), not an error.
        let _ = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        Ok(())
    }

    fn client(&self) -> Result<Option<Secret>, StorageError> {
        let sealed: Option<Vec<u8>> = self
            .conn
            .query_row("SELECT value FROM client WHERE id = 1", [], |r| r.get(0))
            .optional()
            .map_err(row_err)?;
        match sealed {
            None => Ok(None),
            Some(sealed) => Ok(Some(secret(self.key.open(&client_ad(), &sealed)?))),
        }
    }

    fn group_ids(&self) -> Result<Vec<Vec<u8>>, StorageError> {
        let mut stmt = self
            .conn
            .prepare("SELECT group_id FROM groups ORDER BY group_id")
            .map_err(db_err)?;
        let ids = stmt.query_map([], |r| r.get(0)).map_err(db_err)?;
        ids.collect::<Result<_, _>>().map_err(row_err)
    }

    fn group(&self, group_id: &[u8]) -> Result<Option<GroupRecord>, StorageError> {
        let Some((epoch, plain)) = self.open_by_group(
            "SELECT epoch, value FROM groups WHERE group_id = ?1",
            RecordKind::Group,
            group_id,
        )?
        else {
            return Ok(None);
        };
        Ok(Some(GroupRecord {
            group_id: group_id.to_vec(),
            epoch,
            state: secret(plain),
        }))
    }

    fn pending_commit(&self, group_id: &[u8]) -> Result<Option<PendingCommitRecord>, StorageError> {
        let Some((epoch, plain)) = self.open_by_group(
            "SELECT epoch, value FROM pending_commits WHERE group_id = ?1",
            RecordKind::PendingCommit,
            group_id,
        )?
        else {
            return Ok(None);
        };
        let (message, resend) = decode_pending(&plain)?;
        Ok(Some(PendingCommitRecord {
            group_id: group_id.to_vec(),
            epoch,
            message,
            resend,
        }))
    }

    fn key_package(&self, reference: &[u8]) -> Result<Option<KeyPackageRecord>, StorageError> {
        let sql = if self.version >= 2 {
            "SELECT reference, last_resort, created_at, value FROM key_packages
             WHERE reference = ?1"
        } else {
            "SELECT reference, last_resort, 0, value FROM key_packages WHERE reference = ?1"
        };
        let row = self
            .conn
            .query_row(sql, [reference], kp_row)
            .optional()
            .map_err(row_err)?;
        row.map(|row| self.open_key_package(row)).transpose()
    }

    fn key_packages(&self) -> Result<Vec<KeyPackageRecord>, StorageError> {
        let sql = if self.version >= 2 {
            "SELECT reference, last_resort, created_at, value FROM key_packages
             ORDER BY reference"
        } else {
            "SELECT reference, last_resort, 0, value FROM key_packages ORDER BY reference"
        };
        let mut stmt = self.conn.prepare(sql).map_err(db_err)?;
        let rows: Vec<KpRow> = stmt
            .query_map([], kp_row)
            .map_err(db_err)?
            .collect::<Result<_, _>>()
            .map_err(row_err)?;
        rows.into_iter().map(|r| self.open_key_package(r)).collect()
    }

    fn buffered(&self, group_id: &[u8]) -> Result<Vec<BufferedRecord>, StorageError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT sequence, epoch, value FROM buffered WHERE group_id = ?1
                 ORDER BY sequence",
            )
            .map_err(db_err)?;
        let rows: Vec<(i64, i64, Vec<u8>)> = stmt
            .query_map([group_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(db_err)?
            .collect::<Result<_, _>>()
            .map_err(row_err)?;
        rows.into_iter()
            .map(|(sequence, epoch, sealed)| {
                let sequence = seq_from_sql(sequence);
                let epoch = from_sql(epoch);
                let plain = self
                    .key
                    .open(&buffered_ad(group_id, epoch, sequence), &sealed)?;
                Ok(BufferedRecord {
                    group_id: group_id.to_vec(),
                    epoch,
                    sequence,
                    message: plain.to_vec(),
                })
            })
            .collect()
    }
}

/// A KeyPackage row: reference, last_resort, created_at, sealed bundle.
type KpRow = (Vec<u8>, i64, i64, Vec<u8>);

fn kp_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<KpRow> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
}

impl SqliteStorage {
    fn open_key_package(&self, row: KpRow) -> Result<KeyPackageRecord, StorageError> {
        let (reference, last_resort, created_at, sealed) = row;
        let last_resort = flag(last_resort)?;
        let created_at = from_sql(created_at);
        let attrs = self.kp_attrs(last_resort, created_at);
        let ad = Ad::new(kind(RecordKind::KeyPackage), b"", 0, &reference, &attrs);
        Ok(KeyPackageRecord {
            bundle: secret(self.key.open(&ad, &sealed)?),
            reference,
            last_resort,
            created_at,
        })
    }
}

pub(crate) fn kind(k: RecordKind) -> u8 {
    k as u8
}

pub(crate) fn client_ad() -> Ad {
    Ad::new(kind(RecordKind::Client), b"", 0, b"", b"")
}

pub(crate) fn buffered_ad(group_id: &[u8], epoch: u64, sequence: u64) -> Ad {
    Ad::new(
        kind(RecordKind::BufferedMessage),
        group_id,
        epoch,
        &sequence.to_be_bytes(),
        b"",
    )
}

/// Moves decrypted bytes into a [`Secret`] (the `Zeroizing` buffer is left empty).
/// A record's epoch and its opened (plaintext) value.
type Opened = (u64, Zeroizing<Vec<u8>>);

fn secret(mut plain: Zeroizing<Vec<u8>>) -> Secret {
    Secret::new(core::mem::take(&mut *plain))
}

/// A pending commit's plaintext: `u32 len || message || resend`.
fn encode_pending(p: &PendingCommitRecord) -> Zeroizing<Vec<u8>> {
    let mut v = Vec::with_capacity(
        4usize
            .saturating_add(p.message.len())
            .saturating_add(p.resend.len()),
    );
    let len = u32::try_from(p.message.len()).unwrap_or(u32::MAX);
    v.extend_from_slice(&len.to_be_bytes());
    v.extend_from_slice(&p.message);
    v.extend_from_slice(&p.resend);
    Zeroizing::new(v)
}

fn decode_pending(plain: &[u8]) -> Result<(Vec<u8>, Vec<u8>), StorageError> {
    let (len, rest) = plain
        .split_first_chunk::<4>()
        .ok_or(StorageError::RecordMalformed)?;
    let len =
        usize::try_from(u32::from_be_bytes(*len)).map_err(|_| StorageError::RecordMalformed)?;
    let (message, resend) = rest
        .split_at_checked(len)
        .ok_or(StorageError::RecordMalformed)?;
    Ok((message.to_vec(), resend.to_vec()))
}

/// A `u64` as the `i64` of the same bits.
fn to_sql(v: u64) -> i64 {
    i64::from_be_bytes(v.to_be_bytes())
}

pub(crate) fn from_sql(v: i64) -> u64 {
    u64::from_be_bytes(v.to_be_bytes())
}

/// The order-preserving map of `u64` onto `i64` (top bit flipped).
pub(crate) fn seq_to_sql(v: u64) -> i64 {
    to_sql(v ^ (1 << 63))
}

pub(crate) fn seq_from_sql(v: i64) -> u64 {
    from_sql(v) ^ (1 << 63)
}

/// A 0/1 column as a bool; anything else was not written by this crate.
pub(crate) fn flag(v: i64) -> Result<bool, StorageError> {
    match v {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(StorageError::RecordMalformed),
    }
}

/// A SQLite failure: not a database and damage have their own variants.
pub(crate) fn db_err(e: rusqlite::Error) -> StorageError {
    use rusqlite::ErrorCode;
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => StorageError::NotAStore,
        Some(ErrorCode::DatabaseCorrupt) => StorageError::Corrupt,
        _ => StorageError::Backend(e.to_string()),
    }
}

/// A failure reading a row: a column of the wrong type is a malformed record.
pub(crate) fn row_err(e: rusqlite::Error) -> StorageError {
    match e {
        rusqlite::Error::InvalidColumnType(..)
        | rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::IntegralValueOutOfRange(..) => StorageError::RecordMalformed,
        e => db_err(e),
    }
}

/// The README's code samples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_can_move_between_threads() {
        fn send<T: Send>() {}
        send::<SqliteStorage>();
    }

    #[test]
    fn sequence_mapping_preserves_order_and_round_trips() {
        let vals = [0u64, 1, (1 << 63) - 1, 1 << 63, u64::MAX];
        for w in vals.windows(2) {
            assert!(seq_to_sql(w[0]) < seq_to_sql(w[1]));
        }
        for v in vals {
            assert_eq!(seq_from_sql(seq_to_sql(v)), v);
            assert_eq!(from_sql(to_sql(v)), v);
        }
    }

    #[test]
    fn pending_encoding_round_trips_and_refuses_short_input() {
        let p = PendingCommitRecord {
            group_id: b"g".to_vec(),
            epoch: 1,
            message: b"commit".to_vec(),
            resend: b"props".to_vec(),
        };
        let enc = encode_pending(&p);
        assert_eq!(
            decode_pending(&enc).unwrap(),
            (p.message.clone(), p.resend.clone())
        );
        assert_eq!(
            decode_pending(&[0, 0, 0]),
            Err(StorageError::RecordMalformed)
        );
        assert_eq!(
            decode_pending(&[0, 0, 0, 9, 1]),
            Err(StorageError::RecordMalformed)
        );
    }

    #[test]
    fn flags_other_than_0_and_1_are_malformed() {
        assert_eq!(flag(2), Err(StorageError::RecordMalformed));
        assert_eq!(flag(-1), Err(StorageError::RecordMalformed));
    }

    #[test]
    fn conforms_in_memory() {
        melos::storage::conformance::check(&mut || {
            Box::new(SqliteStorage::open_in_memory(&[9u8; 32]).unwrap()) as Box<dyn Storage>
        })
        .unwrap();
    }

    #[test]
    fn an_injected_failure_rolls_back_the_whole_batch() {
        let mut s = SqliteStorage::open_in_memory(&[9u8; 32]).unwrap();
        let g = |e: u64| GroupRecord {
            group_id: b"g".to_vec(),
            epoch: e,
            state: Secret::from_slice(&e.to_be_bytes()),
        };
        let mut b = WriteBatch::new();
        b.push(Write::PutGroup(g(1)));
        s.apply(&b).unwrap();
        let mut b = WriteBatch::new();
        b.push(Write::PutGroup(g(2)))
            .push(Write::PutClient(Secret::from_slice(b"c")))
            .push(Write::DeleteGroup(b"g".to_vec()));
        for k in 0..3 {
            s.fail_after_writes(Some(k));
            assert!(matches!(s.apply(&b), Err(StorageError::Backend(_))));
            assert_eq!(s.group(b"g").unwrap(), Some(g(1)), "k = {k}");
            assert_eq!(s.client().unwrap(), None, "k = {k}");
        }
        s.fail_after_writes(None);
        s.apply(&b).unwrap();
        assert_eq!(s.group(b"g").unwrap(), None);
    }
}
