//! Test-only crate: melos and OpenMLS 0.9.2 (crates.io, feature
//! `draft-ietf-mls-pq-ciphersuites`) in one group, for every post-quantum suite of
//! draft-ietf-mls-pq-ciphersuites that both implement, at OpenMLS's code points. The tests
//! are in `tests/openmls_pq.rs`; the differences found are in `DIFFERENCES.md`.

#![forbid(unsafe_code)]
