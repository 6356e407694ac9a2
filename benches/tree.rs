//! The ratchet tree at 1,000, 10,000 and 100,000 members (suite 1, Ed25519 leaves, every
//! parent set by a commit): tree hash from scratch; a commit's path change staged, hashed
//! and merged; decode and full validation of a received tree (what a joiner does); and the
//! `ratchet_tree` extension encode and decode; adding members to a diff in one commit
//! (`diff_add_leaves/grow/<n>`: n - 1 members added to a one-member tree;
//! `diff_add_leaves/refill/<n>`: n / 2 - 1 members added into the blank leaves of an n-leaf tree
//! whose parents are all set, so every add lengthens the `unmerged_leaves` of its
//! ancestors). Benchmark ids are `<operation>/<members>`.
//!
//! `blank_heavy/<leaves>`: the cheapest tree to send for its width, two members (the first
//! and the last leaf) and every other node blank, 131,072 leaves wide (as the 100,000-member
//! tree) and 262,144 (the default `TreeLimits::max_leaves`, the widest a joiner accepts):
//! its decode, and its decode and full validation (tree hash, parent hashes, leaves), what
//! a joiner does before trusting it. The held memory of each is printed first.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use melos::crypto::rust_crypto::RustCrypto;
use melos::crypto::{CipherSuite, CipherSuiteProvider, CryptoProvider, HpkePublicKey};
use melos::fuzzing::tree::generate_tree;
use melos::messages::{LeafNode, LeafNodeSource};
use melos::ratchet_tree::{
    NODE_TYPE_LEAF, Node, ParentNode, RatchetTree, TreeLimits, TreeValidation, TreeView,
};
use melos::tree_math::{LeafIndex, NodeIndex};

const GROUP: &[u8] = b"bench group";
const SIZES: [u32; 3] = [1_000, 10_000, 100_000];

struct Fixture {
    n: u32,
    tree: RatchetTree,
    encoded: Vec<u8>,
    root_hash: Vec<u8>,
}

fn fixtures(cs: &dyn CipherSuiteProvider) -> Vec<Fixture> {
    SIZES
        .iter()
        .map(|&n| {
            let start = Instant::now();
            let mut tree = generate_tree(cs, n, GROUP).expect("generate");
            let root_hash = tree.tree_hash(cs).expect("hash");
            let encoded = tree.encode_extension().expect("encode");
            eprintln!(
                "generated {n}-member tree in {:.1?} ({} bytes encoded)",
                start.elapsed(),
                encoded.len()
            );
            Fixture {
                n,
                tree,
                encoded,
                root_hash,
            }
        })
        .collect()
}

fn rss_bytes() -> Option<usize> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: usize = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// Prints requested heap bytes, an estimate with glibc's per-allocation overhead (8-byte
/// header, 16-byte rounding), and the resident-set growth of decoding + hashing the tree.
fn memory_report(cs: &dyn CipherSuiteProvider, f: &Fixture) {
    let rss_before = rss_bytes();
    let mut tree = RatchetTree::decode_extension(&f.encoded).expect("decode");
    tree.tree_hash(cs).expect("hash");
    let rss_after = rss_bytes();
    let requested = tree.heap_size();
    let width = tree.size().node_width();
    let mut malloc_overhead = 0usize;
    for x in 0..width {
        if let Some(b) = tree.node_bytes(NodeIndex(x)) {
            malloc_overhead += (b.len() + 8).div_ceil(16) * 16 - b.len();
        }
    }
    let enc = f.encoded.len() as f64;
    eprintln!(
        "memory/{}: encoded {} B; held {} B requested ({:.2}x), ~{} B with malloc overhead \
         ({:.2}x); RSS growth decode+hash {:?} B",
        f.n,
        f.encoded.len(),
        requested,
        requested as f64 / enc,
        requested + malloc_overhead,
        (requested + malloc_overhead) as f64 / enc,
        rss_after.zip(rss_before).map(|(a, b)| a.saturating_sub(b)),
    );
    black_box(tree);
}

