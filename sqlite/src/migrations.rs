//! Schema versions before the current one, and the forward migrations from each.
//!
//! # Version 1 (the first cut)
//!
//! ```sql
//! CREATE TABLE meta (name TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL) WITHOUT ROWID;
//! CREATE TABLE client (id INTEGER PRIMARY KEY CHECK (id = 1), value BLOB NOT NULL);
//! CREATE TABLE groups (group_id BLOB PRIMARY KEY NOT NULL, epoch INTEGER NOT NULL,
//!     value BLOB NOT NULL) WITHOUT ROWID;
//! CREATE TABLE pending_commits (group_id BLOB PRIMARY KEY NOT NULL, epoch INTEGER NOT NULL,
//!     value BLOB NOT NULL) WITHOUT ROWID;
//! CREATE TABLE key_packages (reference BLOB PRIMARY KEY NOT NULL,
//!     last_resort INTEGER NOT NULL CHECK (last_resort IN (0, 1)),
//!     value BLOB NOT NULL) WITHOUT ROWID;
//! CREATE TABLE buffered (group_id BLOB NOT NULL, sequence INTEGER NOT NULL,
//!     epoch INTEGER NOT NULL, value BLOB NOT NULL,
//!     PRIMARY KEY (group_id, sequence)) WITHOUT ROWID;
//! PRAGMA user_version = 1;
//! ```
//!
//! Version 1 kept no creation time for a KeyPackage: a KeyPackage's associated data
//! binds its `last_resort` byte only, and
//! [`KeyPackageRecord::created_at`](melos::storage::KeyPackageRecord::created_at) was not
//! stored.
//!
//! # 1 → 2
//!
//! Adds `key_packages.created_at` (`INTEGER NOT NULL DEFAULT 0`) and the index
//! `key_packages_by_age (last_resort, created_at)` that lets a client find its oldest
//! KeyPackages to rotate without decrypting them, and re-seals every KeyPackage under the
//! version-2 associated data (which binds `created_at` too). Migrated rows get
//! `created_at = 0`, "made at an unknown time", which a client rotating by age treats as
//! the oldest, the safe side. It also computes the record set ([`crate::digest`]) that
//! version 1 lacked, over the rows as they are (so a version-1 store's rows are trusted
//! as found, as version 1 did). The whole migration is one transaction: a crash during it
//! leaves the version-1 store.

use melos::StorageError;
use melos::storage::RecordKind;
use rusqlite::{Transaction, params};

use crate::db_err;
use crate::seal::{Ad, RecordKey};

/// The version-1 schema.
const V1_SCHEMA: &str = "
CREATE TABLE meta (name TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE client (id INTEGER PRIMARY KEY CHECK (id = 1), value BLOB NOT NULL);
CREATE TABLE groups (group_id BLOB PRIMARY KEY NOT NULL, epoch INTEGER NOT NULL,
    value BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE pending_commits (group_id BLOB PRIMARY KEY NOT NULL, epoch INTEGER NOT NULL,
    value BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE key_packages (reference BLOB PRIMARY KEY NOT NULL,
    last_resort INTEGER NOT NULL CHECK (last_resort IN (0, 1)),
    value BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE buffered (group_id BLOB NOT NULL, sequence INTEGER NOT NULL,
    epoch INTEGER NOT NULL, value BLOB NOT NULL,
    PRIMARY KEY (group_id, sequence)) WITHOUT ROWID;
PRAGMA user_version = 1;
";

/// Creates the version-1 tables (the caller writes `meta`'s rows).
pub(crate) fn create_v1(tx: &Transaction<'_>) -> Result<(), StorageError> {
    tx.execute_batch(V1_SCHEMA).map_err(db_err)
}

/// The associated-data attributes of a KeyPackage under schema `version`.
pub(crate) fn key_package_attrs(version: u32, last_resort: bool, created_at: u64) -> Vec<u8> {
    let mut attrs = vec![u8::from(last_resort)];
    if version >= 2 {
        attrs.extend_from_slice(&created_at.to_be_bytes());
    }
    attrs
}

/// Migrates a store of version `from` to the current version, one step at a time, in
/// the caller's transaction.
pub(crate) fn migrate(
    tx: &Transaction<'_>,
    from: u32,
    key: &RecordKey,
) -> Result<(), StorageError> {
    let mut version = from;
    while version < crate::schema::CURRENT_VERSION {
        match version {
            1 => v1_to_v2(tx, key)?,
            _ => return Err(StorageError::Corrupt),
        }
        version = version.saturating_add(1);
    }
    Ok(())
}

/// Schema 1 → 2 (see the module documentation).
fn v1_to_v2(tx: &Transaction<'_>, key: &RecordKey) -> Result<(), StorageError> {
    tx.execute_batch(
        "ALTER TABLE key_packages ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;
         CREATE INDEX key_packages_by_age ON key_packages (last_resort, created_at);",
    )
    .map_err(db_err)?;
    let rows: Vec<(Vec<u8>, i64, Vec<u8>)> = {
        let mut stmt = tx
            .prepare("SELECT reference, last_resort, value FROM key_packages")
            .map_err(db_err)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(db_err)?;
        rows.collect::<Result<_, _>>().map_err(crate::row_err)?
    };
    for (reference, last_resort, sealed) in rows {
        let last_resort = crate::flag(last_resort)?;
        let kind = RecordKind::KeyPackage as u8;
        let old = Ad::new(
            kind,
            b"",
            0,
            &reference,
            &key_package_attrs(1, last_resort, 0),
        );
        let bundle = key.open(&old, &sealed)?;
        let new = Ad::new(
            kind,
            b"",
            0,
            &reference,
            &key_package_attrs(2, last_resort, 0),
        );
        let resealed = key.seal(&new, &bundle)?;
        tx.execute(
            "UPDATE key_packages SET value = ?1 WHERE reference = ?2",
            params![resealed, reference],
        )
        .map_err(db_err)?;
    }
    let set = crate::digest::compute(tx, key, 2)?;
    crate::digest::store(tx, key, &set)?;
    tx.pragma_update(None, "user_version", 2).map_err(db_err)
}
