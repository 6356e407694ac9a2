//! `tree-validation` vectors (RFC 9420 §4.1.2, §7.8, §7.9, §7.3): for each tree, the
//! resolution and tree hash of every node, parent hashes valid, and every leaf signature
//! valid with the given `group_id`.

use melos::crypto::rust_crypto::RustCrypto;
use melos::crypto::{CipherSuite, CryptoProvider};
use melos::ratchet_tree::{RatchetTree, TreeView};
use melos::tree_math::NodeIndex;
use serde_json::Value;

use crate::Report;
use crate::util::{check_eq, hex_field, suite_of};

/// Verifies every case.
pub fn verify(cases: &[Value], report: &mut Report) -> bool {
    let provider = RustCrypto::new();
    for (i, case) in cases.iter().enumerate() {
        let suite = suite_of(case);
        report.record(suite, i, verify_case(&provider, case));
    }
    true
}

fn verify_case(provider: &RustCrypto, case: &Value) -> Result<(), String> {
    let suite = suite_of(case).ok_or("missing cipher_suite")?;
    let cs = provider
        .suite(CipherSuite(suite))
        .map_err(|e| format!("unsupported suite: {e}"))?;
    let tree_bytes = hex_field(case, "tree")?;
    let group_id = hex_field(case, "group_id")?;
    let mut tree =
        RatchetTree::decode_extension(&tree_bytes).map_err(|e| format!("decode: {e}"))?;
    let reencoded = tree
        .encode_extension()
        .map_err(|e| format!("encode: {e}"))?;
    check_eq("re-encoded tree", &reencoded, &tree_bytes)?;

    let hashes = case
        .get("tree_hashes")
        .and_then(Value::as_array)
        .ok_or("missing tree_hashes")?;
    let resolutions = case
        .get("resolutions")
        .and_then(Value::as_array)
        .ok_or("missing resolutions")?;
    let width = tree.size().node_width() as usize;
    if hashes.len() != width || resolutions.len() != width {
        return Err(format!(
            "{} hashes, {} resolutions for {width} nodes",
            hashes.len(),
            resolutions.len()
        ));
    }
    for (x, want) in hashes.iter().enumerate() {
        let want = hex::decode(want.as_str().ok_or("tree hash not a string")?)
            .map_err(|e| e.to_string())?;
        let node = NodeIndex(u32::try_from(x).map_err(|_| "index")?);
        let got = tree
            .node_tree_hash(cs, node)
            .map_err(|e| format!("tree hash of {x}: {e}"))?;
        check_eq(&format!("tree hash of node {x}"), &got, &want)?;
    }
    for (x, want) in resolutions.iter().enumerate() {
        let want: Vec<u32> = want
            .as_array()
            .ok_or("resolution not an array")?
            .iter()
            .map(|v| v.as_u64().and_then(|v| u32::try_from(v).ok()))
            .collect::<Option<_>>()
            .ok_or("resolution entry not a u32")?;
        let node = NodeIndex(u32::try_from(x).map_err(|_| "index")?);
        let got: Vec<u32> = tree.resolution(node).iter().map(|n| n.0).collect();
        if got != want {
            return Err(format!("resolution of {x}: got {got:?}, want {want:?}"));
        }
    }
    tree.verify_parent_hashes(cs)
        .map_err(|e| format!("parent hashes: {e}"))?;
    tree.verify_leaf_signatures(cs, &group_id)
        .map_err(|e| format!("leaf signatures: {e}"))?;
    Ok(())
}
