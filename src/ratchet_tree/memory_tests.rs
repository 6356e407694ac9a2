//! Memory held by decoded trees of every shape (melos issue #12, item 4): the decoded tree,
//! with its tree hashes computed as a joiner does, holds less than twice its encoding; and
//! the [`TreeLimits`] caps on decoding, each with its own error.

use alloc::vec::Vec;

use super::*;
use crate::codec::{self, write_varint};
use crate::crypto::rust_crypto::RustCrypto;
use crate::crypto::{CipherSuite, CryptoProvider};
use crate::error::TreeError;
use crate::fuzzing::tree::generate_tree;
use crate::tree_math::{LeafIndex, NodeIndex};

const GROUP: &[u8] = b"group";

fn with_cs<R>(f: impl FnOnce(&dyn CipherSuiteProvider) -> R) -> R {
    let p = RustCrypto::new();
    f(p.cipher_suite_provider(CipherSuite(1)).unwrap())
}

/// A `ratchet_tree` encoding of `nodes` nodes: `leaf` at leaf 0 and at the last node (an
/// even index), every node in between blank (the single byte 0).
pub(super) fn blank_heavy_encoding(leaf: &[u8], nodes: usize) -> Vec<u8> {
    assert!(nodes % 2 == 1 && nodes >= 3);
    let mut body = Vec::with_capacity(nodes + 2 * leaf.len() + 4);
    body.extend([1, NODE_TYPE_LEAF]);
    body.extend_from_slice(leaf);
    body.resize(body.len() + nodes - 2, 0);
    body.extend([1, NODE_TYPE_LEAF]);
    body.extend_from_slice(leaf);
    let mut out = Vec::new();
    write_varint(body.len(), &mut out).unwrap();
    out.extend_from_slice(&body);
    out
}

/// Decodes `encoded` (no caps: the memory cost is measured), hashes the tree as a joiner
/// does, and returns (heap after decode, heap after hashing) relative to the encoded length.
fn ratios(cs: &dyn CipherSuiteProvider, encoded: &[u8]) -> (f64, f64) {
    let mut tree =
        RatchetTree::decode_extension_with_limits(encoded, &TreeLimits::UNLIMITED).unwrap();
    let decoded = tree.heap_size() as f64 / encoded.len() as f64;
    tree.tree_hash(cs).unwrap();
    let hashed = tree.heap_size() as f64 / encoded.len() as f64;
    (decoded, hashed)
}

fn one_leaf(cs: &dyn CipherSuiteProvider) -> Vec<u8> {
    let tree = generate_tree(cs, 1, GROUP).unwrap();
    tree.leaf(LeafIndex(0)).unwrap().encoded().to_vec()
}

/// Reproduction of the issue: two real leaves and about two million blank nodes in
/// between (about 2 MB encoded), one node past a power of two, so the tree's width is
/// twice the encoded node count. Before the fix the decoded tree held 40x its encoding
/// (a 16-byte slot and a 4-byte count per position), about 100x once hashed.
#[test]
fn blank_heavy_tree_holds_less_than_twice_its_encoding() {
    with_cs(|cs| {
        let leaf = one_leaf(cs);
        let encoded = blank_heavy_encoding(&leaf, (1 << 21) + 1);
        let (decoded, hashed) = ratios(cs, &encoded);
        std::println!(
            "{} B encoded: {decoded:.2}x decoded, {hashed:.2}x hashed",
            encoded.len()
        );
        assert!(decoded < 2.0, "decoded: {decoded:.2}x");
        assert!(hashed < 2.0, "hashed: {hashed:.2}x");
    });
}

/// The encoding of a tree of `n` leaves whose nodes are `node(x)` (trailing blanks dropped).
fn shape(n: u32, node: impl Fn(u32) -> Option<Node>) -> Vec<u8> {
    let mut nodes: Vec<Option<Node>> = (0..2 * n - 1).map(node).collect();
    while matches!(nodes.last(), Some(None)) {
        nodes.pop();
    }
    RatchetTree::from_nodes(&nodes)
        .unwrap()
        .encode_extension()
        .unwrap()
}

