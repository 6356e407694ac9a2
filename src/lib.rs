//! # melos: Messaging Layer Security (RFC 9420) in pure Rust
//!
//! melos implements the Messaging Layer Security protocol of
//! [RFC 9420](https://www.rfc-editor.org/rfc/rfc9420) from scratch. It is `no_std` + `alloc`
//! (the `std` feature, on by default, adds operating-system randomness and speed-ups), sans-I/O, and its
//! cryptography sits behind a small object-safe provider trait.
//!
//! The group API is [`group::Group`]; besides it, every building block is public and usable
//! on its own:
//!
//! | module | RFC 9420 |
//! |---|---|
//! | [`codec`] | §2.1.2 variable-size vectors on top of `tls_codec` |
//! | [`crypto`] | §5 cipher suites, the provider traits, labeled operations (§5.1 to §5.3) |
//! | [`crypto::rust_crypto`] | the default pure-Rust provider for all seven suites (feature `rust-crypto`) |
//! | [`messages`] | §5.3 credentials, §7.2 `LeafNode`, §10 KeyPackages, §12 proposals, Commit, GroupInfo, Welcome, extensions |
//! | [`tree_math`] | §4, Appendix C array-based tree math |
//! | [`ratchet_tree`] | §4.1, §7.1, §7.7 to §7.9 the ratchet tree, staged diffs, tree and parent hashes, §12.4.3.1 validation |
//! | [`treekem`] | §7.4 to §7.6 UpdatePath creation and application |
//! | [`key_schedule`] | §8 key schedule, exporter (§8.5), external init (§8.3), PSKs (§8.4) |
//! | [`secret_tree`] | §9 secret tree and per-sender hash ratchets |
//! | [`framing`] | §6 FramedContent, PublicMessage, PrivateMessage, MLSMessage |
//! | [`transcript`] | §8.2 transcript hashes and confirmation tags |
//! | [`group`] | §11 to §14 the group engine |
//!
//! ## Features
//! - `std` (default): OS randomness for the default provider through `getrandom`, and
//!   precomputed base-point tables for the NIST curves.
//! - `rust-crypto` (default): the default provider, [`crypto::rust_crypto::RustCrypto`].
//! - `parallel` (default): verifies a received tree's leaf signatures on all cores (rayon).
//! - `getrandom`: OS randomness without `std`, for targets that `getrandom` supports.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(unreachable_pub)]
#![cfg_attr(
    not(test),
    warn(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::cast_possible_truncation,
        clippy::arithmetic_side_effects
    )
)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[macro_use]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

#[macro_use]
mod macros;

pub mod codec;
pub mod crypto;
mod error;
pub mod framing;
pub mod group;
pub mod key_schedule;
pub mod messages;
pub mod ratchet_tree;
pub mod secret_tree;
pub mod transcript;
pub mod tree_math;
pub mod treekem;

// The fuzz entry points build fixtures with the default provider and OS randomness.
#[cfg(feature = "getrandom")]
#[doc(hidden)]
pub mod fuzzing;

pub use crate::crypto::{CipherSuite, CipherSuiteProvider, CryptoProvider};
pub use crate::error::{
    CryptoError, DecodeError, Error, FramingError, GroupError, KeyScheduleError, MessageError,
    SecretTreeError, TreeError, TreeKemError,
};

/// The README's code samples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
