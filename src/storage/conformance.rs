//! A conformance suite for [`Storage`] backends: what every backend must do, checked
//! against the rules stated in [`crate::storage`] and on [`Storage`].
//!
//! ```
//! use melos::storage::{conformance, MemoryStorage, Storage};
//!
//! conformance::check(&mut || Box::new(MemoryStorage::new()) as Box<dyn Storage>).unwrap();
//! ```
//!
//! [`check`] runs every check on a fresh store from `make` (each must start empty) and
//! returns the first failure as a sentence naming the check; it never panics on a
//! misbehaving backend. What it covers: put, replace and delete of every record kind
//! (deleting an absent record is not an error), [`Write::DeleteGroup`] taking the group's
//! pending commit and buffered messages with it and nothing of another group's, the orders
//! the trait promises (group ids and KeyPackage references in ascending byte order,
//! buffered messages in ascending sequence number, including values at the ends of `u64`),
//! the writes of a batch applied in order, a batch read back whole, empty and large values,
//! and a failed read of an absent record being `Ok(None)`.

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use super::{
    BufferedRecord, GroupRecord, KeyPackageRecord, PendingCommitRecord, Storage, Write, WriteBatch,
};
use crate::crypto::Secret;

/// The result of one check: `Err` says what went wrong.
type Check = Result<(), String>;

/// One check: runs on a fresh store.
type CheckFn = fn(&mut dyn Storage) -> Check;

/// The checks, by name.
const CHECKS: &[(&str, CheckFn)] = &[
    ("a new store is empty", new_store_is_empty),
    ("client record", client_record),
    ("group put, replace and delete", group_records),
    ("group ids in ascending byte order", group_id_order),
    ("pending commit put, replace and delete", pending_commits),
    ("KeyPackage put, replace and delete", key_packages),
    (
        "KeyPackages in ascending order of reference",
        key_package_order,
    ),
    (
        "buffered messages put, replace and delete",
        buffered_messages,
    ),
    (
        "buffered messages in ascending sequence number",
        buffered_order,
    ),
    ("DeleteGroup cascades", delete_group_cascades),
    ("writes of a batch apply in order", batch_order),
    ("a batch is read back whole", batch_whole),
    ("empty and large values", value_sizes),
];

/// Runs every check, each on a fresh store from `make`, and returns the first failure.
pub fn check(make: &mut dyn FnMut() -> Box<dyn Storage>) -> Result<(), String> {
    for (name, run) in CHECKS {
        let mut store = make();
        run(store.as_mut()).map_err(|e| format!("{name}: {e}"))?;
    }
    Ok(())
}

fn apply(s: &mut dyn Storage, writes: Vec<Write>) -> Check {
    s.apply(&WriteBatch { writes })
        .map_err(|e| format!("apply failed: {e}"))
}

fn expect<T: PartialEq + core::fmt::Debug>(what: &str, got: T, want: T) -> Check {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: got {got:?}, expected {want:?}"))
    }
}

fn read<T>(what: &str, r: Result<T, crate::error::StorageError>) -> Result<T, String> {
    r.map_err(|e| format!("reading {what} failed: {e}"))
}

fn group(id: &[u8], epoch: u64, state: &[u8]) -> GroupRecord {
    GroupRecord {
        group_id: id.to_vec(),
        epoch,
        state: Secret::from_slice(state),
    }
}

fn pending(id: &[u8], epoch: u64, message: &[u8], resend: &[u8]) -> PendingCommitRecord {
    PendingCommitRecord {
        group_id: id.to_vec(),
        epoch,
        message: message.to_vec(),
        resend: resend.to_vec(),
    }
}

fn key_package(reference: &[u8], bundle: &[u8], last_resort: bool, at: u64) -> KeyPackageRecord {
    KeyPackageRecord {
        reference: reference.to_vec(),
        bundle: Secret::from_slice(bundle),
        last_resort,
        created_at: at,
    }
}

fn buffered(id: &[u8], epoch: u64, sequence: u64, message: &[u8]) -> BufferedRecord {
    BufferedRecord {
        group_id: id.to_vec(),
        epoch,
        sequence,
        message: message.to_vec(),
    }
}

