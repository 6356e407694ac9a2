//! The client layer against its storage: damaged records, failing writes.

use super::tests::*;
use super::*;
use crate::error::GroupError;
use crate::messages::Credential;
use crate::storage::{KeyPackageRecord, MemoryStorage};

#[test]
fn a_damaged_group_record_fails_the_load_with_an_error() {
    let c = group_of(&["alice", "bob"]);
    let mut storage = c[1].storage().clone();
    let mut rec = storage.group(G).unwrap().unwrap();
    let mut bytes = rec.state.as_bytes().to_vec();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    rec.state = crate::crypto::Secret::new(bytes);
    let mut batch = WriteBatch::new();
    batch.push(Write::PutGroup(rec.clone()));
    storage.apply(&batch).unwrap();
    let err = Client::load(provider(), storage.clone(), ClientConfig::default()).unwrap_err();
    assert_eq!(err, GroupError::StateChecksumMismatch.into());
    // Not an envelope at all.
    rec.state = crate::crypto::Secret::from_slice(b"junk");
    let mut batch = WriteBatch::new();
    batch.push(Write::PutGroup(rec.clone()));
    storage.apply(&batch).unwrap();
    let err = Client::load(provider(), storage.clone(), ClientConfig::default()).unwrap_err();
    assert_eq!(err, StorageError::RecordMalformed.into());
    // The epoch of the record disagrees with the group's.
    let mut good = c[1].storage().group(G).unwrap().unwrap();
    good.epoch = 9;
    let mut batch = WriteBatch::new();
    batch.push(Write::PutGroup(good));
    storage.apply(&batch).unwrap();
    let err = Client::load(provider(), storage, ClientConfig::default()).unwrap_err();
    assert_eq!(err, ClientError::GroupRecordMismatch.into());
    // No client record; a second client in one store.
    let err = Client::load(provider(), MemoryStorage::new(), ClientConfig::default()).unwrap_err();
    assert_eq!(err, ClientError::NoClientInStore.into());
    let p = provider();
    let cs = p.suite(ClientConfig::default().cipher_suite).unwrap();
    let id = SigningIdentity::generate(cs, Credential::Basic(b"x".to_vec())).unwrap();
    let err = Client::create(p, id, ClientConfig::default(), c[1].storage().clone()).unwrap_err();
    assert_eq!(err, ClientError::ClientExists.into());
}

/// A store whose writes fail on demand (a full disk, a crash before the commit).
#[derive(Clone, Debug, Default)]
struct Flaky {
    inner: MemoryStorage,
    fail: bool,
}

impl Storage for Flaky {
    fn apply(&mut self, batch: &WriteBatch) -> Result<(), StorageError> {
        if self.fail {
            return Err(StorageError::Backend("disk full".into()));
        }
        self.inner.apply(batch)
    }
    fn client(&self) -> Result<Option<crate::crypto::Secret>, StorageError> {
        self.inner.client()
    }
    fn group_ids(&self) -> Result<Vec<Vec<u8>>, StorageError> {
        self.inner.group_ids()
    }
    fn group(&self, id: &[u8]) -> Result<Option<GroupRecord>, StorageError> {
        self.inner.group(id)
    }
    fn pending_commit(&self, id: &[u8]) -> Result<Option<PendingCommitRecord>, StorageError> {
        self.inner.pending_commit(id)
    }
    fn key_package(&self, r: &[u8]) -> Result<Option<KeyPackageRecord>, StorageError> {
        self.inner.key_package(r)
    }
    fn key_packages(&self) -> Result<Vec<KeyPackageRecord>, StorageError> {
        self.inner.key_packages()
    }
    fn buffered(&self, id: &[u8]) -> Result<Vec<BufferedRecord>, StorageError> {
        self.inner.buffered(id)
    }
}

#[test]
fn a_failed_write_returns_no_message_and_changes_nothing() {
    let mut c = group_of(&["alice", "bob"]);
    let bob = c.pop().unwrap();
    let config = bob.config().clone();
    let flaky = Flaky {
        inner: bob.into_storage(),
        fail: false,
    };
    let mut bob = Client::load(provider(), flaky, config).unwrap();
    let incoming = enc(&c[0].send(G, b"to bob", b"").unwrap());
    let before = bob.group(G).unwrap().to_bytes().unwrap();
    let stored = dump(&bob.storage().inner);
    bob.storage.fail = true;
    let disk_full = Error::Storage(StorageError::Backend("disk full".into()));
    // No ciphertext leaves without its ratchet step stored (RFC 9420 §9.2: no key reuse).
    assert_eq!(bob.send(G, b"x", b"").unwrap_err(), disk_full);
    assert_eq!(
        bob.commit(G, CommitOptions::default(), NOW).unwrap_err(),
        disk_full
    );
    assert_eq!(bob.process_incoming(&incoming, NOW).unwrap_err(), disk_full);
    assert_eq!(bob.generate_key_packages(2, NOW).unwrap_err(), disk_full);
    assert_eq!(bob.group(G).unwrap().to_bytes().unwrap(), before);
    assert!(!bob.has_pending_commit(G));
    assert_eq!(bob.key_package_count(), 0);
    assert_eq!(dump(&bob.storage().inner), stored);
    // Once the store works again, everything goes through.
    bob.storage.fail = false;
    let events = bob.process_incoming(&incoming, NOW).unwrap();
    assert!(
        matches!(&events[..], [ClientEvent::ApplicationMessage { data, .. }] if data == b"to bob")
    );
    let msg = enc(&bob.send(G, b"back", b"").unwrap());
    deliver(&mut c[0], &msg);
}
