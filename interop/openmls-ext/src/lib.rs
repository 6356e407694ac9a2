//! Test-only crate: melos and OpenMLS 0.9.2 (with its `extensions-draft` feature) in one
//! group, exercising the draft-ietf-mls-extensions features both implement. The tests are in
//! `tests/`; see `DIFFERENCES.md` for where the two implementations disagree.
#![forbid(unsafe_code)]