/// The nodes of a fresh commit from `leaf`: new parent nodes for its filtered direct path
/// and a new leaf (signature left stale: validation is not part of this benchmark).
fn path_change(
    cs: &dyn CipherSuiteProvider,
    tree: &RatchetTree,
    leaf: LeafIndex,
    round: u8,
) -> (Vec<(NodeIndex, ParentNode)>, LeafNode) {
    let diff = tree.diff();
    let path = diff.filtered_direct_path(leaf);
    let nodes = path
        .iter()
        .map(|&(p, _)| {
            let mut key = vec![round; 32];
            cs.random_bytes(&mut key[1..]).expect("random");
            let node = ParentNode {
                encryption_key: HpkePublicKey(key),
                parent_hash: vec![round; 32],
                unmerged_leaves: Vec::new(),
            };
            (p, node)
        })
        .collect();
    let mut new_leaf = tree
        .leaf(leaf)
        .expect("occupied")
        .to_leaf_node()
        .expect("leaf");
    new_leaf.leaf_node_source = LeafNodeSource::Commit(vec![round; 32]);
    (nodes, new_leaf)
}

fn benches(c: &mut Criterion) {
    let provider = RustCrypto::new();
    let cs = provider
        .cipher_suite_provider(CipherSuite(1))
        .expect("suite 1");
    let mut fixtures = fixtures(cs);
    if let Some(f) = fixtures.last() {
        memory_report(cs, f);
    }

    let mut g = c.benchmark_group("tree_hash_scratch");
    for f in &fixtures {
        g.bench_function(f.n.to_string(), |b| {
            b.iter_batched(
                || RatchetTree::decode_extension(&f.encoded).expect("decode"),
                |mut t| t.tree_hash(cs).expect("hash"),
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();

    let mut g = c.benchmark_group("path_change_hash_merge");
    for f in &mut fixtures {
        let leaf = LeafIndex(f.n / 2);
        let (nodes, new_leaf) = path_change(cs, &f.tree, leaf, 1);
        g.bench_function(f.n.to_string(), |b| {
            b.iter(|| {
                let mut diff = f.tree.diff();
                diff.blank_direct_path(leaf.node().expect("node"))
                    .expect("blank");
                for (p, node) in &nodes {
                    diff.set_parent_node(*p, node).expect("set");
                }
                diff.set_leaf(leaf, &new_leaf).expect("leaf");
                let h = diff.tree_hash(cs).expect("hash");
                let staged = diff.into_staged();
                f.tree.merge(staged).expect("merge");
                h
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("join_decode_validate");
    for f in &fixtures {
        g.bench_function(f.n.to_string(), |b| {
            b.iter(|| {
                let mut t = RatchetTree::decode_extension(&f.encoded).expect("decode");
                let mut params = TreeValidation::new(GROUP);
                params.tree_hash = Some(&f.root_hash);
                params.now = Some(1_700_000_000);
                t.validate(cs, &params).expect("valid");
                t
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("ratchet_tree_encode");
    for f in &fixtures {
        g.bench_function(f.n.to_string(), |b| {
            b.iter(|| f.tree.encode_extension().expect("encode"))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("ratchet_tree_decode");
    for f in &fixtures {
        g.bench_function(f.n.to_string(), |b| {
            b.iter(|| RatchetTree::decode_extension(black_box(&f.encoded)).expect("decode"))
        });
    }
    g.finish();
}

/// A tree of `n` leaves with every parent set (one shared key) and the odd leaves but the
/// last blank.
fn half_blank_tree(cs: &dyn CipherSuiteProvider, leaf: &LeafNode, n: u32) -> RatchetTree {
    let mut key = vec![7u8; 32];
    cs.random_bytes(&mut key).expect("random");
    let parent = ParentNode {
        encryption_key: HpkePublicKey(key),
        parent_hash: vec![1; 32],
        unmerged_leaves: Vec::new(),
    };
    let nodes: Vec<Option<Node>> = (0..2 * n - 1)
        .map(|x| match x % 4 {
            0 => Some(Node::Leaf(leaf.clone())),
            2 if x != 2 * n - 2 => None,
            2 => Some(Node::Leaf(leaf.clone())),
            _ => Some(Node::Parent(parent.clone())),
        })
        .collect();
    RatchetTree::from_nodes(&nodes).expect("tree")
}

fn add_leaves(c: &mut Criterion) {
    let provider = RustCrypto::new();
    let cs = provider
        .cipher_suite_provider(CipherSuite(1))
        .expect("suite 1");
    let one = generate_tree(cs, 1, GROUP).expect("generate");
    let leaf = one
        .leaf(LeafIndex(0))
        .expect("leaf")
        .to_leaf_node()
        .expect("leaf");
    let mut g = c.benchmark_group("diff_add_leaves");
    for n in [10_000u32, 100_000] {
        g.bench_function(format!("grow/{n}"), |b| {
            b.iter(|| {
                let mut diff = one.diff();
                for _ in 1..n {
                    diff.add_leaf(&leaf).expect("add");
                }
                diff.changed_nodes()
            })
        });
        let half = half_blank_tree(cs, &leaf, n);
        g.bench_function(format!("refill/{n}"), |b| {
            b.iter(|| {
                let mut diff = half.diff();
                for _ in 0..n / 2 - 1 {
                    diff.add_leaf(&leaf).expect("add");
                }
                diff.changed_nodes()
            })
        });
    }
    g.finish();
}

/// The encoding of a tree `leaves` wide holding `first` at leaf 0 and `last` at its last
/// leaf, every node between them blank (one byte each).
fn blank_heavy_encoding(first: &[u8], last: &[u8], leaves: u32) -> Vec<u8> {
    let nodes = 2 * leaves as usize - 1;
    let mut body = vec![1, NODE_TYPE_LEAF];
    body.extend_from_slice(first);
    body.resize(body.len() + nodes - 2, 0);
    body.extend([1, NODE_TYPE_LEAF]);
    body.extend_from_slice(last);
    let len = body.len();
    // `<V>` length prefix: 4 bytes (0b10 and 30 bits) for these sizes.
    let mut out = (0x8000_0000u32 | len as u32).to_be_bytes().to_vec();
    out.extend(body);
    out
}

fn blank_heavy(c: &mut Criterion) {
    let provider = RustCrypto::new();
    let cs = provider
        .cipher_suite_provider(CipherSuite(1))
        .expect("suite 1");
    // Leaves 1 and 3 keep their KeyPackage signatures, which do not depend on the leaf
    // index, so the trees below validate.
    let members = generate_tree(cs, 4, GROUP).expect("generate");
    let leaf = |i| members.leaf(LeafIndex(i)).expect("leaf").encoded().to_vec();
    let (first, last) = (leaf(1), leaf(3));
    let mut g = c.benchmark_group("blank_heavy");
    for leaves in [1u32 << 17, TreeLimits::default().max_leaves] {
        let encoded = blank_heavy_encoding(&first, &last, leaves);
        let start = Instant::now();
        let mut tree = RatchetTree::decode_extension(&encoded).expect("decode");
        let decoded = tree.heap_size();
        let root_hash = tree.tree_hash(cs).expect("hash");
        eprintln!(
            "blank_heavy/{leaves}: encoded {} B; held {decoded} B decoded ({:.2}x), {} B \
             hashed ({:.2}x); decode + hash once {:.1?}",
            encoded.len(),
            decoded as f64 / encoded.len() as f64,
            tree.heap_size(),
            tree.heap_size() as f64 / encoded.len() as f64,
            start.elapsed(),
        );
        g.bench_function(format!("decode/{leaves}"), |b| {
            b.iter(|| RatchetTree::decode_extension(black_box(&encoded)).expect("decode"))
        });
        g.bench_function(format!("decode_validate/{leaves}"), |b| {
            b.iter(|| {
                let mut t = RatchetTree::decode_extension(&encoded).expect("decode");
                let mut params = TreeValidation::new(GROUP);
                params.tree_hash = Some(&root_hash);
                t.validate(cs, &params).expect("valid");
                t
            })
        });
    }
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = tree;
    config = config();
    targets = benches, add_leaves, blank_heavy
}
criterion_main!(tree);
