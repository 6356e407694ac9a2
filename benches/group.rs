//! Group operations (RFC 9420 §11 to §14) at n members, suite 1: one Commit adding n-1
//! members (with the Welcome), joining by Welcome, a Commit with a path, processing and
//! merging that Commit, a Commit removing one member, encrypting and decrypting a 1 KiB
//! application message, KeyPackage creation.
//!
//! `*_settled` rows repeat the Commit rows on a tree where every copath node of the committer
//! is non-blank (see [`settled`]), the shape of a group that has lived for a while; right
//! after the n-1 Adds, a Commit with a path must encrypt to every other leaf (RFC 9420 §7.5).
//!
//! Cloning the group state that an operation consumes is setup, outside the timed routine
//! (`iter_batched`), so each figure is the operation alone.
//!
//! Sizes come from `MELOS_GROUP_BENCH_SIZES` (comma-separated, default `10,1000`); 10,000
//! works but the setup (one Commit of 9,999 Adds, each KeyPackage verified) takes a while.
//! Benchmark ids: `group/<op>/n`.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use melos::crypto::rust_crypto::RustCrypto;
use melos::group::{
    CommitOptions, Group, GroupConfig, ProcessedContent, PskStore, SigningIdentity,
};
use melos::messages::{Credential, KeyPackageBundle, Lifetime};
use melos::tree_math::LeafIndex;
use melos::{CipherSuite, CryptoProvider};

const SUITE: CipherSuite = CipherSuite(1);
const LIFETIME: Lifetime = Lifetime {
    not_before: 0,
    not_after: u64::MAX,
};

fn client(p: &Arc<dyn CryptoProvider>, i: usize) -> (SigningIdentity, KeyPackageBundle) {
    let cs = p.suite(SUITE).unwrap();
    let id =
        SigningIdentity::generate(cs, Credential::Basic(format!("m{i}").into_bytes())).unwrap();
    let kp = id.key_package(cs, LIFETIME).unwrap();
    (id, kp)
}

fn sizes() -> Vec<usize> {
    std::env::var("MELOS_GROUP_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10, 1000])
}

/// A group whose tree has settled: after the Commit of n-1 Adds, the members at leaves 1, 2,
/// 4, ..., 2^k < n join and commit once each, from the largest subtree down, so that every
/// copath node of leaf 0 is non-blank (a long-lived group's shape, where a Commit encrypts
/// to O(log n) nodes). Returns the member at leaf 0 and the one at leaf 1, both in the
/// latest epoch.
fn settled(
    p: &Arc<dyn CryptoProvider>,
    alice: &Group,
    welcome: &melos::framing::MlsMessage,
    clients: &[(SigningIdentity, KeyPackageBundle)],
) -> (Group, Group) {
    let mut members = vec![alice.clone()];
    let mut leaf = 1usize;
    while leaf <= clients.len() {
        let (id, kp) = clients[leaf - 1].clone();
        let g = Group::join(
            p.clone(),
            welcome,
            &kp,
            id,
            None,
            GroupConfig::default(),
            &PskStore::new(),
        )
        .unwrap();
        assert_eq!(g.own_leaf(), LeafIndex(leaf as u32));
        members.push(g);
        leaf *= 2;
    }
    // members[0] is leaf 0, members[i] is leaf 2^(i-1): commit from the last one down.
    for committer in (1..members.len()).rev() {
        let out = members[committer].commit(CommitOptions::default()).unwrap();
        members[committer].merge_pending_commit().unwrap();
        for (i, m) in members.iter_mut().enumerate() {
            if i == committer {
                continue;
            }
            let ProcessedContent::Commit(s) = m.process(&out.commit, None).unwrap().content else {
                panic!("not a commit")
            };
            m.merge_staged_commit(*s).unwrap();
        }
    }
    let mut members = members.into_iter();
    let a = members.next().unwrap();
    let b = members.next().unwrap();
    assert_eq!(a.epoch_authenticator(), b.epoch_authenticator());
    (a, b)
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
                    let m = r.process(&commit, None).unwrap();
                    let ProcessedContent::Commit(s) = m.content else {
                        panic!()
                    };
                    r.merge_staged_commit(*s).unwrap();
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
        let (alice_s, bob_s) = settled(&p, &alice, &welcome, &clients);
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
                    let m = r.process(&commit_s, None).unwrap();
                    let ProcessedContent::Commit(s) = m.content else {
                        panic!()
                    };
                    r.merge_staged_commit(*s).unwrap();
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
