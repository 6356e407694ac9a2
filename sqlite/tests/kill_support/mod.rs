//! The kill test's pieces that are not the test: a seeded generator, the client set-up,
//! the storage wrapper that marks batches on stdout, and the simulated delivery service's
//! append-only log.

use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use melos::client::ClientConfig;
use melos::crypto::Secret;
use melos::crypto::rust_crypto::RustCrypto;
use melos::framing::{ContentType, MlsMessage};
use melos::messages::Credential;
use melos::storage::{
    BufferedRecord, GroupRecord, KeyPackageRecord, PendingCommitRecord, Storage, WriteBatch,
};
use melos::{CipherSuite, CryptoProvider, StorageError};
use melos_sqlite::SqliteStorage;
use sha2::{Digest, Sha256};

/// SplitMix64.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

pub fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

pub fn provider() -> Arc<dyn CryptoProvider> {
    Arc::new(RustCrypto::new())
}

pub fn config() -> ClientConfig {
    let mut c = ClientConfig::new(CipherSuite(1));
    c.key_package_target = 3;
    c.group.max_past_epochs = 4;
    c
}

pub fn store_path(dir: &Path, i: usize) -> PathBuf {
    dir.join(format!("client{i}.sqlite"))
}

/// A `SqliteStorage` that prints `begin` before and `commit` after every batch, so the
/// parent knows whether a kill landed inside one.
pub struct Marked(pub SqliteStorage);

impl Storage for Marked {
    fn apply(&mut self, batch: &WriteBatch) -> Result<(), StorageError> {
        println!("begin");
        let r = self.0.apply(batch);
        println!("commit");
        r
    }
    fn client(&self) -> Result<Option<Secret>, StorageError> {
        self.0.client()
    }
    fn group_ids(&self) -> Result<Vec<Vec<u8>>, StorageError> {
        self.0.group_ids()
    }
    fn group(&self, group_id: &[u8]) -> Result<Option<GroupRecord>, StorageError> {
        self.0.group(group_id)
    }
    fn pending_commit(&self, group_id: &[u8]) -> Result<Option<PendingCommitRecord>, StorageError> {
        self.0.pending_commit(group_id)
    }
    fn key_package(&self, reference: &[u8]) -> Result<Option<KeyPackageRecord>, StorageError> {
        self.0.key_package(reference)
    }
    fn key_packages(&self) -> Result<Vec<KeyPackageRecord>, StorageError> {
        self.0.key_packages()
    }
    fn buffered(&self, group_id: &[u8]) -> Result<Vec<BufferedRecord>, StorageError> {
        self.0.buffered(group_id)
    }
}

/// Which client a credential names ("client {i}").
pub fn index_of(credential: &Credential) -> usize {
    let Credential::Basic(name) = credential else {
        panic!("basic credentials only")
    };
    std::str::from_utf8(name)
        .unwrap()
        .strip_prefix("client ")
        .unwrap()
        .parse()
        .unwrap()
}

/// The simulated delivery service: an append-only log of entries (each a list of encoded
/// messages: a Commit travels with its Welcome), each record `u32 length || payload ||
/// SHA-256(payload)[..8]`, fsynced after every append. A torn last record (the writer was
/// killed mid-append) is cut off when the writer reopens the log.
pub struct Ds {
    pub path: PathBuf,
    pub entries: Vec<Vec<Vec<u8>>>,
    /// The epoch whose Commit the DS accepts next.
    pub epoch: u64,
    /// The KeyPackageRef of every Welcome in the log, with the epoch it joins (its Commit's
    /// epoch plus one).
    pub welcomed: BTreeMap<Vec<u8>, u64>,
}

impl Ds {
    pub fn open(dir: &Path, repair: bool) -> Ds {
        let path = dir.join("ds.log");
        let bytes = fs::read(&path).unwrap_or_default();
        let mut ds = Ds {
            path,
            entries: Vec::new(),
            epoch: 0,
            welcomed: BTreeMap::new(),
        };
        let mut at = 0usize;
        while let Some(len) = bytes.get(at..at + 4) {
            let len = u32::from_be_bytes(len.try_into().unwrap()) as usize;
            let Some(payload) = bytes.get(at + 4..at + 4 + len) else {
                break;
            };
            let Some(sum) = bytes.get(at + 4 + len..at + 12 + len) else {
                break;
            };
            if Sha256::digest(payload)[..8] != *sum {
                break;
            }
            ds.note(decode_entry(payload));
            at += 12 + len;
        }
        if repair && at < bytes.len() {
            let f = OpenOptions::new().write(true).open(&ds.path).unwrap();
            f.set_len(at as u64).unwrap();
            f.sync_all().unwrap();
        }
        ds
    }

    pub fn note(&mut self, entry: Vec<Vec<u8>>) {
        for m in &entry {
            let msg = MlsMessage::decode(m).unwrap();
            if let Some(w) = msg.as_welcome() {
                for s in &w.secrets {
                    self.welcomed.insert(s.new_member.0.clone(), self.epoch);
                }
            } else if msg.content_type() == Some(ContentType::Commit) {
                assert_eq!(
                    msg.epoch(),
                    Some(self.epoch),
                    "the DS accepted a stale Commit"
                );
                self.epoch += 1;
            }
        }
        self.entries.push(entry);
    }

    pub fn append(&mut self, entry: Vec<Vec<u8>>) {
        let mut payload = (entry.len() as u32).to_be_bytes().to_vec();
        for m in &entry {
            payload.extend_from_slice(&(m.len() as u32).to_be_bytes());
            payload.extend_from_slice(m);
        }
        let mut rec = (payload.len() as u32).to_be_bytes().to_vec();
        rec.extend_from_slice(&payload);
        rec.extend_from_slice(&Sha256::digest(&payload)[..8]);
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .unwrap();
        f.write_all(&rec).unwrap();
        f.sync_data().unwrap();
        self.note(entry);
    }

    /// Sequences a Commit made in `epoch`: the first of its epoch is accepted (with its
    /// Welcome), the others rejected.
    pub fn submit_commit(&mut self, epoch: u64, commit: Vec<u8>, welcome: Option<Vec<u8>>) -> bool {
        if epoch != self.epoch {
            return false;
        }
        self.append(std::iter::once(commit).chain(welcome).collect());
        true
    }

    pub fn contains(&self, message: &[u8]) -> bool {
        self.entries.iter().flatten().any(|m| m == message)
    }
}

pub fn decode_entry(payload: &[u8]) -> Vec<Vec<u8>> {
    let n = u32::from_be_bytes(payload[..4].try_into().unwrap()) as usize;
    let mut at = 4;
    (0..n)
        .map(|_| {
            let len = u32::from_be_bytes(payload[at..at + 4].try_into().unwrap()) as usize;
            let m = payload[at + 4..at + 4 + len].to_vec();
            at += 4 + len;
            m
        })
        .collect()
}

pub fn read_u64(path: &Path) -> u64 {
    fs::read_to_string(path)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

/// Writes `v` to `path` atomically (write and rename).
pub fn write_u64(path: &Path, v: u64) {
    let tmp = path.with_extension("tmp");
    fs::write(&tmp, v.to_string()).unwrap();
    fs::rename(&tmp, path).unwrap();
}

pub fn cursor_path(dir: &Path, i: usize) -> PathBuf {
    dir.join(format!("client{i}.cursor"))
}
