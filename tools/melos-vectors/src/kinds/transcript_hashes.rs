//! `transcript-hashes` vectors. (Not implemented yet: every case counts as unsupported.)

use serde_json::Value;

use crate::Report;

/// Verifies every case; returns `false` while the kind is not supported.
pub fn verify(_cases: &[Value], _report: &mut Report) -> bool {
    false
}
