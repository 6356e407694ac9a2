//! TreeKEM (RFC 9420 §7.5, §7.6, §12.4): creating an `UpdatePath` (prepare, tree hash,
//! encrypt) and applying one (merge, tree hash, decrypt) at n = 1,000, 10,000 and 100,000
//! members, suite 1, with the tree hash cache warm and the staged diff dropped after each
//! iteration (so the base tree stays the same).
//!
//! Two tree shapes:
//! - `full`: every leaf and every parent node is set, so each copath resolution is one node
//!   (the best case for a committer: O(log n) encryptions).
//! - `blanks`: every other leaf and every parent node is blank (the worst case: the
//!   committer encrypts to every member of each copath subtree, O(n) HPKE operations, as
//!   RFC 9420 §7.5 requires; a receiver still decrypts once).
//!
//! Big trees are built cheaply: the leaves share one encoded `LeafNode` and the parents one
//! public key (signatures of tree leaves are not verified in the timed part). The keys that
//! are used, the committer's signature key and the receiver's leaf key, are real.
//! The receiver is the committer's nearest non-blank neighbour, so it derives the whole
//! path (O(log n) key derivations).
//!
//! Apply is `merge_update_path` (the §12.4.2 key-uniqueness check is answered by the tree's
//! encryption-key index). Benchmark ids: `treekem_create/{full,blanks}/n`,
//! `treekem_apply/{full,blanks}/n`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use melos::crypto::rust_crypto::RustCrypto;
use melos::fuzzing::treekem::{GROUP_ID, group_context, member_leaf};
use melos::messages::LeafNode;
use melos::ratchet_tree::{Node, ParentNode, RatchetTree};
use melos::tree_math::LeafIndex;
use melos::treekem::{NewLeaf, TreePrivateKeys, merge_update_path, prepare_update_path};
use melos::{CipherSuite, CipherSuiteProvider, CryptoProvider};

const SIZES: [u32; 3] = [1_000, 10_000, 100_000];

struct Setup {
    tree: RatchetTree,
    sender: LeafIndex,
    sender_leaf: LeafNode,
    signature_key: melos::crypto::SignaturePrivateKey,
    receiver: TreePrivateKeys,
    update_path: melos::messages::UpdatePath,
    group_context: Vec<u8>,
}

/// A tree of `n` leaves: `full` sets every parent; otherwise odd leaves and all parents are
/// blank. Leaf 0 is the committer, the receiver is leaf 1 (`full`) or leaf 2.
fn setup(cs: &dyn CipherSuiteProvider, n: u32, full: bool) -> Setup {
    let (shared, _, _) = member_leaf(cs, 1_000_000, b"shared leaf").expect("leaf");
    let (sender_leaf, _, sig) = member_leaf(cs, 0, b"sender").expect("leaf");
    let receiver = if full { 1 } else { 2 };
    let (receiver_leaf, receiver_key, _) = member_leaf(cs, receiver, b"receiver").expect("leaf");
    let parent_key = cs
        .kem_derive_key_pair(b"shared parent")
        .expect("key")
        .public_key;
    let parent = ParentNode {
        encryption_key: parent_key,
        parent_hash: Vec::new(),
        unmerged_leaves: Vec::new(),
    };
    let width = n.checked_mul(2).expect("size") - 1;
    let nodes: Vec<Option<Node>> = (0..width)
        .map(|x| {
            if x % 2 == 1 {
                return full.then(|| Node::Parent(parent.clone()));
            }
            let leaf = x / 2;
            if leaf == 0 {
                Some(Node::Leaf(sender_leaf.clone()))
            } else if leaf == receiver {
                Some(Node::Leaf(receiver_leaf.clone()))
            } else if full || leaf % 2 == 0 || leaf == n - 1 {
                Some(Node::Leaf(shared.clone()))
            } else {
                None
            }
        })
        .collect();
    let mut tree = RatchetTree::from_nodes(&nodes).expect("tree");
    tree.tree_hash(cs).expect("warm the cache");

    // One UpdatePath from leaf 0 for the apply benchmark.
    let mut diff = tree.diff();
    let new_leaf = NewLeaf::refresh(cs, &sender_leaf).expect("leaf");
    let prepared = prepare_update_path(
        cs,
        &mut diff,
        LeafIndex(0),
        GROUP_ID,
        new_leaf,
        &sig.private_key,
        None,
    )
    .expect("prepare");
    let gc = group_context(cs, diff.tree_hash(cs).expect("hash")).expect("context");
    let out = prepared.encrypt(cs, &gc, &[]).expect("encrypt");
    drop(diff);
    Setup {
        tree,
        sender: LeafIndex(0),
        sender_leaf,
        signature_key: sig.private_key,
        receiver: TreePrivateKeys::new(LeafIndex(receiver), receiver_key),
        update_path: out.update_path,
        group_context: gc,
    }
}

fn treekem(c: &mut Criterion) {
    let provider = RustCrypto::new();
    let cs = provider
        .cipher_suite_provider(CipherSuite(1))
        .expect("suite 1");
    for (shape, full) in [("full", true), ("blanks", false)] {
        let mut create = c.benchmark_group(format!("treekem_create/{shape}"));
        create
            .sample_size(10)
            .measurement_time(Duration::from_secs(5));
        let mut apply_group: Vec<(u32, Setup)> = Vec::new();
        for n in SIZES {
            let s = setup(cs, n, full);
            create.bench_with_input(BenchmarkId::from_parameter(n), &s, |b, s| {
                b.iter(|| {
                    let mut diff = s.tree.diff();
                    let new_leaf = NewLeaf::refresh(cs, &s.sender_leaf).expect("leaf");
                    let prepared = prepare_update_path(
                        cs,
                        &mut diff,
                        s.sender,
                        GROUP_ID,
                        new_leaf,
                        &s.signature_key,
                        None,
                    )
                    .expect("prepare");
                    let gc = group_context(cs, diff.tree_hash(cs).expect("hash")).expect("gc");
                    black_box(prepared.encrypt(cs, &gc, &[]).expect("encrypt"))
                })
            });
            apply_group.push((n, s));
        }
        create.finish();

        let mut apply = c.benchmark_group(format!("treekem_apply/{shape}"));
        apply
            .sample_size(20)
            .measurement_time(Duration::from_secs(3));
        for (n, s) in &apply_group {
            apply.bench_with_input(BenchmarkId::from_parameter(n), s, |b, s| {
                b.iter(|| {
                    let mut diff = s.tree.diff();
                    let merged =
                        merge_update_path(cs, &mut diff, s.sender, GROUP_ID, &s.update_path, &[])
                            .expect("merge");
                    finish(cs, s, diff, merged)
                })
            });
        }
        apply.finish();
    }
}

/// The receiver's second step: provisional context from the new tree hash, then decrypt.
fn finish(
    cs: &dyn CipherSuiteProvider,
    s: &Setup,
    mut diff: melos::ratchet_tree::TreeDiff<'_>,
    merged: melos::treekem::MergedPath<'_>,
) -> melos::treekem::ReceivedPath {
    let gc = group_context(cs, diff.tree_hash(cs).expect("hash")).expect("gc");
    assert_eq!(gc, s.group_context);
    let mut keys = s.receiver.clone();
    black_box(merged.decrypt(cs, &gc, &mut keys).expect("decrypt"))
}

criterion_group!(benches, treekem);
criterion_main!(benches);
