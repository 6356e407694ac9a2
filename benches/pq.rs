//! Suite 1 against the eleven post-quantum suites of draft-ietf-mls-pq-ciphersuites
//! (feature `pq`, melos's default private-use code points 0xFA01 to 0xFA0B): KeyPackage
//! creation, a Commit with a path and processing it (RFC 9420 §12.4) in a settled group of n
//! members, joining a group of n members by a Welcome (§12.4.3.1), and the message sizes.
//!
//! Fixture per suite (the shape of `benches/group.rs`'s settled groups, `common::settle`):
//! the creator adds n-2 members in one Commit, then adds the n-th member alone in a second
//! Commit with the ratchet tree in its Welcome (the "Welcome for one joiner" measured and
//! joined here); the members at leaves 1, 2, 4, ..., 2^k join and commit once each, largest
//! subtree first, so every copath node of leaf 0 is non-blank and a Commit with a path
//! encrypts to O(log n) nodes.
//!
//! Sizes are encoded `MLSMessage`s (RFC 9420 §6): the KeyPackage, the one-joiner Welcome with
//! the `ratchet_tree` extension (the tree of n members), the Commit with a path as a
//! PublicMessage (the default wire format for handshakes).
//!
//! Environment:
//! - `MELOS_PQ_BENCH_N`: group size n (default 1000).
//! - `MELOS_PQ_SIZES=1`: build the fixtures, print the Markdown table of sizes, skip timing.
//!
//! The table of sizes is printed to stderr at the end of a timed run too. Benchmark ids:
//! `pq_<code point>/<op>/n`.

mod common;

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use common::{LIFETIME, apply, client, settled_pair};
use criterion::{BatchSize, BenchmarkId, Criterion, SamplingMode};
use melos::crypto::PqSuite;
use melos::crypto::rust_crypto::RustCrypto;
use melos::framing::MlsMessage;
use melos::group::{CommitOptions, Group, GroupConfig, PskStore, SigningIdentity};
use melos::messages::{Credential, KeyPackageBundle};
use melos::{CipherSuite, CryptoProvider};

/// Suite 1 and the eleven PQ suites at their default code points, with their names.
fn suites() -> Vec<(CipherSuite, String)> {
    let mut v = vec![(
        CipherSuite(1),
        "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519".to_string(),
    )];
    for s in PqSuite::ALL {
        v.push((s.default_code_point(), format!("{s:?}")));
    }
    v
}

fn group_size() -> usize {
    std::env::var("MELOS_PQ_BENCH_N")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .filter(|&n| n >= 4)
        .unwrap_or(1000)
}

/// One suite's settled group of n members and the messages measured.
struct Fixture {
    /// The member at leaf 0.
    alice: Group,
    /// The member at leaf 1, same epoch.
    bob: Group,
    /// The Welcome that added the n-th member alone, with the ratchet tree.
    welcome_one: MlsMessage,
    /// That n-th member's identity and KeyPackage.
    joiner: (SigningIdentity, KeyPackageBundle),
    /// Encoded sizes: KeyPackage, one-joiner Welcome, Commit with a path.
    sizes: [usize; 3],
}

fn fixture(p: &Arc<dyn CryptoProvider>, suite: CipherSuite, n: usize) -> Fixture {
    let (a, _) = client(p, suite, 0);
    let mut alice = Group::create(
        p.clone(),
        suite,
        b"bench".to_vec(),
        a,
        GroupConfig::default(),
    )
    .unwrap();
    // Leaves 1..=n-2 in one Commit.
    let clients: Vec<_> = (1..n - 1).map(|i| client(p, suite, i)).collect();
    let mut opts = CommitOptions::default().with_ratchet_tree();
    for (_, kp) in &clients {
        opts = opts.add_member(kp.key_package.clone());
    }
    let out = alice.commit(opts).unwrap();
    alice.merge_pending_commit().unwrap();
    let welcome_all = out.welcome.unwrap();
    // Leaf n-1 alone, with the tree.
    let joiner = client(p, suite, n - 1);
    let out = alice
        .commit(
            CommitOptions::default()
                .with_ratchet_tree()
                .add_member(joiner.1.key_package.clone()),
        )
        .unwrap();
    alice.merge_pending_commit().unwrap();
    let add_one = out.commit;
    let welcome_one = out.welcome.unwrap();
    // Settle: leaves 1, 2, 4, ... join, catch up, then commit from the largest subtree down.
    let (alice, bob) = settled_pair(p, &alice, &welcome_all, Some(&add_one), &clients);
    let kp_bytes = MlsMessage::from(joiner.1.key_package.clone())
        .encode()
        .unwrap()
        .len();
    let welcome_bytes = welcome_one.encode().unwrap().len();
    let commit_bytes = alice
        .clone()
        .commit(CommitOptions::default())
        .unwrap()
        .commit
        .encode()
        .unwrap()
        .len();
    Fixture {
        alice,
        bob,
        welcome_one,
        joiner,
        sizes: [kp_bytes, welcome_bytes, commit_bytes],
    }
}