fn new_store_is_empty(s: &mut dyn Storage) -> Check {
    expect("client", read("client", s.client())?, None)?;
    expect("group ids", read("group ids", s.group_ids())?, vec![])?;
    expect("group", read("group", s.group(b"g"))?, None)?;
    expect("pending", read("pending", s.pending_commit(b"g"))?, None)?;
    expect(
        "key package",
        read("key package", s.key_package(b"r"))?,
        None,
    )?;
    expect(
        "key packages",
        read("key packages", s.key_packages())?,
        vec![],
    )?;
    expect("buffered", read("buffered", s.buffered(b"g"))?, vec![])?;
    // An empty batch is a no-op.
    apply(s, vec![])?;
    expect(
        "group ids after an empty batch",
        read("group ids", s.group_ids())?,
        vec![],
    )
}

fn client_record(s: &mut dyn Storage) -> Check {
    apply(s, vec![Write::PutClient(Secret::from_slice(b"client 1"))])?;
    expect(
        "client",
        read("client", s.client())?,
        Some(Secret::from_slice(b"client 1")),
    )?;
    apply(s, vec![Write::PutClient(Secret::from_slice(b"client two"))])?;
    expect(
        "replaced client",
        read("client", s.client())?,
        Some(Secret::from_slice(b"client two")),
    )
}

fn group_records(s: &mut dyn Storage) -> Check {
    apply(
        s,
        vec![
            Write::PutGroup(group(b"a", 0, b"state a0")),
            Write::PutGroup(group(b"b", u64::MAX, b"state b")),
        ],
    )?;
    expect(
        "group a",
        read("group", s.group(b"a"))?,
        Some(group(b"a", 0, b"state a0")),
    )?;
    expect(
        "group b (epoch u64::MAX)",
        read("group", s.group(b"b"))?,
        Some(group(b"b", u64::MAX, b"state b")),
    )?;
    apply(s, vec![Write::PutGroup(group(b"a", 1, b"state a1"))])?;
    expect(
        "replaced group a",
        read("group", s.group(b"a"))?,
        Some(group(b"a", 1, b"state a1")),
    )?;
    expect(
        "group ids after a replace",
        read("group ids", s.group_ids())?,
        vec![b"a".to_vec(), b"b".to_vec()],
    )?;
    apply(
        s,
        vec![
            Write::DeleteGroup(b"a".to_vec()),
            // Absent: not an error.
            Write::DeleteGroup(b"zz".to_vec()),
        ],
    )?;
    expect("deleted group a", read("group", s.group(b"a"))?, None)?;
    expect(
        "group b after deleting a",
        read("group", s.group(b"b"))?,
        Some(group(b"b", u64::MAX, b"state b")),
    )?;
    expect(
        "group ids after a delete",
        read("group ids", s.group_ids())?,
        vec![b"b".to_vec()],
    )
}

/// Ids that a naive order (by length, by signed bytes, by text) would sort differently.
fn awkward_ids() -> Vec<Vec<u8>> {
    vec![
        vec![0xff],
        vec![0x01, 0x00],
        vec![0x00],
        vec![0x01],
        vec![0x80, 0x00, 0x00],
        vec![0x00, 0x00],
        vec![0x7f, 0xff],
    ]
}

fn group_id_order(s: &mut dyn Storage) -> Check {
    let ids = awkward_ids();
    apply(
        s,
        ids.iter()
            .map(|id| Write::PutGroup(group(id, 1, id)))
            .collect(),
    )?;
    let mut sorted = ids.clone();
    sorted.sort();
    expect("group ids", read("group ids", s.group_ids())?, sorted)
}

