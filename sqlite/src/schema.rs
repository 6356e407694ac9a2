//! The current schema (version 2), and what opening a file checks before it is used.
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
//!     value BLOB NOT NULL, created_at INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
//! CREATE INDEX key_packages_by_age ON key_packages (last_resort, created_at);
//! CREATE TABLE buffered (group_id BLOB NOT NULL, sequence INTEGER NOT NULL,
//!     epoch INTEGER NOT NULL, value BLOB NOT NULL,
//!     PRIMARY KEY (group_id, sequence)) WITHOUT ROWID;
//! PRAGMA user_version = 2;
//! ```
//!
//! `meta` holds `magic` (the bytes [`MAGIC`], the same in every version: it is what makes
//! a database a melos store), `salt` (32 random bytes for the key derivation),
//! `key_check` (a sealed constant, so a wrong key is found on open) and, new in version
//! 2, `record_set` (the sealed XOR of every row's tag, [`crate::digest`]). Every `value` is a
//! sealed record ([`crate::seal`]); the clear columns are bound into its associated data.
//! Integers are `u64` stored as the `i64` of the same bits, except `buffered.sequence`,
//! stored with its top bit flipped so SQLite's signed order is the unsigned order.
//!
//! # Opening
//!
//! 1. The key is at least 32 bytes, else [`StorageError::KeyTooShort`].
//! 2. A non-empty file must start with SQLite's header ([`StorageError::NotAStore`]) and
//!    hold all 100 bytes of it with a known schema format ([`StorageError::Corrupt`]);
//!    SQLite then reads it: not a database is [`StorageError::NotAStore`].
//! 3. An empty database (no schema objects, `user_version` 0) becomes a new store.
//! 4. Otherwise `PRAGMA integrity_check` must pass ([`StorageError::Corrupt`]), the
//!    `meta` table must hold the magic ([`StorageError::NotAStore`]), the version must be
//!    known ([`StorageError::SchemaTooNew`]), and the key check must open under the key
//!    ([`StorageError::WrongKey`]); then older versions are migrated
//!    ([`crate::migrations`]), and the rows must be the set `record_set` names
//!    ([`StorageError::RecordSetMismatch`]).

use melos::StorageError;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use crate::seal::{self, Ad, KEY_CHECK_KIND, KEY_CHECK_PLAINTEXT, RecordKey};
use crate::{db_err, migrations, row_err};

/// The schema version this library writes, and the newest it reads.
pub const CURRENT_VERSION: u32 = 2;

/// The `meta.magic` value of every melos store.
pub const MAGIC: &[u8] = b"melos-sqlite store";

