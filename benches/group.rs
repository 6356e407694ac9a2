//! Group operations (RFC 9420 §11 to §14) at n members, suite 1: one Commit adding n-1
//! members (with the Welcome), joining by Welcome, a Commit with a path, processing and
//! merging that Commit, a Commit removing one member, encrypting and decrypting a 1 KiB
//! application message, KeyPackage creation.
//!
//! `*_settled` rows repeat the Commit rows on a tree where every copath node of the committer
//! is non-blank (see `common::settle`), the shape of a group that has lived for a while; right
//! after the n-1 Adds, a Commit with a path must encrypt to every other leaf (RFC 9420 §7.5).
//!
//! Cloning the group state that an operation consumes is setup, outside the timed routine
//! (`iter_batched`), so each figure is the operation alone.
//!
//! Sizes come from `MELOS_GROUP_BENCH_SIZES` (comma-separated, default `10,1000`); 10,000
//! works but the setup (one Commit of 9,999 Adds, each KeyPackage verified) takes a while.
//! Benchmark ids: `group/<op>/n`.

mod common;

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use common::{LIFETIME, apply, settled_pair};
use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use melos::crypto::rust_crypto::RustCrypto;
use melos::group::{CommitOptions, Group, GroupConfig, PskStore, SigningIdentity};
use melos::messages::{Credential, KeyPackageBundle};
use melos::tree_math::LeafIndex;
use melos::{CipherSuite, CryptoProvider};

const SUITE: CipherSuite = CipherSuite(1);

fn client(p: &Arc<dyn CryptoProvider>, i: usize) -> (SigningIdentity, KeyPackageBundle) {
    common::client(p, SUITE, i)
}

fn sizes() -> Vec<usize> {
    std::env::var("MELOS_GROUP_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10, 1000])
}

fn bench(c: &mut Criterion) {
    let p: Arc<dyn CryptoProvider> = Arc::new(RustCrypto::new());
    let mut g = c.benchmark_group("group");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_millis(500));
    g.bench_function("key_package", |b| {
        let cs = p.suite(SUITE).unwrap();
        let id = SigningIdentity::generate(cs, Credential::Basic(b"x".to_vec())).unwrap();
        b.iter(|| black_box(id.key_package(cs, LIFETIME).unwrap()))
    });
    for n in sizes() {
        let (a, _) = client(&p, 0);
        let creator = Group::create(
            p.clone(),
            SUITE,
            b"bench".to_vec(),
            a,
            GroupConfig::default(),
        )
        .unwrap();
        let clients: Vec<_> = (1..n).map(|i| client(&p, i)).collect();
        let mut opts = CommitOptions::default().with_ratchet_tree();
        for (_, kp) in &clients {
            opts = opts.add_member(kp.key_package.clone());
        }
        g.bench_with_input(BenchmarkId::new("commit_add_all", n), &n, |b, _| {
            b.iter_batched(
                || (creator.clone(), opts.clone()),
                |(mut c, o)| black_box(c.commit(o).unwrap()),
                BatchSize::PerIteration,
            )
        });
        let mut alice = creator.clone();
        let out = alice.commit(opts.clone()).unwrap();
        alice.merge_pending_commit().unwrap();
        let welcome = out.welcome.unwrap();
        let (last_id, last_kp) = clients.last().cloned().unwrap();
        g.bench_with_input(BenchmarkId::new("join", n), &n, |b, _| {
            b.iter_with_large_drop(|| {
                black_box(
                    Group::join(
                        p.clone(),
                        &welcome,
                        &last_kp,
                        last_id.clone(),
                        None,
                        GroupConfig::default(),
                        &PskStore::new(),
                    )
                    .unwrap(),
                )
            })
        });
        let bob = Group::join(
            p.clone(),
            &welcome,
            &last_kp,
            last_id,
            None,
            GroupConfig::default(),
            &PskStore::new(),
        )
        .unwrap();
        g.bench_with_input(BenchmarkId::new("commit_path", n), &n, |b, _| {
            b.iter_batched(
                || alice.clone(),
                |mut c| black_box(c.commit(CommitOptions::default()).unwrap()),
                BatchSize::PerIteration,
            )
        });
        let commit = alice
            .clone()
            .commit(CommitOptions::default())
            .unwrap()
            .commit;
        g.bench_with_input(BenchmarkId::new("process_commit", n), &n, |b, _| {
            b.iter_batched(
                || bob.clone(),
                |mut r| {
                    apply(&mut r, &commit);
                    r
                },
                BatchSize::PerIteration,
            )
        });
        g.bench_with_input(BenchmarkId::new("commit_remove", n), &n, |b, _| {
            b.iter_batched(
                || alice.clone(),
                |mut c| {
                    black_box(
                        c.commit(CommitOptions::default().remove_member(LeafIndex(1)))
                            .unwrap(),
                    )
                },
                BatchSize::PerIteration,
            )
        });
        // The same operations once the tree has settled (O(log n) encryptions per path).
        let (alice_s, bob_s) = settled_pair(&p, &alice, &welcome, None, &clients);
        g.bench_with_input(BenchmarkId::new("commit_path_settled", n), &n, |b, _| {
            b.iter_batched(
                || alice_s.clone(),
                |mut c| black_box(c.commit(CommitOptions::default()).unwrap()),
                BatchSize::PerIteration,
            )
        });
        let commit_s = alice_s
            .clone()
            .commit(CommitOptions::default())
            .unwrap()
            .commit;
        g.bench_with_input(BenchmarkId::new("process_commit_settled", n), &n, |b, _| {
            b.iter_batched(
                || bob_s.clone(),
                |mut r| {
                    apply(&mut r, &commit_s);
                    r
                },
                BatchSize::PerIteration,
            )
        });
        // Leaf 3: its direct path is leaf 0's, which the Commit's path refills.
        let removed = LeafIndex(3);
        g.bench_with_input(BenchmarkId::new("commit_remove_settled", n), &n, |b, _| {
            b.iter_batched(
                || alice_s.clone(),
                |mut c| {
                    black_box(
                        c.commit(CommitOptions::default().remove_member(removed))
                            .unwrap(),
                    )
                },
                BatchSize::PerIteration,
            )
        });
        let data = vec![7u8; 1024];
        g.bench_with_input(BenchmarkId::new("encrypt_1k", n), &n, |b, _| {
            let mut s = alice.clone();
            b.iter(|| black_box(s.encrypt_application(&data, b"").unwrap()))
        });
        g.bench_with_input(BenchmarkId::new("decrypt_1k", n), &n, |b, _| {
            let mut s = alice.clone();
            let mut r = bob.clone();
            b.iter_batched(
                || s.encrypt_application(&data, b"").unwrap(),
                |m| black_box(r.process(&m, None).unwrap()),
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
