//! Damaged and tampered stores: every one is refused with a clear error, never a panic,
//! and never read back as records other than the ones written.

mod common;

use common::*;
use melos::StorageError;
use melos::storage::Storage;
use melos_sqlite::SqliteStorage;

/// A store with every record of [`batch`], closed (the WAL checkpointed into the file).
fn written_store() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    let mut s = SqliteStorage::open(&path, &KEY).unwrap();
    s.apply(&batch()).unwrap();
    drop(s);
    (dir, path)
}

/// Opens `path` and reads every record.
fn open_and_read(path: &std::path::Path) -> Result<Contents, StorageError> {
    let s = SqliteStorage::open(path, &KEY)?;
    read_all(&s)
}

/// The errors a damaged file may give.
fn is_clear_damage_error(e: &StorageError) -> bool {
    matches!(
        e,
        StorageError::Corrupt
            | StorageError::NotAStore
            | StorageError::RecordAuthenticationFailed
            | StorageError::RecordMalformed
            | StorageError::WrongKey
            | StorageError::SchemaTooNew { .. }
            | StorageError::RecordSetMismatch
    )
}

#[test]
fn truncated_copies_are_refused() {
    let (dir, path) = written_store();
    let bytes = std::fs::read(&path).unwrap();
    let len = bytes.len();
    assert!(len >= 4 * 4096, "the store has several pages ({len} bytes)");
    let copy = dir.path().join("truncated.sqlite");
    for cut in [
        16,
        50,
        99,
        100,
        101,
        1000,
        4095,
        4096,
        4097,
        8192,
        len / 2,
        len - 4096,
        len - 1,
    ] {
        std::fs::write(&copy, &bytes[..cut]).unwrap();
        let r = open_and_read(&copy);
        match r {
            Err(e) => assert!(is_clear_damage_error(&e), "cut at {cut}: {e:?}"),
            Ok(c) => panic!("cut at {cut} of {len}: read back {c:?}"),
        }
        let _ = std::fs::remove_file(&copy);
    }
}

/// Flips one byte at a time, every byte of the 100-byte header and every 61st byte
/// after it: each copy either opens and reads back exactly the records written, or is
/// refused with a damage error. (Run with `step_by(1)` over the whole file, it found the
/// two defects fixed: a row whose key byte flipped read back as missing, and a flipped
/// schema-format byte as a `Backend` error.)
#[test]
fn flipped_bytes_are_refused_or_harmless() {
    let (dir, path) = written_store();
    let bytes = std::fs::read(&path).unwrap();
    let copy = dir.path().join("flipped.sqlite");
    let want = expected(None);
    let mut refused = 0;
    for offset in (0..100).chain((100..bytes.len()).step_by(61)) {
        let mut b = bytes.clone();
        b[offset] ^= 0x20;
        std::fs::write(&copy, &b).unwrap();
        match open_and_read(&copy) {
            Ok(c) => assert_eq!(c, want, "flip at {offset} read back other records"),
            Err(e) => {
                assert!(is_clear_damage_error(&e), "flip at {offset}: {e:?}");
                refused += 1;
            }
        }
        for suffix in ["", "-wal", "-shm"] {
            let mut p = copy.as_os_str().to_owned();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
    assert!(refused > 0, "some flips are detected");
}

/// Flips a byte inside one sealed value: the record fails authentication.
#[test]
fn a_flipped_ciphertext_byte_fails_authentication() {
    let (_dir, path) = written_store();
    let sealed: Vec<u8> = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT value FROM groups WHERE group_id = ?1",
            [b"alpha".as_slice()],
            |r| r.get(0),
        )
        .unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes
        .windows(sealed.len())
        .position(|w| w == sealed.as_slice())
        .expect("the sealed value is in the file");
    bytes[at + 30] ^= 1;
    std::fs::write(&path, &bytes).unwrap();
    let s = SqliteStorage::open(&path, &KEY).unwrap();
    assert_eq!(
        s.group(b"alpha").unwrap_err(),
        StorageError::RecordAuthenticationFailed
    );
    // The other records still read.
    assert_eq!(
        s.group(&[0xbe, 0x7a, 0x00]).unwrap(),
        Some(groups()[1].clone())
    );
}

/// Opens the store at `path`, then runs `sql` on it behind its back (as another
/// process writing the file while it is open would): the reads meet the tampered rows.
/// (Tampered before the open, the same rows are [`StorageError::RecordSetMismatch`] at
/// open: [`tampered_before_open_is_found_on_open`].)
fn tamper(path: &std::path::Path, sql: &str) -> SqliteStorage {
    let s = SqliteStorage::open(path, &KEY).unwrap();
    s.connection().execute_batch(sql).unwrap();
    s
}

#[test]
fn a_ciphertext_swapped_between_groups_fails_authentication() {
    let (_dir, path) = written_store();
    let s = tamper(
        &path,
        "UPDATE groups SET value = (SELECT value FROM groups WHERE group_id = X'be7a00')
         WHERE group_id = CAST('alpha' AS BLOB);",
    );
    assert_eq!(
        s.group(b"alpha").unwrap_err(),
        StorageError::RecordAuthenticationFailed
    );
}

#[test]
fn a_ciphertext_swapped_between_key_packages_fails_authentication() {
    let (_dir, path) = written_store();
    let s = tamper(
        &path,
        "UPDATE key_packages SET value = (SELECT value FROM key_packages WHERE last_resort = 1)
         WHERE last_resort = 0;",
    );
    assert_eq!(
        s.key_package(&[0x01; 32]).unwrap_err(),
        StorageError::RecordAuthenticationFailed
    );
    assert_eq!(
        s.key_packages().unwrap_err(),
        StorageError::RecordAuthenticationFailed
    );
}

#[test]
fn a_ciphertext_swapped_between_buffered_messages_fails_authentication() {
    let (_dir, path) = written_store();
    // Same group and epoch, other sequence number.
    let s = tamper(
        &path,
        "UPDATE buffered SET value = (SELECT b2.value FROM buffered b2
             WHERE b2.group_id = buffered.group_id AND b2.sequence = buffered.sequence + 1)
         WHERE group_id = CAST('alpha' AS BLOB) AND sequence =
             (SELECT min(sequence) FROM buffered WHERE group_id = CAST('alpha' AS BLOB));",
    );
    assert_eq!(
        s.buffered(b"alpha").unwrap_err(),
        StorageError::RecordAuthenticationFailed
    );
}