/// The version-2 schema.
const V2_SCHEMA: &str = "
CREATE TABLE meta (name TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE client (id INTEGER PRIMARY KEY CHECK (id = 1), value BLOB NOT NULL);
CREATE TABLE groups (group_id BLOB PRIMARY KEY NOT NULL, epoch INTEGER NOT NULL,
    value BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE pending_commits (group_id BLOB PRIMARY KEY NOT NULL, epoch INTEGER NOT NULL,
    value BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE key_packages (reference BLOB PRIMARY KEY NOT NULL,
    last_resort INTEGER NOT NULL CHECK (last_resort IN (0, 1)),
    value BLOB NOT NULL, created_at INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
CREATE INDEX key_packages_by_age ON key_packages (last_resort, created_at);
CREATE TABLE buffered (group_id BLOB NOT NULL, sequence INTEGER NOT NULL,
    epoch INTEGER NOT NULL, value BLOB NOT NULL,
    PRIMARY KEY (group_id, sequence)) WITHOUT ROWID;
PRAGMA user_version = 2;
";

/// Sets the per-connection settings: `secure_delete` (a deleted or replaced record's
/// bytes are overwritten, not left in free pages), `synchronous = FULL` (a committed
/// batch survives power loss) and a busy timeout for a store shared between processes.
pub(crate) fn configure(conn: &Connection) -> Result<(), StorageError> {
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(db_err)?;
    conn.pragma_update(None, "secure_delete", "ON")
        .map_err(db_err)?;
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(db_err)
}

/// Puts a file store in WAL mode (a crash mid-transaction leaves the last committed
/// state, recovered on the next open). Only after the file is known to be ours: the
/// journal mode is written into the file.
pub(crate) fn wal(conn: &Connection) -> Result<(), StorageError> {
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .map_err(db_err)?;
    if mode.eq_ignore_ascii_case("wal") {
        Ok(())
    } else {
        Err(StorageError::Backend(format!(
            "the database refused WAL journal mode (it is in {mode} mode)"
        )))
    }
}

/// The first bytes of every SQLite database file.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";
/// The size of SQLite's file header.
const SQLITE_HEADER_LEN: usize = 100;

/// Checks, before SQLite touches the file, that an existing non-empty file at `path` is a
/// SQLite database: SQLite itself would take a file shorter than its header for an empty
/// database and write a new store over it. A missing or empty file is a new store.
pub(crate) fn check_header(path: &std::path::Path) -> Result<(), StorageError> {
    use std::io::Read;
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(StorageError::Backend(format!(
                "cannot read {}: {e}",
                path.display()
            )));
        }
    };
    let mut head = Vec::with_capacity(SQLITE_HEADER_LEN);
    file.take(SQLITE_HEADER_LEN as u64)
        .read_to_end(&mut head)
        .map_err(|e| StorageError::Backend(format!("cannot read {}: {e}", path.display())))?;
    if head.is_empty() {
        Ok(())
    } else if !head.starts_with(SQLITE_HEADER) {
        Err(StorageError::NotAStore)
    } else if head.len() < SQLITE_HEADER_LEN {
        Err(StorageError::Corrupt)
    } else if schema_format(&head) > 4 {
        // The schema format number (header offset 44) is 1 to 4 in every SQLite file
        // (0 before the first table); SQLite refuses others as "unsupported file format".
        Err(StorageError::Corrupt)
    } else {
        Ok(())
    }
}

/// The schema format number of a 100-byte SQLite header (big-endian at offset 44).
fn schema_format(head: &[u8]) -> u32 {
    head.get(44..48)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map_or(0, u32::from_be_bytes)
}

/// Opens (creating, checking or migrating) the store on `conn`; returns its record key
/// and the schema version it is at (the current one unless `create_version` made an
/// older one).
pub(crate) fn open(
    conn: &mut Connection,
    key: &[u8],
    create_version: u32,
) -> Result<RecordKey, StorageError> {
    if key.len() < seal::MIN_KEY_LEN {
        return Err(StorageError::KeyTooShort);
    }
    configure(conn)?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db_err)?;
    let version = user_version(&tx)?;
    let objects: i64 = tx
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .map_err(db_err)?;
    if objects == 0 && version == 0 {
        let record_key = create(&tx, key, create_version)?;
        tx.commit().map_err(db_err)?;
        return Ok(record_key);
    }
    integrity_check(&tx)?;
    let magic = meta(&tx, "magic")?;
    if magic.as_deref() != Some(MAGIC) {
        return Err(StorageError::NotAStore);
    }
    if version > CURRENT_VERSION {
        return Err(StorageError::SchemaTooNew {
            found: version,
            supported: CURRENT_VERSION,
        });
    }
    if version == 0 {
        return Err(StorageError::Corrupt);
    }
    let salt = meta(&tx, "salt")?.ok_or(StorageError::Corrupt)?;
    let check = meta(&tx, "key_check")?.ok_or(StorageError::Corrupt)?;
    let record_key = RecordKey::derive(key, &salt)?;
    match record_key.open(&key_check_ad(), &check) {
        Ok(p) if p.as_slice() == KEY_CHECK_PLAINTEXT => {}
        _ => return Err(StorageError::WrongKey),
    }
    if version < CURRENT_VERSION {
        migrations::migrate(&tx, version, &record_key)?;
    }
    check_shape(&tx)?;
    crate::digest::verify(&tx, &record_key, CURRENT_VERSION)?;
    tx.commit().map_err(db_err)?;
    Ok(record_key)
}

/// The store's `PRAGMA user_version`.
pub(crate) fn user_version(conn: &Connection) -> Result<u32, StorageError> {
    let v: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(db_err)?;
    // user_version is a signed 32-bit header field: a negative one is no version of ours.
    u32::try_from(v).map_err(|_| StorageError::NotAStore)
}

/// The shape SQLite reports for the tables and indexes of `conn`: every column (table,
/// name, declared type, not-null, default, primary-key position) and every named index.
type Shape = Vec<(String, String, String, i64, Option<String>, i64)>;

fn shape(conn: &Connection) -> Result<Shape, StorageError> {
    let mut stmt = conn
        .prepare(
            "SELECT m.name, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk \
             FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS p \
             WHERE m.type = 'table' \
             UNION ALL SELECT 'index', name, tbl_name, 0, NULL, 0 FROM sqlite_master \
             WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex_%' \
             ORDER BY 1, 2",
        )
        .map_err(db_err)?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })
        .map_err(db_err)?;
    rows.map(|r| r.map_err(|_| StorageError::Corrupt)).collect()
}

