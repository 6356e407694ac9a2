//! The record set: an authenticated summary of which rows the store holds, so a row
//! deleted, added, moved to another key or put back from an older copy is found when
//! the store is opened (schema version 2 on).
//!
//! Each record's AEAD ([`crate::seal`]) proves a row is one this store wrote for that
//! place; it cannot tell that a row is *missing* (a buffered message whose group id
//! column was changed is simply not found under its group), nor that a row is an older
//! version of itself. So every row has a tag, `HMAC-SHA256(record-set key, AD || nonce)`
//! (see [`crate::seal`]), and `meta.record_set` holds the XOR of the tags of all
//! rows, sealed like a record. [`Storage::apply`](melos::storage::Storage::apply) updates
//! it in the batch's transaction (the tags of the rows a write replaces or deletes out,
//! the new row's tag in); opening recomputes it over every row and compares:
//! [`StorageError::RecordSetMismatch`] when they differ.
//!
//! The tags are secret (keyed), so the XOR cannot be steered to a chosen value without
//! the key. What it cannot catch: the whole file replaced by an older copy of itself
//! (that needs a counter kept outside the file).

use melos::StorageError;
use melos::storage::{RecordKind, Write};
use rusqlite::{Connection, ToSql, params};

use crate::seal::{Ad, KEY_CHECK_KIND, NONCE_LEN, RecordKey};
use crate::{buffered_ad, client_ad, db_err, flag, from_sql, kind, row_err, seq_from_sql};

/// The XOR of row tags.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Digest(pub(crate) [u8; 32]);

impl Digest {
    /// Adds or removes a tag (XOR is its own inverse).
    pub(crate) fn toggle(&mut self, tag: [u8; 32]) {
        for (d, t) in self.0.iter_mut().zip(tag) {
            *d ^= t;
        }
    }
}

/// The tables whose rows carry a tag.
#[derive(Clone, Copy)]
enum Table {
    Client,
    Groups,
    Pending,
    KeyPackages,
    Buffered,
}

const ALL_TABLES: [Table; 5] = [
    Table::Client,
    Table::Groups,
    Table::Pending,
    Table::KeyPackages,
    Table::Buffered,
];

/// The XOR of the tags of the rows of `table` matching `filter` (an SQL condition).
fn tags(
    conn: &Connection,
    key: &RecordKey,
    version: u32,
    table: Table,
    filter: &str,
    args: &[&dyn ToSql],
) -> Result<Digest, StorageError> {
    let head = format!("substr(value, 1, {NONCE_LEN})");
    let sql = match table {
        Table::Client => format!("SELECT NULL, 0, 0, {head} FROM client WHERE {filter}"),
        Table::Groups => format!("SELECT group_id, epoch, 0, {head} FROM groups WHERE {filter}"),
        Table::Pending => {
            format!("SELECT group_id, epoch, 0, {head} FROM pending_commits WHERE {filter}")
        }
        Table::KeyPackages if version >= 2 => format!(
            "SELECT reference, last_resort, created_at, {head} FROM key_packages WHERE {filter}"
        ),
        Table::KeyPackages => {
            format!("SELECT reference, last_resort, 0, {head} FROM key_packages WHERE {filter}")
        }
        Table::Buffered => {
            format!("SELECT group_id, sequence, epoch, {head} FROM buffered WHERE {filter}")
        }
    };
    let mut stmt = conn.prepare(&sql).map_err(db_err)?;
    let rows = stmt
        .query_map(args, |r| {
            Ok((
                r.get::<_, Option<Vec<u8>>>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, Vec<u8>>(3)?,
            ))
        })
        .map_err(db_err)?;
    let mut digest = Digest::default();
    for row in rows {
        let (id, a, b, sealed_head) = row.map_err(row_err)?;
        let id = id.unwrap_or_default();
        let ad = match table {
            Table::Client => client_ad(),
            Table::Groups => Ad::new(kind(RecordKind::Group), &id, from_sql(a), b"", b""),
            Table::Pending => Ad::new(kind(RecordKind::PendingCommit), &id, from_sql(a), b"", b""),
            Table::KeyPackages => {
                let attrs = crate::migrations::key_package_attrs(version, flag(a)?, from_sql(b));
                Ad::new(kind(RecordKind::KeyPackage), b"", 0, &id, &attrs)
            }
            Table::Buffered => buffered_ad(&id, from_sql(b), seq_from_sql(a)),
        };
        digest.toggle(key.row_tag(&ad, &sealed_head)?);
    }
    Ok(digest)
}

