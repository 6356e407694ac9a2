//! Partial MLS (draft-ietf-mls-partial-02) at n members, suite 1, on a settled tree (every
//! copath node of the committer non-blank, built by `common::settle`, as in
//! `benches/group.rs`):
//!
//! - `partial/join/n`: a partial member joins from an AnnotatedWelcome (a Welcome without
//!   the ratchet tree, plus the sender's and the joiner's membership proofs);
//! - `partial/process_commit/n`: the partial member processes an AnnotatedCommit of a
//!   Commit with a path;
//! - `partial/process_commit_fresh/n`: the same right after the Commit of n-1 Adds, where
//!   the Commit's path encrypts to every other leaf (the Commit is O(n) bytes);
//!
//! and prints the partial member's state size in bytes at each n (GroupContext, interim
//! transcript hash, the ten epoch secrets, the own leaf and tree size, and the private keys
//! with their node indices; the secret tree is derived lazily from the encryption secret).
//! Compare with `group/join/n` and `group/process_commit_settled/n` of `benches/group.rs`.
//!
//! Sizes come from `MELOS_PARTIAL_BENCH_SIZES` (comma-separated, default `1000,10000`);
//! 100,000 works (about 4 minutes of setup: one Commit of 99,999 Adds and log n full joins).

mod common;

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use melos::crypto::rust_crypto::RustCrypto;
use melos::group::{CommitOptions, Group, GroupConfig, SigningIdentity};
use melos::messages::KeyPackageBundle;
use melos::partial::{AnnotatedCommit, CommitAnnotator, PartialMember, annotate_welcome};
use melos::ratchet_tree::TreeView;
use melos::tree_math::LeafIndex;
use melos::{CipherSuite, CryptoProvider};
use tls_codec::Size;

const SUITE: CipherSuite = CipherSuite(1);

fn client(p: &Arc<dyn CryptoProvider>, i: usize) -> (SigningIdentity, KeyPackageBundle) {
    common::client(p, SUITE, i)
}

