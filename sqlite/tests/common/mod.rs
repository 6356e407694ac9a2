//! The records every fixture holds, the fixed key, and helpers shared by the tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use melos::StorageError;
use melos::crypto::Secret;
use melos::storage::{
    BufferedRecord, GroupRecord, KeyPackageRecord, PendingCommitRecord, Storage, Write, WriteBatch,
};

/// The fixtures' key (fixed so the committed files open).
pub const KEY: [u8; 32] = *b"melos-sqlite fixture key 32bytes";

/// A committed fixture.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fixtures")
        .join(name)
}

/// A copy of `src` in a fresh temporary directory (opening migrates it in place).
pub fn copy_to_temp(src: &Path) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let dst = dir.path().join("store.sqlite");
    std::fs::copy(src, &dst).unwrap();
    (dir, dst)
}

pub fn client() -> Secret {
    Secret::from_slice(b"client identity and settings")
}

pub fn groups() -> Vec<GroupRecord> {
    vec![
        GroupRecord {
            group_id: b"alpha".to_vec(),
            epoch: 3,
            state: Secret::from_slice(&[0xa1; 300]),
        },
        GroupRecord {
            group_id: vec![0xbe, 0x7a, 0x00],
            epoch: u64::MAX,
            state: Secret::from_slice(b"beta state"),
        },
    ]
}

pub fn pending() -> PendingCommitRecord {
    PendingCommitRecord {
        group_id: b"alpha".to_vec(),
        epoch: 3,
        message: b"commit message of alpha".to_vec(),
        resend: b"proposals to resend".to_vec(),
    }
}

/// The KeyPackages as written; `created_at` is what the current schema keeps.
pub fn key_packages() -> Vec<KeyPackageRecord> {
    vec![
        KeyPackageRecord {
            reference: vec![0x01; 32],
            bundle: Secret::from_slice(b"bundle one"),
            last_resort: false,
            created_at: 1_765_000_000,
        },
        KeyPackageRecord {
            reference: vec![0x02; 32],
            bundle: Secret::from_slice(b"last-resort bundle"),
            last_resort: true,
            created_at: 1_765_000_100,
        },
    ]
}

pub fn buffered() -> Vec<BufferedRecord> {
    vec![
        BufferedRecord {
            group_id: b"alpha".to_vec(),
            epoch: 4,
            sequence: 0,
            message: b"early message 0".to_vec(),
        },
        BufferedRecord {
            group_id: b"alpha".to_vec(),
            epoch: 4,
            sequence: 1,
            message: b"early message 1".to_vec(),
        },
        BufferedRecord {
            group_id: vec![0xbe, 0x7a, 0x00],
            epoch: 0,
            sequence: 7,
            message: b"beta early".to_vec(),
        },
    ]
}

/// The batch that writes every record above.
pub fn batch() -> WriteBatch {
    let mut b = WriteBatch::new();
    b.push(Write::PutClient(client()));
    for g in groups() {
        b.push(Write::PutGroup(g));
    }
    b.push(Write::PutPendingCommit(pending()));
    for k in key_packages() {
        b.push(Write::PutKeyPackage(k));
    }
    for m in buffered() {
        b.push(Write::PutBuffered(m));
    }
    b
}

/// Every record of the store, read through the trait.
#[derive(Debug, PartialEq, Eq)]
pub struct Contents {
    pub client: Option<Secret>,
    pub groups: Vec<GroupRecord>,
    pub pending: Vec<PendingCommitRecord>,
    pub key_packages: Vec<KeyPackageRecord>,
    pub buffered: Vec<BufferedRecord>,
}

pub fn read_all(s: &dyn Storage) -> Result<Contents, StorageError> {
    let ids = s.group_ids()?;
    let mut groups = vec![];
    let mut pending = vec![];
    let mut buffered = vec![];
    // Buffered messages and pending commits of the expected groups (a group record is
    // not needed for them, so ask for the expected ids too).
    let mut all_ids = ids.clone();
    for g in self::groups() {
        if !all_ids.contains(&g.group_id) {
            all_ids.push(g.group_id);
        }
    }
    for id in &ids {
        groups.extend(s.group(id)?);
    }
    for id in &all_ids {
        pending.extend(s.pending_commit(id)?);
        buffered.extend(s.buffered(id)?);
    }
    Ok(Contents {
        client: s.client()?,
        groups,
        pending,
        key_packages: s.key_packages()?,
        buffered,
    })
}

/// What [`batch`] leaves, read with [`read_all`]; `created_at` of every KeyPackage
/// replaced by `created_at` when given (stores migrated from version 1).
pub fn expected(created_at: Option<u64>) -> Contents {
    Contents {
        client: Some(client()),
        groups: groups(),
        pending: vec![pending()],
        key_packages: key_packages()
            .into_iter()
            .map(|mut k| {
                if let Some(at) = created_at {
                    k.created_at = at;
                }
                k
            })
            .collect(),
        buffered: buffered(),
    }
}
