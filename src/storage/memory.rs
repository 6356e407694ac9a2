//! [`MemoryStorage`]: the records in memory, for tests and for clients that persist
//! elsewhere.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use super::{
    BufferedRecord, GroupRecord, KeyPackageRecord, PendingCommitRecord, Storage, Table, Write,
    WriteBatch,
};
use crate::crypto::Secret;
use crate::error::StorageError;

/// A [`Storage`] in memory. A batch is applied to a copy that replaces the tables only
/// when every write went in, so it is atomic like a database transaction.
#[derive(Debug, Clone, Default)]
pub struct MemoryStorage {
    tables: Tables,
}

#[derive(Debug, Clone, Default)]
struct Tables {
    client: Option<Secret>,
    groups: Table<GroupRecord>,
    pending: Table<PendingCommitRecord>,
    key_packages: Table<KeyPackageRecord>,
    buffered: Table<BTreeMap<u64, BufferedRecord>>,
}

impl MemoryStorage {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Tables {
    fn apply(&mut self, write: &Write) {
        match write {
            Write::PutClient(c) => self.client = Some(c.clone()),
            Write::PutGroup(g) => {
                self.groups.insert(g.group_id.clone(), g.clone());
            }
            Write::DeleteGroup(id) => {
                self.groups.remove(id);
                self.pending.remove(id);
                self.buffered.remove(id);
            }
            Write::PutPendingCommit(p) => {
                self.pending.insert(p.group_id.clone(), p.clone());
            }
            Write::DeletePendingCommit(id) => {
                self.pending.remove(id);
            }
            Write::PutKeyPackage(k) => {
                self.key_packages.insert(k.reference.clone(), k.clone());
            }
            Write::DeleteKeyPackage(r) => {
                self.key_packages.remove(r);
            }
            Write::PutBuffered(b) => {
                self.buffered
                    .entry(b.group_id.clone())
                    .or_default()
                    .insert(b.sequence, b.clone());
            }
            Write::DeleteBuffered(id, seq) => {
                if let Some(group) = self.buffered.get_mut(id) {
                    group.remove(seq);
                    if group.is_empty() {
                        self.buffered.remove(id);
                    }
                }
            }
        }
    }
}

impl Storage for MemoryStorage {
    fn apply(&mut self, batch: &WriteBatch) -> Result<(), StorageError> {
        let mut next = self.tables.clone();
        for write in &batch.writes {
            next.apply(write);
        }
        self.tables = next;
        Ok(())
    }

    fn client(&self) -> Result<Option<Secret>, StorageError> {
        Ok(self.tables.client.clone())
    }

    fn group_ids(&self) -> Result<Vec<Vec<u8>>, StorageError> {
        Ok(self.tables.groups.keys().cloned().collect())
    }

    fn group(&self, group_id: &[u8]) -> Result<Option<GroupRecord>, StorageError> {
        Ok(self.tables.groups.get(group_id).cloned())
    }

    fn pending_commit(&self, group_id: &[u8]) -> Result<Option<PendingCommitRecord>, StorageError> {
        Ok(self.tables.pending.get(group_id).cloned())
    }

    fn key_package(&self, reference: &[u8]) -> Result<Option<KeyPackageRecord>, StorageError> {
        Ok(self.tables.key_packages.get(reference).cloned())
    }

    fn key_packages(&self) -> Result<Vec<KeyPackageRecord>, StorageError> {
        Ok(self.tables.key_packages.values().cloned().collect())
    }

    fn buffered(&self, group_id: &[u8]) -> Result<Vec<BufferedRecord>, StorageError> {
        Ok(self
            .tables
            .buffered
            .get(group_id)
            .map(|g| g.values().cloned().collect())
            .unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn group(id: &[u8], epoch: u64) -> GroupRecord {
        GroupRecord {
            group_id: id.to_vec(),
            epoch,
            state: Secret::from_slice(&[epoch as u8; 4]),
        }
    }

    #[test]
    fn a_batch_is_applied_in_order_and_reads_back() {
        let mut s = MemoryStorage::new();
        let mut b = WriteBatch::new();
        b.push(Write::PutGroup(group(b"g", 1)))
            .push(Write::PutKeyPackage(KeyPackageRecord {
                reference: vec![7],
                bundle: Secret::from_slice(b"kp"),
                last_resort: false,
                created_at: 5,
            }))
            .push(Write::PutBuffered(BufferedRecord {
                group_id: b"g".to_vec(),
                epoch: 2,
                sequence: 0,
                message: vec![1],
            }))
            .push(Write::PutGroup(group(b"g", 2)));
        s.apply(&b).unwrap();
        assert_eq!(s.group(b"g").unwrap().unwrap().epoch, 2);
        assert_eq!(s.group_ids().unwrap(), vec![b"g".to_vec()]);
        assert_eq!(s.key_packages().unwrap().len(), 1);
        assert_eq!(s.buffered(b"g").unwrap().len(), 1);

        let mut d = WriteBatch::new();
        d.push(Write::DeleteKeyPackage(vec![7]))
            .push(Write::DeleteGroup(b"g".to_vec()));
        s.apply(&d).unwrap();
        assert!(s.group(b"g").unwrap().is_none());
        assert!(s.key_package(&[7]).unwrap().is_none());
        assert!(s.buffered(b"g").unwrap().is_empty());
    }
}
