//! The cost of persistence (issue #14): joining by Welcome, making a Commit and processing
//! one, at n members (`MELOS_PERSIST_BENCH_SIZES`, default `10,1000`), each through a
//! `Client<MemoryStorage>` (`*/memory`) and a `Client<SqliteStorage>` on a file in a
//! temporary directory (`*/sqlite`: encrypted records, WAL, `synchronous = FULL`, a
//! checkpoint after every batch). The difference is what the store costs.
//!
//! Each iteration starts from a fresh copy of a saved client (a clone of the memory store,
//! or a copy of the database file, flushed to disk, then `Client::load`), made in the
//! untimed setup. The
//! group is built the fastest way `benches/group.rs` uses: one Commit adding n - 1 members.
//! The database size per member is printed at set-up.
//! Benchmark ids: `persist/<op>/<store>/n`.

use std::fs;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use melos::client::{Client, ClientConfig, ClientEvent};
use melos::crypto::rust_crypto::RustCrypto;
use melos::group::{CommitOptions, SigningIdentity};
use melos::messages::{Credential, Lifetime};
use melos::storage::{MemoryStorage, Storage, Write, WriteBatch};
use melos::{CipherSuite, CryptoProvider};
use melos_sqlite::SqliteStorage;

const KEY: [u8; 32] = [7; 32];
const G: &[u8] = b"bench";
const NOW: u64 = 1_800_000_000;
const LIFETIME: Lifetime = Lifetime {
    not_before: 0,
    not_after: u64::MAX,
};

