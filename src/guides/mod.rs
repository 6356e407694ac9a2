//! Guides: how to do the common things with melos, each with examples that are compiled and
//! run as doctests (so they cannot drift from the API). This module holds no code.
//!
//! - [`persistence`]: saving a group and restoring it (`to_bytes`, the checksum, sealing
//!   under a [`StorageKey`](crate::group::StorageKey)), and when to save.
//! - [`offline_member`]: a member that was offline catches up: Commits in order, late
//!   application messages of past epochs, and what the errors tell it.
//! - [`removals`]: removing a member, leaving a group, and what the removed member sees.
//! - [`cipher_suites`]: the seven cipher suites of RFC 9420 §17.1, which the default
//!   provider implements, and the features for `no_std` targets.
//!
//! The examples share the setup of the [crate-level quick start](crate#quick-start): the
//! default provider [`RustCrypto`](crate::crypto::rust_crypto::RustCrypto), basic
//! credentials, KeyPackages valid forever.

pub mod cipher_suites;
pub mod offline_member;
pub mod persistence;
pub mod removals;