fn pending_commits(s: &mut dyn Storage) -> Check {
    apply(
        s,
        vec![
            Write::PutPendingCommit(pending(b"g", 3, b"commit", b"resend")),
            Write::PutPendingCommit(pending(b"h", 9, b"", b"")),
        ],
    )?;
    expect(
        "pending g",
        read("pending", s.pending_commit(b"g"))?,
        Some(pending(b"g", 3, b"commit", b"resend")),
    )?;
    expect(
        "pending h (empty fields)",
        read("pending", s.pending_commit(b"h"))?,
        Some(pending(b"h", 9, b"", b"")),
    )?;
    apply(
        s,
        vec![Write::PutPendingCommit(pending(b"g", 4, b"commit 2", b""))],
    )?;
    expect(
        "replaced pending g",
        read("pending", s.pending_commit(b"g"))?,
        Some(pending(b"g", 4, b"commit 2", b"")),
    )?;
    apply(
        s,
        vec![
            Write::DeletePendingCommit(b"g".to_vec()),
            Write::DeletePendingCommit(b"absent".to_vec()),
        ],
    )?;
    expect(
        "deleted pending g",
        read("pending", s.pending_commit(b"g"))?,
        None,
    )?;
    expect(
        "pending h after deleting g's",
        read("pending", s.pending_commit(b"h"))?,
        Some(pending(b"h", 9, b"", b"")),
    )
}

fn key_packages(s: &mut dyn Storage) -> Check {
    apply(
        s,
        vec![
            Write::PutKeyPackage(key_package(b"r1", b"bundle 1", false, 10)),
            Write::PutKeyPackage(key_package(b"r2", b"bundle 2", true, u64::MAX)),
        ],
    )?;
    expect(
        "KeyPackage r1",
        read("key package", s.key_package(b"r1"))?,
        Some(key_package(b"r1", b"bundle 1", false, 10)),
    )?;
    expect(
        "last-resort KeyPackage r2",
        read("key package", s.key_package(b"r2"))?,
        Some(key_package(b"r2", b"bundle 2", true, u64::MAX)),
    )?;
    apply(
        s,
        vec![Write::PutKeyPackage(key_package(
            b"r1",
            b"bundle 1b",
            true,
            0,
        ))],
    )?;
    expect(
        "replaced KeyPackage r1",
        read("key package", s.key_package(b"r1"))?,
        Some(key_package(b"r1", b"bundle 1b", true, 0)),
    )?;
    apply(
        s,
        vec![
            Write::DeleteKeyPackage(b"r1".to_vec()),
            Write::DeleteKeyPackage(b"absent".to_vec()),
        ],
    )?;
    expect(
        "deleted KeyPackage r1",
        read("key package", s.key_package(b"r1"))?,
        None,
    )?;
    expect(
        "KeyPackages after the delete",
        read("key packages", s.key_packages())?,
        vec![key_package(b"r2", b"bundle 2", true, u64::MAX)],
    )
}

fn key_package_order(s: &mut dyn Storage) -> Check {
    let refs = awkward_ids();
    apply(
        s,
        refs.iter()
            .map(|r| Write::PutKeyPackage(key_package(r, r, false, 1)))
            .collect(),
    )?;
    let mut sorted = refs.clone();
    sorted.sort();
    let got: Vec<Vec<u8>> = read("key packages", s.key_packages())?
        .into_iter()
        .map(|k| k.reference)
        .collect();
    expect("KeyPackage references", got, sorted)
}

fn buffered_messages(s: &mut dyn Storage) -> Check {
    apply(
        s,
        vec![
            Write::PutBuffered(buffered(b"g", 5, 0, b"m0")),
            Write::PutBuffered(buffered(b"g", 5, 1, b"m1")),
            Write::PutBuffered(buffered(b"h", 2, 0, b"other group")),
        ],
    )?;
    expect(
        "buffered g",
        read("buffered", s.buffered(b"g"))?,
        vec![buffered(b"g", 5, 0, b"m0"), buffered(b"g", 5, 1, b"m1")],
    )?;
    // Same (group, sequence): replaced, even with another epoch.
    apply(s, vec![Write::PutBuffered(buffered(b"g", 6, 1, b"m1b"))])?;
    expect(
        "buffered g after a replace",
        read("buffered", s.buffered(b"g"))?,
        vec![buffered(b"g", 5, 0, b"m0"), buffered(b"g", 6, 1, b"m1b")],
    )?;
    apply(
        s,
        vec![
            Write::DeleteBuffered(b"g".to_vec(), 0),
            Write::DeleteBuffered(b"g".to_vec(), 77),
            Write::DeleteBuffered(b"absent".to_vec(), 0),
        ],
    )?;
    expect(
        "buffered g after a delete",
        read("buffered", s.buffered(b"g"))?,
        vec![buffered(b"g", 6, 1, b"m1b")],
    )?;
    expect(
        "buffered h (untouched)",
        read("buffered", s.buffered(b"h"))?,
        vec![buffered(b"h", 2, 0, b"other group")],
    )
}

