//! # melos: Messaging Layer Security (RFC 9420) in pure Rust
//!
//! melos implements the Messaging Layer Security protocol of
//! [RFC 9420](https://www.rfc-editor.org/rfc/rfc9420) from scratch. It is `no_std` + `alloc`
//! (the `std` feature, on by default, only adds operating-system randomness), sans-I/O, and its
//! cryptography sits behind a small object-safe provider trait.
//!
//! Besides the group API, every building block is public and usable on its own:
//!
//! | module | RFC 9420 |
//! |---|---|
//! | [`codec`] | §2.1.2 variable-size vectors on top of `tls_codec` |
//! | [`crypto`] | §5 cipher suites, the provider traits, labeled operations (§5.1 to §5.3) |
//! | [`crypto::rust_crypto`] | the default pure-Rust provider for all seven suites (feature `rust-crypto`) |
//! | [`messages`] | §5.3 credentials, §7.2 `LeafNode`, capabilities, extensions |
//! | [`tree_math`] | §4, Appendix C array-based tree math |
//! | [`key_schedule`] | §8 key schedule, exporter (§8.5), external init (§8.3), PSKs (§8.4) |
//! | [`secret_tree`] | §9 secret tree and per-sender hash ratchets |
//!
//! ## Features
//! - `std` (default): OS randomness for the default provider through `getrandom`.
//! - `rust-crypto` (default): the default provider, [`crypto::rust_crypto::RustCrypto`].
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