/// Refuses a store whose tables or indexes are not exactly the current schema's (a
/// damaged `CREATE TABLE` text in the file, or tables changed by another program) as
/// [`StorageError::Corrupt`]: checked once at open, after any migration, so that no
/// later statement meets a missing column as a raw SQL error.
fn check_shape(conn: &Connection) -> Result<(), StorageError> {
    let expected = Connection::open_in_memory().map_err(db_err)?;
    expected.execute_batch(V2_SCHEMA).map_err(db_err)?;
    if shape(conn)? == shape(&expected)? {
        Ok(())
    } else {
        Err(StorageError::Corrupt)
    }
}

fn integrity_check(conn: &Connection) -> Result<(), StorageError> {
    let first: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(db_err)?;
    if first == "ok" {
        Ok(())
    } else {
        Err(StorageError::Corrupt)
    }
}

/// A `meta` row; `None` when the row or the table is missing.
fn meta(conn: &Connection, name: &str) -> Result<Option<Vec<u8>>, StorageError> {
    let has_meta: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
            [],
            |r| r.get(0),
        )
        .map_err(db_err)?;
    if has_meta == 0 {
        return Ok(None);
    }
    conn.query_row("SELECT value FROM meta WHERE name = ?1", [name], |r| {
        r.get::<_, Vec<u8>>(0)
    })
    .optional()
    .map_err(|e| match row_err(e) {
        // A meta table of another shape: not ours.
        StorageError::RecordMalformed => StorageError::NotAStore,
        e => e,
    })
}

fn key_check_ad() -> Ad {
    Ad::new(KEY_CHECK_KIND, b"", 0, b"", b"")
}

/// Creates a store of schema `version` in `tx`.
fn create(tx: &Transaction<'_>, key: &[u8], version: u32) -> Result<RecordKey, StorageError> {
    match version {
        1 => migrations::create_v1(tx)?,
        CURRENT_VERSION => tx.execute_batch(V2_SCHEMA).map_err(db_err)?,
        _ => {
            return Err(StorageError::SchemaTooNew {
                found: version,
                supported: CURRENT_VERSION,
            });
        }
    }
    let salt = seal::new_salt()?;
    let record_key = RecordKey::derive(key, &salt)?;
    let check = record_key.seal(&key_check_ad(), KEY_CHECK_PLAINTEXT)?;
    for (name, value) in [("magic", MAGIC), ("salt", &salt[..]), ("key_check", &check)] {
        tx.execute(
            "INSERT INTO meta (name, value) VALUES (?1, ?2)",
            params![name, value],
        )
        .map_err(db_err)?;
    }
    if version >= 2 {
        crate::digest::store(tx, &record_key, &crate::digest::Digest::default())?;
    }
    Ok(record_key)
}