fn parent(key_len: usize, parent_hash_len: usize) -> ParentNode {
    ParentNode {
        encryption_key: crate::crypto::HpkePublicKey(alloc::vec![7; key_len]),
        parent_hash: alloc::vec![1; parent_hash_len],
        unmerged_leaves: Vec::new(),
    }
}

/// Full, half-blank, sparse, parent-only and blank-heavy trees all hold less than twice
/// their encoding, decoded and once hashed; the full tree of real members caches every
/// level but the leaves at most.
#[test]
fn every_shape_holds_less_than_twice_its_encoding() {
    with_cs(|cs| {
        let full = generate_tree(cs, 64, GROUP)
            .unwrap()
            .encode_extension()
            .unwrap();
        let leaf = LeafNode::clone(
            &RatchetTree::decode_extension(&full)
                .unwrap()
                .leaf(LeafIndex(0))
                .unwrap()
                .to_leaf_node()
                .unwrap(),
        );
        let real_leaf = |_| Some(Node::Leaf(leaf.clone()));
        let shapes: Vec<(&str, Vec<u8>)> = alloc::vec![
            ("full, 64 members", full),
            (
                // Every parent set, the odd leaves blank.
                "half blank",
                shape(1024, |x| match x % 4 {
                    0 => real_leaf(x),
                    2 => None,
                    _ => Some(Node::Parent(parent(32, 32))),
                }),
            ),
            (
                // A member every 37 leaves, no parent.
                "sparse",
                shape(4096, |x| (x % 74 == 0).then(|| Node::Leaf(leaf.clone()))),
            ),
            (
                // Every parent set with an X25519-sized key and no parent hash (the
                // smallest real parent node), every leaf blank but the first.
                "parents only",
                shape(4096, |x| match x {
                    0 => real_leaf(x),
                    x if x % 2 == 1 => Some(Node::Parent(parent(32, 0))),
                    _ => None,
                }),
            ),
            (
                // Two members in a tree 65 leaves wide: nearly half the width blank past
                // the last node.
                "blank heavy, small",
                shape(128, |x| (x == 0 || x == 128)
                    .then(|| Node::Leaf(leaf.clone()))),
            ),
        ];
        for (name, encoded) in &shapes {
            let (decoded, hashed) = ratios(cs, encoded);
            std::println!(
                "{name}: {} B encoded, {decoded:.2}x decoded, {hashed:.2}x hashed",
                encoded.len()
            );
            assert!(decoded < 2.0, "{name}: decoded {decoded:.2}x");
            assert!(hashed < 2.0, "{name}: hashed {hashed:.2}x");
        }
        // A tree of real members keeps (nearly) every hash cached: no recomputation cost.
        let mut tree = RatchetTree::decode_extension(&shapes[0].1).unwrap();
        tree.tree_hash(cs).unwrap();
        assert!(
            tree.cache().min_level() <= 1,
            "{}",
            tree.cache().min_level()
        );
    });
}

/// An encoding longer than `max_encoded_len` is [`TreeError::RatchetTreeTooLarge`] before
/// anything is read (garbage content gives the same error); one of exactly that length
/// decodes.
#[test]
fn decode_refuses_an_encoding_past_max_encoded_len() {
    with_cs(|cs| {
        let encoded = blank_heavy_encoding(&one_leaf(cs), 101);
        let len = encoded.len();
        let at = |max_encoded_len| TreeLimits {
            max_encoded_len,
            ..TreeLimits::default()
        };
        let err = RatchetTree::decode_extension_with_limits(&encoded, &at(len - 1)).unwrap_err();
        assert_eq!(err, Error::Tree(TreeError::RatchetTreeTooLarge));
        let garbage = alloc::vec![0xff; len];
        let err = RatchetTree::decode_extension_with_limits(&garbage, &at(len - 1)).unwrap_err();
        assert_eq!(err, Error::Tree(TreeError::RatchetTreeTooLarge));
        assert!(RatchetTree::decode_extension_with_limits(&encoded, &at(len)).is_ok());
    });
}

