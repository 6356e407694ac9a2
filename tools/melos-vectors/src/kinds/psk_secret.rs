//! `psk_secret` vectors (RFC 9420 §8.4): the `psk_secret` of a list of external PSKs.

use melos::CipherSuiteProvider;
use melos::key_schedule::psk::{PreSharedKeyId, psk_secret};
use serde_json::Value;

use crate::Report;
use crate::util::{check_eq, hex_field};

/// Verifies every case.
pub fn verify(cases: &[Value], report: &mut Report) -> bool {
    crate::util::verify_by_suite(cases, report, verify_case)
}

fn verify_case(cs: &dyn CipherSuiteProvider, case: &Value) -> Result<(), String> {
    let psks = case
        .get("psks")
        .and_then(Value::as_array)
        .ok_or("missing psks")?;
    let mut inputs = Vec::with_capacity(psks.len());
    for psk in psks {
        let id = PreSharedKeyId::external(hex_field(psk, "psk_id")?, hex_field(psk, "psk_nonce")?);
        inputs.push((id, hex_field(psk, "psk")?));
    }
    let refs: Vec<(&PreSharedKeyId, &[u8])> = inputs
        .iter()
        .map(|(id, psk)| (id, psk.as_slice()))
        .collect();
    let secret = psk_secret(cs, &refs).map_err(|e| e.to_string())?;
    check_eq(
        "psk_secret",
        secret.as_bytes(),
        &hex_field(case, "psk_secret")?,
    )
}
