//! `secret-tree` vectors (RFC 9420 §9, §6.3.2): the sender-data key and nonce of a
//! ciphertext sample, and for every leaf the handshake and application keys and nonces of
//! some generations.

use melos::CipherSuiteProvider;
use melos::crypto::Secret;
use melos::key_schedule::sender_data_key_nonce;
use melos::secret_tree::{ContentKind, SecretTree};
use melos::tree_math::{LeafIndex, TreeSize};
use serde_json::Value;

use crate::Report;
use crate::util::{check_eq, hex_field, u64_field};

/// Verifies every case.
pub fn verify(cases: &[Value], report: &mut Report) -> bool {
    crate::util::verify_by_suite(cases, report, verify_case)
}

fn verify_case(cs: &dyn CipherSuiteProvider, case: &Value) -> Result<(), String> {
    let sender_data = case.get("sender_data").ok_or("missing sender_data")?;
    let secret = Secret::new(hex_field(sender_data, "sender_data_secret")?);
    let (key, nonce) = sender_data_key_nonce(cs, &secret, &hex_field(sender_data, "ciphertext")?)
        .map_err(|e| e.to_string())?;
    check_eq(
        "sender_data.key",
        key.as_bytes(),
        &hex_field(sender_data, "key")?,
    )?;
    check_eq(
        "sender_data.nonce",
        nonce.as_bytes(),
        &hex_field(sender_data, "nonce")?,
    )?;

    let leaves = case
        .get("leaves")
        .and_then(Value::as_array)
        .ok_or("missing leaves")?;
    let n_leaves = u32::try_from(leaves.len()).map_err(|e| e.to_string())?;
    let size = TreeSize::from_leaf_count(n_leaves).ok_or("too many leaves")?;
    let mut tree = SecretTree::new(Secret::new(hex_field(case, "encryption_secret")?), size);
    for (leaf, entries) in (0u32..).zip(leaves) {
        let entries = entries.as_array().ok_or("leaves entry is not an array")?;
        for entry in entries {
            let generation =
                u32::try_from(u64_field(entry, "generation")?).map_err(|e| e.to_string())?;
            for (kind, name) in [
                (ContentKind::Handshake, "handshake"),
                (ContentKind::Application, "application"),
            ] {
                let got = tree
                    .key_for(cs, LeafIndex(leaf), kind, generation)
                    .map_err(|e| format!("leaf {leaf} {name} generation {generation}: {e}"))?;
                let what = format!("leaf {leaf} generation {generation} {name}");
                check_eq(
                    &format!("{what} key"),
                    got.key.as_bytes(),
                    &hex_field(entry, &format!("{name}_key"))?,
                )?;
                check_eq(
                    &format!("{what} nonce"),
                    got.nonce.as_bytes(),
                    &hex_field(entry, &format!("{name}_nonce"))?,
                )?;
            }
        }
    }
    Ok(())
}
