//! Test-only crate: melos and OpenMLS 0.9.2 (crates.io) in one group, suite 1. The tests
//! are in `tests/openmls.rs`: an OpenMLS client joins a melos group (Welcome and external
//! Commit), adds a melos member, and messages flow among all; and OpenMLS 0.9's refusal of
//! GREASE extensions in KeyPackages and leaves (RFC 9420 §13.5), the reason melos makes them
//! opt-in.

#![forbid(unsafe_code)]