fn buffered_order(s: &mut dyn Storage) -> Check {
    let seqs = [u64::MAX, 256, 0, 1 << 63, 2, (1 << 63) - 1, 1, u64::MAX - 1];
    apply(
        s,
        seqs.iter()
            .map(|&q| Write::PutBuffered(buffered(b"g", q, q, &q.to_be_bytes())))
            .collect(),
    )?;
    let mut sorted = seqs.to_vec();
    sorted.sort_unstable();
    let want: Vec<BufferedRecord> = sorted
        .iter()
        .map(|&q| buffered(b"g", q, q, &q.to_be_bytes()))
        .collect();
    expect(
        "buffered in sequence order",
        read("buffered", s.buffered(b"g"))?,
        want,
    )
}

fn delete_group_cascades(s: &mut dyn Storage) -> Check {
    apply(
        s,
        vec![
            Write::PutGroup(group(b"g", 1, b"g")),
            Write::PutPendingCommit(pending(b"g", 1, b"c", b"r")),
            Write::PutBuffered(buffered(b"g", 2, 0, b"b0")),
            Write::PutBuffered(buffered(b"g", 2, 1, b"b1")),
            Write::PutGroup(group(b"g2", 1, b"g2")),
            Write::PutPendingCommit(pending(b"g2", 1, b"c2", b"")),
            Write::PutBuffered(buffered(b"g2", 2, 0, b"x")),
            // A group id that extends "g": a prefix match must not take it.
            Write::PutBuffered(buffered(b"g\x00", 2, 0, b"y")),
            Write::PutKeyPackage(key_package(b"g", b"kp", false, 1)),
        ],
    )?;
    apply(s, vec![Write::DeleteGroup(b"g".to_vec())])?;
    expect("group g", read("group", s.group(b"g"))?, None)?;
    expect("pending g", read("pending", s.pending_commit(b"g"))?, None)?;
    expect("buffered g", read("buffered", s.buffered(b"g"))?, vec![])?;
    expect(
        "group g2",
        read("group", s.group(b"g2"))?,
        Some(group(b"g2", 1, b"g2")),
    )?;
    expect(
        "pending g2",
        read("pending", s.pending_commit(b"g2"))?,
        Some(pending(b"g2", 1, b"c2", b"")),
    )?;
    expect(
        "buffered g2",
        read("buffered", s.buffered(b"g2"))?,
        vec![buffered(b"g2", 2, 0, b"x")],
    )?;
    expect(
        "buffered g\\0",
        read("buffered", s.buffered(b"g\x00"))?,
        vec![buffered(b"g\x00", 2, 0, b"y")],
    )?;
    expect(
        "KeyPackage with the group's id as reference",
        read("key package", s.key_package(b"g"))?,
        Some(key_package(b"g", b"kp", false, 1)),
    )?;
    // A group with only buffered messages (joined later): DeleteGroup still takes them.
    apply(
        s,
        vec![
            Write::PutBuffered(buffered(b"only", 0, 3, b"z")),
            Write::PutPendingCommit(pending(b"only", 0, b"c", b"")),
        ],
    )?;
    apply(s, vec![Write::DeleteGroup(b"only".to_vec())])?;
    expect(
        "buffered of a group without a record",
        read("buffered", s.buffered(b"only"))?,
        vec![],
    )?;
    expect(
        "pending of a group without a record",
        read("pending", s.pending_commit(b"only"))?,
        None,
    )
}

