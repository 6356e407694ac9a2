//! Opening, reopening and configuring file stores.

mod common;

use common::*;
use melos::StorageError;
use melos::crypto::Secret;
use melos::storage::{GroupRecord, Storage, Write, WriteBatch, conformance};
use melos_sqlite::SqliteStorage;

fn new_store() -> (tempfile::TempDir, std::path::PathBuf, SqliteStorage) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    let s = SqliteStorage::open(&path, &KEY).unwrap();
    (dir, path, s)
}

#[test]
fn file_stores_conform() {
    let mut dirs = vec![];
    conformance::check(&mut || {
        let (dir, _, s) = new_store();
        dirs.push(dir);
        Box::new(s) as Box<dyn Storage>
    })
    .unwrap();
}

#[test]
fn in_memory_stores_conform() {
    conformance::check(&mut || Box::new(SqliteStorage::open_in_memory(&KEY).unwrap())).unwrap();
}

#[test]
fn records_survive_a_reopen() {
    let (_dir, path, mut s) = new_store();
    s.apply(&batch()).unwrap();
    drop(s);
    let s = SqliteStorage::open(&path, &KEY).unwrap();
    assert_eq!(read_all(&s).unwrap(), expected(None));
}

#[test]
fn a_key_shorter_than_32_bytes_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    assert_eq!(
        SqliteStorage::open(&path, &KEY[..31]).unwrap_err(),
        StorageError::KeyTooShort
    );
    assert!(!path.exists(), "a refused key creates no file");
    assert_eq!(
        SqliteStorage::open_in_memory(&[]).unwrap_err(),
        StorageError::KeyTooShort
    );
    // A longer key is fine (and is another key).
    let long = [7u8; 64];
    drop(SqliteStorage::open(&path, &long).unwrap());
    assert_eq!(
        SqliteStorage::open(&path, &long[..31]).unwrap_err(),
        StorageError::KeyTooShort
    );
    assert_eq!(
        SqliteStorage::open(&path, &long[..32]).unwrap_err(),
        StorageError::WrongKey
    );
    SqliteStorage::open(&path, &long).unwrap();
}

#[test]
fn a_wrong_key_is_refused_on_open() {
    let (_dir, path, mut s) = new_store();
    s.apply(&batch()).unwrap();
    drop(s);
    let mut other = KEY;
    other[31] ^= 0x80;
    assert_eq!(
        SqliteStorage::open(&path, &other).unwrap_err(),
        StorageError::WrongKey
    );
}

#[test]
fn file_stores_use_wal_full_sync_and_secure_delete() {
    let (_dir, _path, s) = new_store();
    let c = s.connection();
    let mode: String = c
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let sync: i64 = c
        .pragma_query_value(None, "synchronous", |r| r.get(0))
        .unwrap();
    assert_eq!(sync, 2, "synchronous = FULL");
    let sd: i64 = c
        .pragma_query_value(None, "secure_delete", |r| r.get(0))
        .unwrap();
    assert_eq!(sd, 1);
    let v: i64 = c
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(v, i64::from(melos_sqlite::CURRENT_VERSION));
}

/// Whether `needle` occurs in the store's file or its WAL.
fn on_disk(path: &std::path::Path, needle: &[u8]) -> bool {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    [path.to_path_buf(), wal.into()].iter().any(|p| {
        std::fs::read(p)
            .map(|b| b.windows(needle.len()).any(|w| w == needle))
            .unwrap_or(false)
    })
}

/// A replaced or deleted record's sealed bytes are gone from the file and the WAL as
/// soon as the batch is applied (secure_delete, and the WAL checkpointed and truncated).
#[test]
fn replaced_and_deleted_records_do_not_stay_on_disk() {
    let (_dir, path, mut s) = new_store();
    s.apply(&batch()).unwrap();
    let sealed = |s: &SqliteStorage, table: &str| -> Vec<Vec<u8>> {
        let mut st = s
            .connection()
            .prepare(&format!("SELECT value FROM {table}"))
            .unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let old_groups = sealed(&s, "groups");
    let old_kps = sealed(&s, "key_packages");
    for v in old_groups.iter().chain(&old_kps) {
        assert!(on_disk(&path, v), "the sealed record is on disk at first");
    }
    let mut b = WriteBatch::new();
    b.push(Write::PutGroup(GroupRecord {
        group_id: b"alpha".to_vec(),
        epoch: 4,
        state: Secret::from_slice(b"alpha at epoch 4"),
    }))
    .push(Write::DeleteGroup(vec![0xbe, 0x7a, 0x00]));
    for k in key_packages() {
        b.push(Write::DeleteKeyPackage(k.reference));
    }
    s.apply(&b).unwrap();
    for v in old_groups.iter().chain(&old_kps) {
        assert!(
            !on_disk(&path, v),
            "a replaced or deleted record is still on disk"
        );
    }
}

#[test]
fn a_newer_schema_is_refused() {
    let (_dir, path, s) = new_store();
    s.connection()
        .pragma_update(None, "user_version", 3)
        .unwrap();
    drop(s);
    assert_eq!(
        SqliteStorage::open(&path, &KEY).unwrap_err(),
        StorageError::SchemaTooNew {
            found: 3,
            supported: 2
        }
    );
}

#[test]
fn a_file_of_random_bytes_is_not_a_store_and_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("random");
    let mut bytes = vec![0u8; 8192];
    getrandom::fill(&mut bytes).unwrap();
    std::fs::write(&path, &bytes).unwrap();
    assert_eq!(
        SqliteStorage::open(&path, &KEY).unwrap_err(),
        StorageError::NotAStore
    );
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    // Short files too.
    for len in [1, 15, 99, 100, 512] {
        std::fs::write(&path, &bytes[..len]).unwrap();
        assert_eq!(
            SqliteStorage::open(&path, &KEY).unwrap_err(),
            StorageError::NotAStore,
            "{len} random bytes"
        );
    }
}

