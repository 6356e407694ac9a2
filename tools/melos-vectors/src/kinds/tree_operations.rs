//! `tree-operations` vectors (RFC 9420 §7.7, §7.8, §12.1): apply one Add, Update or Remove
//! proposal to `tree_before` and compare the encoded tree and the tree hashes.
//!
//! The proposal is decoded locally (just what the tree needs): an Add carries a KeyPackage
//! whose `leaf_node` is inserted, an Update a LeafNode, a Remove a `uint32` leaf index.

use melos::codec;
use melos::crypto::rust_crypto::RustCrypto;
use melos::crypto::{CipherSuite, CryptoProvider};
use melos::messages::LeafNode;
use melos::ratchet_tree::{RatchetTree, TreeView};
use melos::tree_math::LeafIndex;
use serde_json::Value;

use crate::Report;
use crate::util::{check_eq, hex_field, suite_of, u64_field};

/// Verifies every case.
pub fn verify(cases: &[Value], report: &mut Report) -> bool {
    let provider = RustCrypto::new();
    for (i, case) in cases.iter().enumerate() {
        let suite = suite_of(case);
        report.record(suite, i, verify_case(&provider, case));
    }
    true
}

enum Op {
    Add(LeafNode),
    Update(LeafNode),
    Remove(u32),
}

/// `Proposal` of type add (KeyPackage: version, cipher_suite, init_key<V>, leaf_node, ...),
/// update (LeafNode) or remove (uint32 removed).
fn decode_proposal(bytes: &[u8]) -> Result<Op, String> {
    let (ty, body) = bytes.split_at_checked(2).ok_or("short proposal")?;
    match ty {
        [0, 1] => {
            let rest = body.get(4..).ok_or("short key package")?;
            let (_init_key, rest) = codec::decode_prefix::<melos::crypto::HpkePublicKey>(rest)
                .map_err(|e| e.to_string())?;
            let (leaf, _) = codec::decode_prefix::<LeafNode>(rest).map_err(|e| e.to_string())?;
            Ok(Op::Add(leaf))
        }
        [0, 2] => Ok(Op::Update(
            codec::decode_exact::<LeafNode>(body).map_err(|e| e.to_string())?,
        )),
        [0, 3] => {
            let b: [u8; 4] = body.try_into().map_err(|_| "bad remove")?;
            Ok(Op::Remove(u32::from_be_bytes(b)))
        }
        _ => Err(format!("unexpected proposal type {ty:?}")),
    }
}

fn verify_case(provider: &RustCrypto, case: &Value) -> Result<(), String> {
    let suite = suite_of(case).ok_or("missing cipher_suite")?;
    let cs = provider
        .suite(CipherSuite(suite))
        .map_err(|e| format!("unsupported suite: {e}"))?;
    let before = hex_field(case, "tree_before")?;
    let after = hex_field(case, "tree_after")?;
    let sender = u32::try_from(u64_field(case, "proposal_sender")?).map_err(|_| "sender")?;
    let op = decode_proposal(&hex_field(case, "proposal")?)?;
    let mut tree = RatchetTree::decode_extension(&before).map_err(|e| format!("decode: {e}"))?;
    let th = tree.tree_hash(cs).map_err(|e| e.to_string())?;
    check_eq(
        "tree_hash_before",
        &th,
        &hex_field(case, "tree_hash_before")?,
    )?;
    let mut diff = tree.diff();
    match &op {
        Op::Add(leaf) => diff.add_leaf(leaf).map(|_| ()),
        Op::Update(leaf) => diff.update_leaf(LeafIndex(sender), leaf),
        Op::Remove(r) => diff.remove_leaf(LeafIndex(*r)),
    }
    .map_err(|e| format!("apply: {e}"))?;
    let diff_hash = diff.tree_hash(cs).map_err(|e| e.to_string())?;
    let diff_encoded = diff.encode_extension().map_err(|e| e.to_string())?;
    check_eq("tree_after (staged)", &diff_encoded, &after)?;
    check_eq(
        "tree_hash_after (staged)",
        &diff_hash,
        &hex_field(case, "tree_hash_after")?,
    )?;
    let staged = diff.into_staged();
    tree.merge(staged).map_err(|e| e.to_string())?;
    check_eq(
        "tree_after",
        &tree.encode_extension().map_err(|e| e.to_string())?,
        &after,
    )?;
    let th = tree.tree_hash(cs).map_err(|e| e.to_string())?;
    check_eq("tree_hash_after", &th, &hex_field(case, "tree_hash_after")?)?;
    // A from-scratch hash of the merged tree must agree with the incrementally kept cache.
    let mut fresh = RatchetTree::decode_extension(&after).map_err(|e| e.to_string())?;
    check_eq(
        "tree_hash_after (fresh)",
        &fresh.tree_hash(cs).map_err(|e| e.to_string())?,
        &th,
    )?;
    Ok(())
}