fn sizes() -> Vec<usize> {
    std::env::var("MELOS_PARTIAL_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1000, 10000])
}

/// `alice` commits with a path; the Commit annotated for `receiver`.
fn annotated_commit(
    cs: &dyn melos::CipherSuiteProvider,
    alice: &mut Group,
    receiver: LeafIndex,
) -> AnnotatedCommit {
    let mut before = alice.ratchet_tree().clone();
    let out = alice.commit(CommitOptions::default()).unwrap();
    alice.merge_pending_commit().unwrap();
    let mut after = alice.ratchet_tree().clone();
    CommitAnnotator {
        tree_before: &mut before,
        tree_after: &mut after,
        committer: alice.own_leaf(),
        new_member: false,
        has_path: true,
        added: Vec::new(),
    }
    .annotate(cs, out.commit, receiver)
    .unwrap()
}

/// The partial member's state in bytes (see the module docs).
fn state_size(m: &PartialMember) -> usize {
    let secrets = m.epoch_secrets();
    let secret_bytes: usize = [
        &secrets.sender_data_secret,
        &secrets.encryption_secret,
        &secrets.exporter_secret,
        &secrets.external_secret,
        &secrets.confirmation_key,
        &secrets.membership_key,
        &secrets.resumption_psk,
        &secrets.epoch_authenticator,
        &secrets.init_secret,
    ]
    .iter()
    .map(|s| s.as_bytes().len())
    .sum();
    let key_len = 32 + 4; // an X25519 private key and its node index
    m.group_context().tls_serialized_len()
        + m.interim_transcript_hash().len()
        + secret_bytes
        + 8
        + m.key_nodes().count() * key_len
}

fn bench(c: &mut Criterion) {
    let p: Arc<dyn CryptoProvider> = Arc::new(RustCrypto::new());
    let cs = p.suite(SUITE).unwrap();
    let mut g = c.benchmark_group("partial");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_millis(500));
    for n in sizes() {
        let (a, _) = client(&p, 0);
        let mut alice = Group::create(
            p.clone(),
            SUITE,
            b"bench".to_vec(),
            a,
            GroupConfig::default(),
        )
        .unwrap();
        // n-1 members: the n-th is the partial joiner.
        let clients: Vec<_> = (1..n - 1).map(|i| client(&p, i)).collect();
        let mut opts = CommitOptions::default().with_ratchet_tree();
        for (_, kp) in &clients {
            opts = opts.add_member(kp.key_package.clone());
        }
        let out = alice.commit(opts).unwrap();
        alice.merge_pending_commit().unwrap();
        let welcome = out.welcome.unwrap();

        // Fresh tree: a partial member added right after the Adds follows a path Commit
        // that encrypts to every other leaf.
        {
            let mut fresh = alice.clone();
            let (_, kp) = client(&p, n);
            let out = fresh
                .commit(CommitOptions::default().add_member(kp.key_package.clone()))
                .unwrap();
            fresh.merge_pending_commit().unwrap();
            let mut tree = fresh.ratchet_tree().clone();
            let leaf = tree
                .find_leaf(|l| {
                    l.signature_key() == kp.key_package.leaf_node.signature_key.as_bytes()
                })
                .unwrap();
            let w = out.welcome.and_then(|m| m.into_welcome()).unwrap();
            let aw = annotate_welcome(cs, &mut tree, w, fresh.own_leaf(), leaf).unwrap();
            let m = PartialMember::join(
                cs,
                &aw,
                &kp.key_package,
                &kp.init_private_key,
                kp.encryption_private_key.clone(),
                &[],
            )
            .unwrap();
            let ac = annotated_commit(cs, &mut fresh, leaf);
            println!(
                "partial n={n} fresh tree: the Commit is {} bytes",
                ac.commit.tls_serialized_len()
            );
            g.bench_with_input(BenchmarkId::new("process_commit_fresh", n), &n, |b, _| {
                b.iter(|| black_box(m.process_commit(cs, &ac, &[]).unwrap()))
            });
        }

        let mut alice = common::settle(&p, &alice, &welcome, None, &clients).swap_remove(0);
        let (_, kp) = client(&p, n);
        let out = alice
            .commit(CommitOptions::default().add_member(kp.key_package.clone()))
            .unwrap();
        alice.merge_pending_commit().unwrap();
        let mut tree = alice.ratchet_tree().clone();
        let leaf = tree
            .find_leaf(|l| l.signature_key() == kp.key_package.leaf_node.signature_key.as_bytes())
            .unwrap();
        let w = out.welcome.and_then(|m| m.into_welcome()).unwrap();
        let aw = annotate_welcome(cs, &mut tree, w, alice.own_leaf(), leaf).unwrap();
        let join = || {
            PartialMember::join(
                cs,
                &aw,
                &kp.key_package,
                &kp.init_private_key,
                kp.encryption_private_key.clone(),
                &[],
            )
            .unwrap()
        };
        g.bench_with_input(BenchmarkId::new("join", n), &n, |b, _| {
            b.iter(|| black_box(join()))
        });
        let member = join();
        assert_eq!(member.epoch_authenticator(), alice.epoch_authenticator());
        println!(
            "partial n={n}: state {} bytes ({} private keys)",
            state_size(&member),
            member.key_nodes().count()
        );
        let ac = annotated_commit(cs, &mut alice, leaf);
        let next = member.process_commit(cs, &ac, &[]).unwrap().member;
        assert_eq!(next.epoch_authenticator(), alice.epoch_authenticator());
        println!(
            "partial n={n}: state after a commit {} bytes",
            state_size(&next)
        );
        g.bench_with_input(BenchmarkId::new("process_commit", n), &n, |b, _| {
            b.iter(|| black_box(member.process_commit(cs, &ac, &[]).unwrap()))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
