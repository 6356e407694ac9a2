//! The Partial MLS vectors of draft-ietf-mls-partial (`partial/*.json`, format in their
//! README.md), one module per file. Their kinds are the file names prefixed with
//! `partial-` (`partial/tree-operations.json` is `partial-tree-operations`).
//!
//! A case of a suite the default provider does not implement is counted unsupported, not
//! failed. Suites 8, 9 and 10 of these files are post-quantum suites of
//! draft-ietf-mls-pq-ciphersuites as MLSpp numbers them (TBD2, TBD4 and TBD5): with the
//! `pq` feature the provider registers them at those values ([`provider`]); without it they
//! are unsupported.

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

/// The default provider; with the `pq` feature also TBD2, TBD4 and TBD5 of
/// draft-ietf-mls-pq-ciphersuites at the values 8, 9 and 10 these files (made with MLSpp)
/// give them.
pub fn provider() -> Result<melos::crypto::rust_crypto::RustCrypto, melos::Error> {
    let provider = melos::crypto::rust_crypto::RustCrypto::new();
    #[cfg(feature = "pq")]
    let provider = {
        use melos::crypto::PqSuite;
        provider
            .with_pq_code_point(
                PqSuite::MLS_128_MLKEM768X25519_AES256GCM_SHA384_Ed25519,
                melos::CipherSuite(8),
            )?
            .with_pq_code_point(
                PqSuite::MLS_128_MLKEM768P256_AES256GCM_SHA384_P256,
                melos::CipherSuite(9),
            )?
            .with_pq_code_point(
                PqSuite::MLS_192_MLKEM1024P384_AES256GCM_SHA384_P384,
                melos::CipherSuite(10),
            )?
    };
    Ok(provider)
}

/// Runs `check` on every case whose suite the default provider implements; the others are
/// counted unsupported, as are the cases whose check fails with [`UNSUPPORTED`].
pub fn verify_supported(
    cases: &[Value],
    report: &mut Report,
    check: impl Fn(&dyn CipherSuiteProvider, &Value) -> Result<(), String>,
) -> bool {
    let provider = match provider() {
        Ok(p) => p,
        Err(e) => {
            report.fail(None, 0, format!("provider: {e}"));
            return true;
        }
    };
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