#[test]
fn a_record_moved_to_another_kind_fails_authentication() {
    let (_dir, path) = written_store();
    // alpha's group record (same group id and epoch) as its pending commit.
    let s = tamper(
        &path,
        "UPDATE pending_commits SET value = (SELECT value FROM groups WHERE group_id = CAST('alpha' AS BLOB));",
    );
    assert_eq!(
        s.pending_commit(b"alpha").unwrap_err(),
        StorageError::RecordAuthenticationFailed
    );
}

/// Changes to clear columns: (SQL, what it changes).
const TAMPERING: &[(&str, &str)] = &[
    (
        "UPDATE groups SET epoch = epoch + 1 WHERE group_id = CAST('alpha' AS BLOB)",
        "epoch",
    ),
    ("UPDATE pending_commits SET epoch = 4", "pending epoch"),
    (
        "UPDATE key_packages SET last_resort = 1 - last_resort",
        "last_resort",
    ),
    (
        "UPDATE key_packages SET created_at = created_at + 1",
        "created_at",
    ),
    (
        "UPDATE buffered SET epoch = 5 WHERE epoch = 4",
        "buffered epoch",
    ),
    (
        "UPDATE groups SET group_id = CAST('alphb' AS BLOB) WHERE group_id = CAST('alpha' AS BLOB)",
        "group id",
    ),
    (
        "UPDATE key_packages SET reference = X'03' WHERE last_resort = 0",
        "reference",
    ),
];

#[test]
fn a_changed_clear_column_fails_authentication() {
    for (sql, what) in TAMPERING {
        let (_dir, path) = written_store();
        let s = tamper(&path, sql);
        assert_eq!(
            read_all(&s).unwrap_err(),
            StorageError::RecordAuthenticationFailed,
            "{what}"
        );
    }
}

#[test]
fn a_value_of_the_wrong_type_is_malformed() {
    let (_dir, path) = written_store();
    let s = tamper(&path, "UPDATE client SET value = 'text, not a blob'");
    assert_eq!(s.client().unwrap_err(), StorageError::RecordMalformed);
}

#[test]
fn a_sealed_value_shorter_than_a_nonce_fails_authentication() {
    let (_dir, path) = written_store();
    let s = tamper(&path, "UPDATE client SET value = X'0102'");
    assert_eq!(
        s.client().unwrap_err(),
        StorageError::RecordAuthenticationFailed
    );
}

