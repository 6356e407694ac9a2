//! A process killed (SIGKILL) in the middle of a batch leaves the last committed state,
//! and the store reopens (WAL recovery).

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::KEY;
use melos::crypto::Secret;
use melos::storage::{GroupRecord, KeyPackageRecord, Storage, Write, WriteBatch};
use melos_sqlite::SqliteStorage;

/// Set in the child process: the store it writes to.
const STORE_ENV: &str = "MELOS_SQLITE_CRASH_STORE";

/// The group at epoch `e`.
fn group_at(e: u64) -> GroupRecord {
    GroupRecord {
        group_id: b"g".to_vec(),
        epoch: e,
        state: Secret::from_slice(&e.to_be_bytes().repeat(64)),
    }
}

/// The batch that moves the group to epoch `e`: the group record, a buffered message of
/// epoch `e` replacing the one of `e - 1`, and a KeyPackage of its own.
fn epoch_batch(e: u64) -> WriteBatch {
    let mut b = WriteBatch::new();
    b.push(Write::PutGroup(group_at(e)))
        .push(Write::DeleteBuffered(b"g".to_vec(), e.wrapping_sub(1)))
        .push(Write::PutBuffered(melos::storage::BufferedRecord {
            group_id: b"g".to_vec(),
            epoch: e,
            sequence: e,
            message: e.to_be_bytes().to_vec(),
        }))
        .push(Write::PutKeyPackage(KeyPackageRecord {
            reference: e.to_be_bytes().to_vec(),
            bundle: Secret::from_slice(b"bundle"),
            last_resort: false,
            created_at: e,
        }));
    b
}

/// The child: writes epoch after epoch, slowly, until it is killed.
#[test]
#[ignore = "the child process of a_process_killed_mid_batch_leaves_a_whole_epoch"]
fn crash_child() {
    let Some(path) = std::env::var_os(STORE_ENV) else {
        return;
    };
    let mut s = SqliteStorage::open(&path, &KEY).unwrap();
    s.set_write_delay(Duration::from_millis(4));
    let start = s.group(b"g").unwrap().map_or(0, |g| g.epoch);
    for e in start + 1.. {
        s.apply(&epoch_batch(e)).unwrap();
    }
}

/// Checks that the store holds exactly the state after some whole batch; returns its
/// epoch.
fn check_consistent(s: &SqliteStorage) -> u64 {
    let g = s.group(b"g").unwrap().expect("the group");
    let e = g.epoch;
    assert_eq!(g, group_at(e));
    let buffered: Vec<u64> = s
        .buffered(b"g")
        .unwrap()
        .iter()
        .map(|m| m.sequence)
        .collect();
    assert_eq!(buffered, if e == 0 { vec![] } else { vec![e] }, "epoch {e}");
    let kps: Vec<u64> = s
        .key_packages()
        .unwrap()
        .iter()
        .map(|k| k.created_at)
        .collect();
    assert_eq!(kps, (1..=e).collect::<Vec<_>>(), "epoch {e}");
    e
}

#[test]
fn a_process_killed_mid_batch_leaves_a_whole_epoch() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    {
        let mut s = SqliteStorage::open(&path, &KEY).unwrap();
        let mut b = WriteBatch::new();
        b.push(Write::PutGroup(group_at(0)));
        s.apply(&b).unwrap();
    }
    let mut last = 0;
    for round in 0..5u64 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["crash_child", "--exact", "--ignored", "--test-threads=1"])
            .env(STORE_ENV, &path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(300 + 23 * round));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let s = SqliteStorage::open(&path, &KEY).unwrap();
        let e = check_consistent(&s);
        assert!(
            e >= last,
            "round {round}: epoch went back from {last} to {e}"
        );
        last = e;
    }
    assert!(last > 0, "the child committed some batches");
}