fn sizes() -> Vec<usize> {
    std::env::var("MELOS_PERSIST_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10, 1000])
}

fn config() -> ClientConfig {
    ClientConfig::new(CipherSuite(1))
}

/// Writes every record of `from` into `to`, in one batch.
fn copy_into(from: &MemoryStorage, to: &mut SqliteStorage) {
    let mut b = WriteBatch::new();
    if let Some(c) = from.client().unwrap() {
        b.push(Write::PutClient(c));
    }
    for id in from.group_ids().unwrap() {
        b.push(Write::PutGroup(from.group(&id).unwrap().unwrap()));
        if let Some(p) = from.pending_commit(&id).unwrap() {
            b.push(Write::PutPendingCommit(p));
        }
        for m in from.buffered(&id).unwrap() {
            b.push(Write::PutBuffered(m));
        }
    }
    for k in from.key_packages().unwrap() {
        b.push(Write::PutKeyPackage(k));
    }
    to.apply(&b).unwrap();
}

static COPIES: AtomicUsize = AtomicUsize::new(0);

/// A saved client: its memory store and the same records in a database file.
struct Saved {
    mem: MemoryStorage,
    file: PathBuf,
    dir: PathBuf,
}

impl Saved {
    fn new(dir: &Path, name: &str, mem: MemoryStorage) -> Self {
        let file = dir.join(format!("{name}.sqlite"));
        let mut s = SqliteStorage::open(&file, &KEY).unwrap();
        copy_into(&mem, &mut s);
        drop(s);
        Saved {
            mem,
            file,
            dir: dir.to_path_buf(),
        }
    }

    fn memory(&self, p: &Arc<dyn CryptoProvider>) -> Client<MemoryStorage> {
        Client::load(p.clone(), self.mem.clone(), config()).unwrap()
    }

    /// A client on a fresh copy of the file; the copies of two iterations ago are removed.
    fn sqlite(&self, p: &Arc<dyn CryptoProvider>) -> Client<SqliteStorage> {
        let n = COPIES.fetch_add(1, Ordering::Relaxed);
        if let Some(old) = n.checked_sub(2) {
            for ext in ["", "-wal", "-shm"] {
                let _ = fs::remove_file(self.dir.join(format!("work{old}.sqlite{ext}")));
            }
        }
        let path = self.dir.join(format!("work{n}.sqlite"));
        fs::copy(&self.file, &path).unwrap();
        // Flush the copy now, so the timed batch's fsyncs do not also write it out.
        fs::File::open(&path).unwrap().sync_all().unwrap();
        Client::load(
            p.clone(),
            SqliteStorage::open(&path, &KEY).unwrap(),
            config(),
        )
        .unwrap()
    }

    fn size(&self) -> u64 {
        fs::metadata(&self.file).unwrap().len()
    }
}

fn bench(c: &mut Criterion) {
    let p: Arc<dyn CryptoProvider> = Arc::new(RustCrypto::new());
    let cs = p.suite(CipherSuite(1)).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let ident = |name: &str| {
        SigningIdentity::generate(cs, Credential::Basic(name.as_bytes().to_vec())).unwrap()
    };
    let mut g = c.benchmark_group("persist");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_millis(300));
    for n in sizes() {
        let mut alice =
            Client::create(p.clone(), ident("alice"), config(), MemoryStorage::new()).unwrap();
        let mut bob =
            Client::create(p.clone(), ident("bob"), config(), MemoryStorage::new()).unwrap();
        let bob_kp = bob.generate_key_packages(1, NOW).unwrap().pop().unwrap();
        let bob_fresh = Saved::new(dir, &format!("bob-fresh-{n}"), bob.storage().clone());
        alice.create_group(G.to_vec(), NOW).unwrap();
        let mut opts = CommitOptions::default().with_ratchet_tree();
        for i in 2..n {
            let kp = ident(&format!("m{i}")).key_package(cs, LIFETIME).unwrap();
            opts = opts.add_member(kp.key_package);
        }
        opts = opts.add_member(bob_kp.into_key_package().unwrap());
        let out = alice.commit(G, opts, NOW).unwrap();
        alice
            .process_incoming(&out.commit.encode().unwrap(), NOW)
            .unwrap();
        let welcome = out.welcome.unwrap().encode().unwrap();
        let joined = bob.process_incoming(&welcome, NOW).unwrap();
        assert!(matches!(joined[..], [ClientEvent::Joined { .. }]));
        let alice_saved = Saved::new(dir, &format!("alice-{n}"), alice.storage().clone());
        let bob_saved = Saved::new(dir, &format!("bob-{n}"), bob.storage().clone());
        let commit = alice
            .commit(G, CommitOptions::default(), NOW)
            .unwrap()
            .commit
            .encode()
            .unwrap();
        eprintln!(
            "n = {n}: database of the creator {} bytes, of a member {} bytes ({} bytes per \
             member of the group)",
            alice_saved.size(),
            bob_saved.size(),
            bob_saved.size() / n as u64
        );

        g.bench_with_input(BenchmarkId::new("join/memory", n), &n, |b, _| {
            b.iter_batched(
                || bob_fresh.memory(&p),
                |mut c| {
                    black_box(c.process_incoming(&welcome, NOW).unwrap());
                    c
                },
                BatchSize::PerIteration,
            )
        });
        g.bench_with_input(BenchmarkId::new("join/sqlite", n), &n, |b, _| {
            b.iter_batched(
                || bob_fresh.sqlite(&p),
                |mut c| {
                    black_box(c.process_incoming(&welcome, NOW).unwrap());
                    c
                },
                BatchSize::PerIteration,
            )
        });
        g.bench_with_input(BenchmarkId::new("commit/memory", n), &n, |b, _| {
            b.iter_batched(
                || alice_saved.memory(&p),
                |mut c| {
                    black_box(c.commit(G, CommitOptions::default(), NOW).unwrap());
                    c
                },
                BatchSize::PerIteration,
            )
        });
        g.bench_with_input(BenchmarkId::new("commit/sqlite", n), &n, |b, _| {
            b.iter_batched(
                || alice_saved.sqlite(&p),
                |mut c| {
                    black_box(c.commit(G, CommitOptions::default(), NOW).unwrap());
                    c
                },
                BatchSize::PerIteration,
            )
        });
        g.bench_with_input(BenchmarkId::new("process/memory", n), &n, |b, _| {
            b.iter_batched(
                || bob_saved.memory(&p),
                |mut c| {
                    black_box(c.process_incoming(&commit, NOW).unwrap());
                    c
                },
                BatchSize::PerIteration,
            )
        });
        g.bench_with_input(BenchmarkId::new("process/sqlite", n), &n, |b, _| {
            b.iter_batched(
                || bob_saved.sqlite(&p),
                |mut c| {
                    black_box(c.process_incoming(&commit, NOW).unwrap());
                    c
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
