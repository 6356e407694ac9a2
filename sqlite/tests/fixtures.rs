//! Stores written by each schema version's code open with the current code, migrate,
//! and read back every record.
//!
//! The committed fixtures are made by the `#[ignore]`d `generate_fixtures` test:
//! `cargo test -p melos-sqlite --test fixtures -- --ignored generate_fixtures`.

mod common;

use common::*;
use melos::storage::Storage;
use melos_sqlite::{CURRENT_VERSION, SqliteStorage};

/// Writes `tests/fixtures/v{N}.sqlite` for every version with the code of that version.
#[test]
#[ignore = "writes the committed fixtures"]
fn generate_fixtures() {
    for version in 1..=CURRENT_VERSION {
        let path = fixture(&format!("v{version}.sqlite"));
        let _ = std::fs::remove_file(&path);
        let mut s = SqliteStorage::create_at_version(&path, &KEY, version).unwrap();
        assert_eq!(s.schema_version(), version);
        s.apply(&batch()).unwrap();
        // The old code reads back what it wrote (v1 keeps no created_at).
        let created_at = (version == 1).then_some(0);
        assert_eq!(read_all(&s).unwrap(), expected(created_at));
        // Closing checkpoints the WAL into the file: the fixture is one file.
        drop(s);
        assert!(!path.with_extension("sqlite-wal").exists());
    }
}

fn open_fixture(version: u32) -> (tempfile::TempDir, SqliteStorage) {
    let (dir, path) = copy_to_temp(&fixture(&format!("v{version}.sqlite")));
    let before = rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_query_value(None, "user_version", |r| r.get::<_, u32>(0))
        .unwrap();
    assert_eq!(before, version, "the fixture is at its version");
    let s = SqliteStorage::open(&path, &KEY).unwrap();
    assert_eq!(s.schema_version(), CURRENT_VERSION);
    (dir, s)
}

#[test]
fn v1_fixture_migrates_and_reads_back_with_created_at_zero() {
    let (_dir, s) = open_fixture(1);
    // Version 1 kept no creation time: migrated KeyPackages read as made at time 0.
    assert_eq!(read_all(&s).unwrap(), expected(Some(0)));
    let lr: Vec<bool> = s
        .key_packages()
        .unwrap()
        .iter()
        .map(|k| k.last_resort)
        .collect();
    assert_eq!(lr, vec![false, true]);
}

#[test]
fn v2_fixture_reads_back_exactly() {
    let (_dir, s) = open_fixture(2);
    assert_eq!(read_all(&s).unwrap(), expected(None));
}

#[test]
fn a_migrated_store_is_writable_and_reopens() {
    let (dir, mut s) = open_fixture(1);
    let mut b = melos::storage::WriteBatch::new();
    let mut kp = key_packages().remove(0);
    kp.created_at = 42;
    b.push(melos::storage::Write::PutKeyPackage(kp.clone()));
    s.apply(&b).unwrap();
    drop(s);
    let s = SqliteStorage::open(dir.path().join("store.sqlite"), &KEY).unwrap();
    assert_eq!(s.key_package(&kp.reference).unwrap(), Some(kp));
    // The rest is untouched.
    assert_eq!(read_all(&s).unwrap().groups, groups());
}

/// The schema a migration leaves is the schema a new store gets: same tables, columns
/// (names, types, defaults, keys) and indexes.
#[test]
fn a_migrated_schema_equals_a_new_one() {
    fn shape(conn: &rusqlite::Connection) -> Vec<String> {
        let mut out = vec![];
        let mut stmt = conn
            .prepare("SELECT type, name, tbl_name FROM sqlite_master ORDER BY type, name")
            .unwrap();
        let objects: Vec<(String, String, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for (ty, name, table) in objects {
            out.push(format!("{ty} {name} on {table}"));
            let pragma = if ty == "table" {
                "table_xinfo"
            } else {
                "index_xinfo"
            };
            let mut cols = conn
                .prepare(&format!("SELECT * FROM pragma_{pragma}('{name}')"))
                .unwrap();
            let n = cols.column_count();
            let rows: Vec<String> = cols
                .query_map([], |r| {
                    let mut v = vec![];
                    for i in 0..n {
                        v.push(format!("{:?}", r.get_ref(i)?));
                    }
                    Ok(v.join(","))
                })
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            out.extend(rows);
        }
        out
    }
    let (_dir, migrated) = open_fixture(1);
    let dir = tempfile::tempdir().unwrap();
    let new = SqliteStorage::open(dir.path().join("new.sqlite"), &KEY).unwrap();
    assert_eq!(shape(migrated.connection()), shape(new.connection()));
}

#[test]
fn a_v1_fixture_with_the_wrong_key_is_refused_before_migrating() {
    let (_dir, path) = copy_to_temp(&fixture("v1.sqlite"));
    let mut other = KEY;
    other[0] ^= 1;
    assert_eq!(
        SqliteStorage::open(&path, &other).unwrap_err(),
        melos::StorageError::WrongKey
    );
    let v = rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_query_value(None, "user_version", |r| r.get::<_, u32>(0))
        .unwrap();
    assert_eq!(v, 1, "a refused open does not migrate");
}
