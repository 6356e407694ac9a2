//! Small helpers for reading vector JSON.

use serde_json::Value;

/// The `cipher_suite` of a case, if it has one.
pub fn suite_of(case: &Value) -> Option<u16> {
    case.get("cipher_suite")
        .and_then(Value::as_u64)
        .and_then(|v| u16::try_from(v).ok())
}

/// The hex string field `key` of `v`, decoded.
pub fn hex_field(v: &Value, key: &str) -> Result<Vec<u8>, String> {
    let s = v
        .get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("missing field {key}"))?;
    hex::decode(s).map_err(|e| format!("field {key}: {e}"))
}

/// The integer field `key` of `v`.
pub fn u64_field(v: &Value, key: &str) -> Result<u64, String> {
    v.get(key)
        .and_then(Value::as_u64)
        .ok_or_else(|| format!("missing integer field {key}"))
}

/// The string field `key` of `v`.
pub fn str_field<'a>(v: &'a Value, key: &str) -> Result<&'a str, String> {
    v.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("missing string field {key}"))
}

/// Fails with a message naming `what` when `got != want`.
pub fn check_eq(what: &str, got: &[u8], want: &[u8]) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!(
            "{what}: got {}, want {}",
            hex::encode(got),
            hex::encode(want)
        ))
    }
}

/// Runs `check` on every case with the default provider's implementation of the case's
/// `cipher_suite`, recording each result per suite. A case whose suite is missing or not
/// supported is recorded as failed, never skipped.
pub fn verify_by_suite(
    cases: &[Value],
    report: &mut crate::Report,
    check: impl Fn(&dyn melos::CipherSuiteProvider, &Value) -> Result<(), String>,
) -> bool {
    use melos::CryptoProvider;
    let provider = melos::crypto::rust_crypto::RustCrypto::new();
    for (i, case) in cases.iter().enumerate() {
        let suite = suite_of(case);
        match suite.and_then(|s| provider.cipher_suite_provider(melos::CipherSuite(s))) {
            Some(cs) => report.record(suite, i, check(cs, case)),
            None => report.fail(suite, i, "cipher suite missing or not supported"),
        }
    }
    true
}