fn batch_order(s: &mut dyn Storage) -> Check {
    // Put then delete: absent. Delete then put: present. Two puts: the last wins.
    apply(
        s,
        vec![
            Write::PutGroup(group(b"a", 1, b"a1")),
            Write::DeleteGroup(b"a".to_vec()),
            Write::DeleteGroup(b"b".to_vec()),
            Write::PutGroup(group(b"b", 1, b"b1")),
            Write::PutGroup(group(b"c", 1, b"c1")),
            Write::PutGroup(group(b"c", 2, b"c2")),
            Write::PutKeyPackage(key_package(b"k", b"k", false, 1)),
            Write::DeleteKeyPackage(b"k".to_vec()),
            Write::PutBuffered(buffered(b"b", 2, 0, b"m")),
            Write::DeleteBuffered(b"b".to_vec(), 0),
            Write::PutBuffered(buffered(b"b", 2, 1, b"m")),
            Write::PutPendingCommit(pending(b"b", 1, b"p", b"")),
            Write::DeletePendingCommit(b"b".to_vec()),
            Write::PutPendingCommit(pending(b"c", 2, b"p1", b"")),
            Write::PutPendingCommit(pending(b"c", 2, b"p2", b"")),
            Write::PutClient(Secret::from_slice(b"first")),
            Write::PutClient(Secret::from_slice(b"second")),
            // DeleteGroup after a put of the group's buffered message takes it.
            Write::PutBuffered(buffered(b"d", 1, 0, b"m")),
            Write::DeleteGroup(b"d".to_vec()),
        ],
    )?;
    expect(
        "group a (put, deleted)",
        read("group", s.group(b"a"))?,
        None,
    )?;
    expect(
        "group b (deleted, put)",
        read("group", s.group(b"b"))?,
        Some(group(b"b", 1, b"b1")),
    )?;
    expect(
        "group c (two puts)",
        read("group", s.group(b"c"))?,
        Some(group(b"c", 2, b"c2")),
    )?;
    expect(
        "KeyPackage k (put, deleted)",
        read("key package", s.key_package(b"k"))?,
        None,
    )?;
    expect(
        "buffered b",
        read("buffered", s.buffered(b"b"))?,
        vec![buffered(b"b", 2, 1, b"m")],
    )?;
    expect(
        "pending b (put, deleted)",
        read("pending", s.pending_commit(b"b"))?,
        None,
    )?;
    expect(
        "pending c (two puts)",
        read("pending", s.pending_commit(b"c"))?,
        Some(pending(b"c", 2, b"p2", b"")),
    )?;
    expect(
        "client (two puts)",
        read("client", s.client())?,
        Some(Secret::from_slice(b"second")),
    )?;
    expect(
        "buffered d (put, group deleted)",
        read("buffered", s.buffered(b"d"))?,
        vec![],
    )
}

fn batch_whole(s: &mut dyn Storage) -> Check {
    let n: u64 = 50;
    let mut writes = vec![Write::PutClient(Secret::from_slice(b"client"))];
    for i in 0..n {
        let id = i.to_be_bytes();
        writes.push(Write::PutGroup(group(&id, i, &id)));
        writes.push(Write::PutPendingCommit(pending(&id, i, &id, &id)));
        writes.push(Write::PutKeyPackage(key_package(&id, &id, i % 2 == 0, i)));
        writes.push(Write::PutBuffered(buffered(&id, i, i, &id)));
    }
    apply(s, writes)?;
    expect(
        "client",
        read("client", s.client())?,
        Some(Secret::from_slice(b"client")),
    )?;
    let ids: Vec<Vec<u8>> = (0..n).map(|i| i.to_be_bytes().to_vec()).collect();
    expect("group ids", read("group ids", s.group_ids())?, ids.clone())?;
    expect(
        "KeyPackage count",
        read("key packages", s.key_packages())?.len(),
        ids.len(),
    )?;
    for i in 0..n {
        let id = i.to_be_bytes();
        expect(
            "group",
            read("group", s.group(&id))?,
            Some(group(&id, i, &id)),
        )?;
        expect(
            "pending",
            read("pending", s.pending_commit(&id))?,
            Some(pending(&id, i, &id, &id)),
        )?;
        expect(
            "KeyPackage",
            read("key package", s.key_package(&id))?,
            Some(key_package(&id, &id, i % 2 == 0, i)),
        )?;
        expect(
            "buffered",
            read("buffered", s.buffered(&id))?,
            vec![buffered(&id, i, i, &id)],
        )?;
    }
    Ok(())
}