#[test]
fn a_database_without_our_schema_is_not_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("foreign.sqlite");
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        .unwrap();
    drop(c);
    assert_eq!(
        SqliteStorage::open(&path, &KEY).unwrap_err(),
        StorageError::NotAStore
    );
    // A `meta` table of another shape, or with another magic, is not ours either.
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch(
        "CREATE TABLE meta (name TEXT, value TEXT);
         INSERT INTO meta VALUES ('magic', 'something else');
         PRAGMA user_version = 2;",
    )
    .unwrap();
    drop(c);
    assert_eq!(
        SqliteStorage::open(&path, &KEY).unwrap_err(),
        StorageError::NotAStore
    );
    // The user_version of another application.
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch("PRAGMA user_version = 9").unwrap();
    drop(c);
    assert_eq!(
        SqliteStorage::open(&path, &KEY).unwrap_err(),
        StorageError::NotAStore
    );
}

#[test]
fn a_store_without_its_salt_key_check_or_record_set_is_corrupt() {
    for row in ["salt", "key_check", "record_set"] {
        let (_dir, path, s) = new_store();
        s.connection()
            .execute("DELETE FROM meta WHERE name = ?1", [row])
            .unwrap();
        drop(s);
        assert_eq!(
            SqliteStorage::open(&path, &KEY).unwrap_err(),
            StorageError::Corrupt,
            "{row}"
        );
    }
}

#[test]
fn a_store_with_version_zero_is_corrupt() {
    let (_dir, path, s) = new_store();
    s.connection()
        .pragma_update(None, "user_version", 0)
        .unwrap();
    drop(s);
    assert_eq!(
        SqliteStorage::open(&path, &KEY).unwrap_err(),
        StorageError::Corrupt
    );
}

/// The record set follows every kind of write: after each of a series of batches
/// (replacements, deletes of present and absent rows, cascades, repeated keys within a
/// batch) the store reopens, which recomputes the set over every row.
#[test]
fn the_record_set_follows_every_write() {
    use melos::storage::{BufferedRecord, KeyPackageRecord, PendingCommitRecord};
    let (_dir, path, mut s) = new_store();
    let g = |id: &[u8], e: u64| GroupRecord {
        group_id: id.to_vec(),
        epoch: e,
        state: Secret::from_slice(&e.to_be_bytes()),
    };
    let p = |id: &[u8], e: u64| PendingCommitRecord {
        group_id: id.to_vec(),
        epoch: e,
        message: vec![1; 3],
        resend: vec![],
    };
    let k = |r: u8, lr: bool, at: u64| KeyPackageRecord {
        reference: vec![r],
        bundle: Secret::from_slice(&[r]),
        last_resort: lr,
        created_at: at,
    };
    let m = |id: &[u8], e: u64, q: u64| BufferedRecord {
        group_id: id.to_vec(),
        epoch: e,
        sequence: q,
        message: vec![q as u8],
    };
    let batches: Vec<Vec<Write>> = vec![
        batch().writes,
        vec![
            Write::PutGroup(g(b"a", 1)),
            Write::PutGroup(g(b"a", 2)),
            Write::PutPendingCommit(p(b"a", 2)),
            Write::PutBuffered(m(b"a", 3, 0)),
            Write::PutBuffered(m(b"a", 3, 0)),
            Write::PutBuffered(m(b"a", 3, u64::MAX)),
            Write::PutKeyPackage(k(9, false, 1)),
        ],
        vec![
            Write::PutKeyPackage(k(9, true, 2)),
            Write::DeleteBuffered(b"a".to_vec(), 0),
            Write::DeleteBuffered(b"a".to_vec(), 1),
            Write::PutClient(Secret::from_slice(b"c2")),
            Write::DeletePendingCommit(b"nope".to_vec()),
        ],
        vec![
            Write::DeleteGroup(b"a".to_vec()),
            Write::PutBuffered(m(b"a", 4, 5)),
            Write::DeleteKeyPackage(vec![9]),
            Write::DeleteKeyPackage(vec![9]),
            Write::PutPendingCommit(p(b"alpha", 4)),
        ],
        vec![
            Write::DeleteGroup(b"alpha".to_vec()),
            Write::DeleteGroup(vec![0xbe, 0x7a, 0x00]),
            Write::DeleteGroup(b"a".to_vec()),
        ],
    ];
    for (i, writes) in batches.into_iter().enumerate() {
        s.apply(&WriteBatch { writes }).unwrap();
        drop(s);
        s = SqliteStorage::open(&path, &KEY).unwrap_or_else(|e| panic!("after batch {i}: {e}"));
    }
    assert!(s.group_ids().unwrap().is_empty());
    assert_eq!(s.key_packages().unwrap(), key_packages());
}
