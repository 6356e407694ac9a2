//! `partial/membership-proofs.json`: every proof decodes exactly, re-encodes to the same
//! bytes, reconstructs `tree_hash`, and references the same tree as the previous proof
//! (draft-ietf-mls-partial §"Membership Proofs and Partial Trees").

use melos::CipherSuiteProvider;
use melos::codec;
use melos::partial::MembershipProof;
use serde_json::Value;

use crate::Report;
use crate::util::{check_eq, hex_field};

/// Verifies every case.
pub fn verify(cases: &[Value], report: &mut Report) -> bool {
    super::verify_supported(cases, report, verify_case)
}

fn verify_case(cs: &dyn CipherSuiteProvider, case: &Value) -> Result<(), String> {
    let tree_hash = hex_field(case, "tree_hash")?;
    let proofs = case
        .get("proofs")
        .and_then(Value::as_array)
        .ok_or("missing proofs")?;
    if proofs.is_empty() {
        return Err("no proofs".into());
    }
    let mut previous: Option<MembershipProof> = None;
    for (i, p) in proofs.iter().enumerate() {
        let bytes =
            hex::decode(p.as_str().ok_or("proof is not a string")?).map_err(|e| e.to_string())?;
        let proof: MembershipProof =
            codec::decode_exact(&bytes).map_err(|e| format!("proof {i}: {e}"))?;
        check_eq(
            "re-encoded proof",
            &codec::encode(&proof).map_err(|e| e.to_string())?,
            &bytes,
        )?;
        proof
            .verify(cs, &tree_hash)
            .map_err(|e| format!("proof {i}: {e}"))?;
        if let Some(prev) = &previous {
            prev.verify_same_tree(cs, &proof)
                .map_err(|e| format!("proof {i}: {e}"))?;
        }
        previous = Some(proof);
    }
    Ok(())
}