/// A row whose key column changed (to another group id, sequence number or reference)
/// is a row missing where it was: found on open.
#[test]
fn a_row_moved_to_another_key_is_found_on_open() {
    for (sql, what) in [
        (
            "UPDATE buffered SET group_id = CAST('alphA' AS BLOB)
             WHERE group_id = CAST('alpha' AS BLOB) AND sequence = (SELECT min(sequence) FROM buffered)",
            "buffered group id",
        ),
        ("UPDATE buffered SET sequence = sequence + 100 WHERE epoch = 0", "sequence"),
        ("UPDATE pending_commits SET group_id = X'00'", "pending group id"),
        ("UPDATE key_packages SET reference = X'03' WHERE last_resort = 0", "reference"),
    ] {
        let (_dir, path) = written_store();
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch(sql)
            .unwrap();
        assert_eq!(
            SqliteStorage::open(&path, &KEY).unwrap_err(),
            StorageError::RecordSetMismatch,
            "{what}"
        );
    }
}

#[test]
fn a_deleted_or_added_row_is_found_on_open() {
    for (sql, what) in [
        (
            "DELETE FROM buffered WHERE epoch = 0",
            "deleted buffered message",
        ),
        ("DELETE FROM pending_commits", "deleted pending commit"),
        (
            "DELETE FROM key_packages WHERE last_resort = 1",
            "deleted KeyPackage",
        ),
        ("DELETE FROM client", "deleted client"),
        (
            "INSERT INTO buffered SELECT group_id, sequence + 1, epoch, value FROM buffered
             WHERE epoch = 0",
            "added buffered message",
        ),
    ] {
        let (_dir, path) = written_store();
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch(sql)
            .unwrap();
        assert_eq!(
            SqliteStorage::open(&path, &KEY).unwrap_err(),
            StorageError::RecordSetMismatch,
            "{what}"
        );
    }
}

/// A record put back from an older copy of the store (an earlier epoch's secrets) is
/// found on open, even though it authenticates on its own.
#[test]
fn a_record_rolled_back_to_an_older_version_is_found_on_open() {
    let (_dir, path) = written_store();
    let old: (i64, Vec<u8>) = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT epoch, value FROM groups WHERE group_id = ?1",
            [b"alpha".as_slice()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let mut s = SqliteStorage::open(&path, &KEY).unwrap();
    let mut next = groups()[0].clone();
    next.epoch += 1;
    let mut b = melos::storage::WriteBatch::new();
    b.push(melos::storage::Write::PutGroup(next));
    s.apply(&b).unwrap();
    drop(s);
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE groups SET epoch = ?1, value = ?2 WHERE group_id = ?3",
            rusqlite::params![old.0, old.1, b"alpha".as_slice()],
        )
        .unwrap();
    assert_eq!(
        SqliteStorage::open(&path, &KEY).unwrap_err(),
        StorageError::RecordSetMismatch
    );
}

/// Every tampering of the clear columns, done while the store is closed, is found by the
/// record set at open.
#[test]
fn tampered_before_open_is_found_on_open() {
    for (sql, what) in TAMPERING {
        let (_dir, path) = written_store();
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch(sql)
            .unwrap();
        assert_eq!(
            SqliteStorage::open(&path, &KEY).unwrap_err(),
            StorageError::RecordSetMismatch,
            "{what}"
        );
    }
}

/// Found by the client-level kill test's damage sweep: a flipped byte inside the stored
/// `CREATE TABLE` text gave `Backend("no such column: epoch ...")` instead of a damage
/// error. A store whose tables lack a column of the schema is [`StorageError::Corrupt`].
#[test]
fn a_damaged_schema_is_corrupt_not_a_backend_error() {
    for (table, column) in [
        ("buffered", "epoch"),
        ("groups", "epoch"),
        ("pending_commits", "epoch"),
        ("key_packages", "created_at"),
        ("key_packages", "last_resort"),
    ] {
        let (_dir, path) = written_store();
        let raw = rusqlite::Connection::open(&path).unwrap();
        raw.execute_batch(&format!(
            "ALTER TABLE {table} RENAME COLUMN {column} TO {column}_damaged"
        ))
        .unwrap();
        drop(raw);
        match open_and_read(&path) {
            Err(StorageError::Corrupt) => {}
            other => panic!("{table}.{column}: {other:?}"),
        }
    }
}
