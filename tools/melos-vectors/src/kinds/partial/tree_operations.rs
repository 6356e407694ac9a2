//! `partial/tree-operations.json`: a partial client's UpdatePath processing
//! (draft-ietf-mls-partial §"Annotated Commit", test vector "Partial Client UpdatePath
//! Handling").
//!
//! The file gives no GroupContext, only `tree_hash_after`: the draft says to decrypt the
//! path secret "using the tree hash in the `tree_hash_after` field in the provisional
//! GroupContext", and the vectors (made with MLSpp) stand for that GroupContext by the
//! `tree_hash_after` bytes alone, i.e. each ciphertext is
//! `EncryptWithLabel(node_key, "UpdatePathNode", tree_hash_after, path_secret)` (RFC 9420
//! §5.1.3, §12.4.2). Every case opens with that context; an empty context, and encoded
//! GroupContexts built from the values the partial files give, do not open them. A
//! partial member's own processing uses the encoded provisional GroupContext, which the
//! Commits of `passive-client-scenarios.json` confirm.

use melos::CipherSuiteProvider;
use melos::codec;
use melos::crypto::HpkePrivateKey;
use melos::messages::UpdatePath;
use melos::partial::{MembershipProof, process_update_path};
use melos::tree_math::NodeIndex;
use serde_json::Value;

use crate::Report;
use crate::util::{check_eq, hex_field, u64_field};

/// Verifies every case.
pub fn verify(cases: &[Value], report: &mut Report) -> bool {
    super::verify_supported(cases, report, verify_case)
}

/// The `(node, encryption_priv)` pairs of a `receiver_path_state` / `direct_path_secrets`.
pub fn path_keys(list: &Value) -> Result<Vec<(NodeIndex, HpkePrivateKey)>, String> {
    list.as_array()
        .ok_or("path state is not a list")?
        .iter()
        .map(|p| {
            let node = u32::try_from(u64_field(p, "node")?).map_err(|_| "node index")?;
            Ok((
                NodeIndex(node),
                HpkePrivateKey::new(hex_field(p, "encryption_priv")?),
            ))
        })
        .collect()
}

fn verify_case(cs: &dyn CipherSuiteProvider, case: &Value) -> Result<(), String> {
    let path: UpdatePath =
        codec::decode_exact(&hex_field(case, "update_path")?).map_err(|e| e.to_string())?;
    let tree_hash_after = hex_field(case, "tree_hash_after")?;
    let sender: MembershipProof =
        codec::decode_exact(&hex_field(case, "sender_membership_proof_after")?)
            .map_err(|e| e.to_string())?;
    let receiver: MembershipProof =
        codec::decode_exact(&hex_field(case, "receiver_membership_proof_after")?)
            .map_err(|e| e.to_string())?;
    sender
        .verify(cs, &tree_hash_after)
        .map_err(|e| format!("sender proof: {e}"))?;
    receiver
        .verify(cs, &tree_hash_after)
        .map_err(|e| format!("receiver proof: {e}"))?;
    sender
        .verify_same_tree(cs, &receiver)
        .map_err(|e| e.to_string())?;
    let resolution_index =
        u32::try_from(u64_field(case, "resolution_index")?).map_err(|_| "resolution_index")?;
    let keys = path_keys(
        case.get("receiver_path_state")
            .ok_or("missing receiver_path_state")?,
    )?;
    // The vector's stand-in for the provisional GroupContext: `tree_hash_after` (module doc).
    let out = process_update_path(
        cs,
        &path,
        resolution_index,
        &sender,
        &receiver,
        &keys,
        &tree_hash_after,
    )
    .map_err(|e| format!("process_update_path: {e}"))?;
    check_eq(
        "commit_secret",
        out.commit_secret.as_secret().as_bytes(),
        &hex_field(case, "commit_secret")?,
    )
}