fn bench_suite(
    c: &mut Criterion,
    p: &Arc<dyn CryptoProvider>,
    suite: CipherSuite,
    n: usize,
) -> Fixture {
    let f = fixture(p, suite, n);
    let mut g = c.benchmark_group(format!("pq_{:04x}", suite.0));
    // Flat sampling: 10 samples of equal iteration counts, so a cell of a slow operation
    // (a join verifying n leaf signatures) costs ~10 iterations, not criterion's linear 55.
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_millis(500));
    g.bench_function("key_package", |b| {
        let cs = p.suite(suite).unwrap();
        let id = SigningIdentity::generate(cs, Credential::Basic(b"x".to_vec())).unwrap();
        b.iter(|| black_box(id.key_package(cs, LIFETIME).unwrap()))
    });
    g.bench_with_input(BenchmarkId::new("commit_path", n), &n, |b, _| {
        b.iter_batched(
            || f.alice.clone(),
            |mut c| black_box(c.commit(CommitOptions::default()).unwrap()),
            BatchSize::PerIteration,
        )
    });
    let commit = f
        .alice
        .clone()
        .commit(CommitOptions::default())
        .unwrap()
        .commit;
    g.bench_with_input(BenchmarkId::new("process_commit", n), &n, |b, _| {
        b.iter_batched(
            || f.bob.clone(),
            |mut r| {
                apply(&mut r, &commit);
                r
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_with_input(BenchmarkId::new("join", n), &n, |b, _| {
        b.iter_with_large_drop(|| {
            black_box(
                Group::join(
                    p.clone(),
                    &f.welcome_one,
                    &f.joiner.1,
                    f.joiner.0.clone(),
                    None,
                    GroupConfig::default(),
                    &PskStore::new(),
                )
                .unwrap(),
            )
        })
    });
    g.finish();
    f
}

fn size_table(n: usize, rows: &[(CipherSuite, String, [usize; 3])]) -> String {
    let mut s = format!(
        "| suite | code point | KeyPackage bytes | Welcome bytes (1 joiner, n = {n}, with tree) | Commit bytes (with path) |\n|---|---|---|---|---|\n"
    );
    for (cs, name, [kp, w, c]) in rows {
        s.push_str(&format!("| {name} | 0x{:04X} | {kp} | {w} | {c} |\n", cs.0));
    }
    s
}

fn main() {
    let n = group_size();
    let p: Arc<dyn CryptoProvider> = Arc::new(RustCrypto::new());
    let sizes_only = std::env::var("MELOS_PQ_SIZES").is_ok_and(|v| v == "1");
    let mut rows = Vec::new();
    if sizes_only {
        for (suite, name) in suites() {
            let f = fixture(&p, suite, n);
            rows.push((suite, name, f.sizes));
        }
        print!("{}", size_table(n, &rows));
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    for (suite, name) in suites() {
        let f = bench_suite(&mut c, &p, suite, n);
        eprintln!("sizes {name} 0x{:04X}: {:?}", suite.0, f.sizes);
        rows.push((suite, name, f.sizes));
    }
    c.final_summary();
    eprint!("{}", size_table(n, &rows));
}