fn value_sizes(s: &mut dyn Storage) -> Check {
    let large: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    apply(
        s,
        vec![
            Write::PutClient(Secret::from_slice(b"")),
            Write::PutGroup(group(b"", 0, b"")),
            Write::PutGroup(group(b"large", 7, &large)),
            Write::PutBuffered(buffered(b"large", 8, 0, &large)),
            Write::PutBuffered(buffered(b"", 0, 0, b"")),
            Write::PutKeyPackage(key_package(b"", b"", false, 0)),
        ],
    )?;
    expect(
        "empty client",
        read("client", s.client())?,
        Some(Secret::from_slice(b"")),
    )?;
    expect(
        "empty group id and state",
        read("group", s.group(b""))?,
        Some(group(b"", 0, b"")),
    )?;
    expect(
        "large group state",
        read("group", s.group(b"large"))?,
        Some(group(b"large", 7, &large)),
    )?;
    expect(
        "large buffered message",
        read("buffered", s.buffered(b"large"))?,
        vec![buffered(b"large", 8, 0, &large)],
    )?;
    expect(
        "empty buffered message",
        read("buffered", s.buffered(b""))?,
        vec![buffered(b"", 0, 0, b"")],
    )?;
    expect(
        "empty KeyPackage",
        read("key package", s.key_package(b""))?,
        Some(key_package(b"", b"", false, 0)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::MemoryStorage;

    #[test]
    fn memory_storage_conforms() {
        check(&mut || Box::new(MemoryStorage::new()) as Box<dyn Storage>).unwrap();
    }

    /// A backend that forgets DeleteGroup's cascade fails the suite with a sentence.
    #[test]
    fn a_backend_without_the_cascade_fails() {
        struct NoCascade(MemoryStorage);
        impl Storage for NoCascade {
            fn apply(&mut self, batch: &WriteBatch) -> Result<(), crate::error::StorageError> {
                let writes = batch
                    .writes
                    .iter()
                    .map(|w| match w {
                        Write::DeleteGroup(id) => Write::PutGroup(group(id, 0, b"")),
                        w => w.clone(),
                    })
                    .collect();
                self.0.apply(&WriteBatch { writes })
            }
            fn client(&self) -> Result<Option<Secret>, crate::error::StorageError> {
                self.0.client()
            }
            fn group_ids(&self) -> Result<Vec<Vec<u8>>, crate::error::StorageError> {
                self.0.group_ids()
            }
            fn group(&self, id: &[u8]) -> Result<Option<GroupRecord>, crate::error::StorageError> {
                self.0.group(id)
            }
            fn pending_commit(
                &self,
                id: &[u8],
            ) -> Result<Option<PendingCommitRecord>, crate::error::StorageError> {
                self.0.pending_commit(id)
            }
            fn key_package(
                &self,
                r: &[u8],
            ) -> Result<Option<KeyPackageRecord>, crate::error::StorageError> {
                self.0.key_package(r)
            }
            fn key_packages(&self) -> Result<Vec<KeyPackageRecord>, crate::error::StorageError> {
                self.0.key_packages()
            }
            fn buffered(
                &self,
                id: &[u8],
            ) -> Result<Vec<BufferedRecord>, crate::error::StorageError> {
                self.0.buffered(id)
            }
        }
        let err = check(&mut || Box::new(NoCascade(MemoryStorage::new())) as Box<dyn Storage>)
            .unwrap_err();
        assert!(err.starts_with("group put, replace and delete"), "{err}");
    }
}