/// The XOR of the tags of every row the store holds.
pub(crate) fn compute(
    conn: &Connection,
    key: &RecordKey,
    version: u32,
) -> Result<Digest, StorageError> {
    let mut digest = Digest::default();
    for table in ALL_TABLES {
        digest.toggle(tags(conn, key, version, table, "1", &[])?.0);
    }
    Ok(digest)
}

/// The XOR of the tags of the rows `write` replaces or deletes (read before it runs).
pub(crate) fn replaced_by(
    conn: &Connection,
    key: &RecordKey,
    version: u32,
    write: &Write,
) -> Result<Digest, StorageError> {
    let by_group = "group_id = ?1";
    match write {
        Write::PutClient(_) => tags(conn, key, version, Table::Client, "id = 1", &[]),
        Write::PutGroup(g) => tags(conn, key, version, Table::Groups, by_group, &[&g.group_id]),
        Write::DeleteGroup(id) => {
            let mut d = Digest::default();
            for table in [Table::Groups, Table::Pending, Table::Buffered] {
                d.toggle(tags(conn, key, version, table, by_group, &[id])?.0);
            }
            Ok(d)
        }
        Write::PutPendingCommit(p) => {
            tags(conn, key, version, Table::Pending, by_group, &[&p.group_id])
        }
        Write::DeletePendingCommit(id) => tags(conn, key, version, Table::Pending, by_group, &[id]),
        Write::PutKeyPackage(k) => tags(
            conn,
            key,
            version,
            Table::KeyPackages,
            "reference = ?1",
            &[&k.reference],
        ),
        Write::DeleteKeyPackage(r) => tags(
            conn,
            key,
            version,
            Table::KeyPackages,
            "reference = ?1",
            &[r],
        ),
        Write::PutBuffered(b) => tags(
            conn,
            key,
            version,
            Table::Buffered,
            "group_id = ?1 AND sequence = ?2",
            params![b.group_id, crate::seq_to_sql(b.sequence)],
        ),
        Write::DeleteBuffered(id, seq) => tags(
            conn,
            key,
            version,
            Table::Buffered,
            "group_id = ?1 AND sequence = ?2",
            params![id, crate::seq_to_sql(*seq)],
        ),
    }
}

fn set_ad() -> Ad {
    Ad::new(KEY_CHECK_KIND, b"", 0, b"record set", b"")
}

/// The stored record set; a store of version 2 or later without one is corrupt.
pub(crate) fn load(conn: &Connection, key: &RecordKey) -> Result<Digest, StorageError> {
    let sealed: Vec<u8> = conn
        .query_row(
            "SELECT value FROM meta WHERE name = 'record_set'",
            [],
            |r| r.get(0),
        )
        .map_err(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => StorageError::Corrupt,
            e => row_err(e),
        })?;
    let plain = key.open(&set_ad(), &sealed)?;
    let bytes: [u8; 32] = plain
        .as_slice()
        .try_into()
        .map_err(|_| StorageError::RecordMalformed)?;
    Ok(Digest(bytes))
}

/// Stores `digest` as the record set.
pub(crate) fn store(
    conn: &Connection,
    key: &RecordKey,
    digest: &Digest,
) -> Result<(), StorageError> {
    let sealed = key.seal(&set_ad(), &digest.0)?;
    conn.execute(
        "INSERT OR REPLACE INTO meta (name, value) VALUES ('record_set', ?1)",
        [sealed],
    )
    .map(|_| ())
    .map_err(db_err)
}

/// Recomputes the record set over every row and compares it with the stored one.
pub(crate) fn verify(conn: &Connection, key: &RecordKey, version: u32) -> Result<(), StorageError> {
    if load(conn, key)? == compute(conn, key, version)? {
        Ok(())
    } else {
        Err(StorageError::RecordSetMismatch)
    }
}
