//! The Partial MLS vectors of draft-ietf-mls-partial (`partial/*.json`, format in their
//! README.md), one module per file. Their kinds are the file names prefixed with
//! `partial-` (`partial/tree-operations.json` is `partial-tree-operations`).
//!
//! A case of a suite the default provider does not implement (the post-quantum suites 8,
//! 9 and 10 until they land) is counted unsupported, not failed.

use melos::CipherSuiteProvider;
use melos::CryptoProvider;
use serde_json::Value;

use crate::Report;
use crate::util::suite_of;

pub mod annotated_commit;
pub mod annotated_welcome;
pub mod membership_proofs;
pub mod message_syntax;
pub mod passive_client;
pub mod sender_authenticated;
pub mod tree_operations;

/// The prefix of a `check` error that makes the case unsupported rather than failed: the
/// vector lacks an input the check needs (said after the prefix).
pub const UNSUPPORTED: &str = "unsupported: ";

/// Runs `check` on every case whose suite the default provider implements; the others are
/// counted unsupported, as are the cases whose check fails with [`UNSUPPORTED`].
pub fn verify_supported(
    cases: &[Value],
    report: &mut Report,
    check: impl Fn(&dyn CipherSuiteProvider, &Value) -> Result<(), String>,
) -> bool {
    let provider = melos::crypto::rust_crypto::RustCrypto::new();
    for (i, case) in cases.iter().enumerate() {
        let suite = suite_of(case);
        match suite {
            None => report.fail(None, i, "missing cipher_suite"),
            Some(s) => match provider.cipher_suite_provider(melos::CipherSuite(s)) {
                Some(cs) => match check(cs, case) {
                    Err(e) if e.starts_with(UNSUPPORTED) => report.unsupported(suite),
                    r => report.record(suite, i, r),
                },
                None => report.unsupported(suite),
            },
        }
    }
    true
}