/// At the default cap of 2^18 leaves: a tree spanning them all (its last node leaf
/// 2^18 - 1) decodes, hashes, and holds less than twice its encoding; one more node
/// ([`TreeError::TooManyLeaves`]) is refused, whether it is a leaf past the cap or the
/// parent that would double the tree's width, and so is any longer input, before the
/// decoder reads past the cap (the invalid byte after it is never seen).
#[test]
fn decode_refuses_nodes_past_max_leaves() {
    with_cs(|cs| {
        let leaf = one_leaf(cs);
        let max_nodes = 2 * DEFAULT_MAX_LEAVES as usize - 1;
        let at_cap = blank_heavy_encoding(&leaf, max_nodes);
        let mut tree = RatchetTree::decode_extension(&at_cap).unwrap();
        assert_eq!(tree.size().leaf_count(), DEFAULT_MAX_LEAVES);
        tree.tree_hash(cs).unwrap();
        assert!(tree.heap_size() < 2 * at_cap.len());

        let too_many = Error::Tree(TreeError::TooManyLeaves);
        let past = blank_heavy_encoding(&leaf, max_nodes + 2);
        assert_eq!(RatchetTree::decode_extension(&past).unwrap_err(), too_many);
        // The last node the root of a tree twice as wide: parent node 2^19 - 1.
        let mut body = at_cap[4..].to_vec();
        body.extend([1, NODE_TYPE_PARENT]);
        body.extend(
            codec::encode(&ParentNode {
                encryption_key: crate::crypto::HpkePublicKey(alloc::vec![3; 32]),
                parent_hash: Vec::new(),
                unmerged_leaves: Vec::new(),
            })
            .unwrap(),
        );
        let wider = with_prefix(&body);
        assert_eq!(RatchetTree::decode_extension(&wider).unwrap_err(), too_many);
        // Refused at the first node past the cap: what follows is never read.
        let mut body = at_cap[4..].to_vec();
        body.extend([0, 0, 7, 7]);
        let refused = with_prefix(&body);
        assert_eq!(
            RatchetTree::decode_extension(&refused).unwrap_err(),
            too_many
        );
        // Without the caps it is the invalid optional that fails.
        let err = RatchetTree::decode_extension_with_limits(&refused, &TreeLimits::UNLIMITED)
            .unwrap_err();
        assert_eq!(
            err,
            Error::Decode(crate::error::DecodeError::InvalidOptional)
        );
    });
}

/// `body` with its `<V>` length prefix.
fn with_prefix(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    write_varint(body.len(), &mut out).unwrap();
    out.extend_from_slice(body);
    out
}

/// The hash cache follows the tree's density across merges: members removed one by one
/// (the tree stays 64 leaves wide, its nodes blank out) raise the cached levels, members
/// added back lower them; after every merge each node's tree hash equals a freshly
/// decoded tree's.
#[test]
fn hash_cache_levels_follow_merges() {
    with_cs(|cs| {
        let mut tree = generate_tree(cs, 64, GROUP).unwrap();
        tree.tree_hash(cs).unwrap();
        let start = tree.cache().min_level();
        let check = |tree: &mut RatchetTree| {
            let mut fresh =
                RatchetTree::decode_extension(&tree.encode_extension().unwrap()).unwrap();
            for x in (0..tree.size().node_width()).map(NodeIndex) {
                let want = fresh.node_tree_hash(cs, x).unwrap();
                assert_eq!(tree.node_tree_hash(cs, x).unwrap(), want, "node {}", x.0);
            }
        };
        let leaves: Vec<LeafNode> = (1..63)
            .map(|i| tree.leaf(LeafIndex(i)).unwrap().to_leaf_node().unwrap())
            .collect();
        for i in 1..63 {
            let mut diff = tree.diff();
            diff.remove_leaf(LeafIndex(i)).unwrap();
            diff.tree_hash(cs).unwrap();
            let staged = diff.into_staged();
            tree.merge(staged).unwrap();
            check(&mut tree);
        }
        let sparse = tree.cache().min_level();
        assert!(sparse > start.max(1), "{start} -> {sparse}");
        for leaf in &leaves {
            let mut diff = tree.diff();
            diff.add_leaf(leaf).unwrap();
            diff.tree_hash(cs).unwrap();
            let staged = diff.into_staged();
            tree.merge(staged).unwrap();
            check(&mut tree);
        }
        // Lower again; not all the way back, the parents being blank now (and the
        // hysteresis lowers a level only when the cache then fills half its budget).
        let refilled = tree.cache().min_level();
        assert!(refilled < sparse, "{sparse} -> {refilled}");
    });
}
