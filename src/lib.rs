//! # melos: Messaging Layer Security (RFC 9420) in pure Rust
//!
//! melos implements the Messaging Layer Security protocol of
//! [RFC 9420](https://www.rfc-editor.org/rfc/rfc9420) from scratch. It is `no_std` + `alloc`
//! (the `std` feature, on by default, adds operating-system randomness and speed-ups), sans-I/O, and its
//! cryptography sits behind a small object-safe provider trait.
//!
//! ## Quick start
//!
//! Alice creates a group, Bob publishes a KeyPackage, Alice adds him by a Commit, Bob joins
//! from the Welcome it produced, and they exchange messages. melos never does I/O: every
//! call takes and returns messages, and moving them between clients (through a Delivery
//! Service) is the application's job.
//!
//! ```
//! use std::sync::Arc;
//!
//! use melos::crypto::rust_crypto::RustCrypto;
//! use melos::group::{CommitOptions, Group, GroupConfig, ProcessedContent, SigningIdentity};
//! use melos::messages::{Credential, Lifetime};
//! use melos::{CipherSuite, CryptoProvider};
//!
//! // One provider for the application: the default pure-Rust one, all seven suites.
//! let provider: Arc<dyn CryptoProvider> = Arc::new(RustCrypto::new());
//! let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
//! let cs = provider.suite(suite)?;
//!
//! // Each client has a signing identity: a credential and a signature key pair.
//! let alice_id = SigningIdentity::generate(cs, Credential::Basic(b"alice".to_vec()))?;
//! let bob_id = SigningIdentity::generate(cs, Credential::Basic(b"bob".to_vec()))?;
//!
//! // Bob publishes a KeyPackage and keeps the bundle (it holds the private keys).
//! let lifetime = Lifetime { not_before: 0, not_after: u64::MAX };
//! let bob_kp = bob_id.key_package(cs, lifetime)?;
//!
//! // Alice creates a group and commits adding Bob; the Commit also yields his Welcome.
//! let config = GroupConfig::default();
//! let mut alice = Group::create(provider.clone(), suite, b"chat".to_vec(), alice_id, config.clone())?;
//! let add = CommitOptions::default().add_member(bob_kp.key_package.clone()).with_ratchet_tree();
//! let out = alice.commit(add)?;
//! // Send `out.commit` to the members (none yet besides Alice), then merge it.
//! alice.merge_pending_commit()?;
//!
//! // Bob joins from the Welcome (the ratchet tree travels inside it here).
//! let welcome = out.welcome.expect("an Add yields a Welcome");
//! let mut bob = Group::join_builder(provider.clone(), &welcome, &bob_kp, bob_id).config(config).join()?;
//! assert_eq!(alice.epoch_authenticator(), bob.epoch_authenticator());
//!
//! // Application messages: encrypted by one member, processed by the others.
//! let msg = alice.encrypt_application(b"hello Bob", b"")?;
//! let ProcessedContent::Application(text) = bob.process(&msg, None)?.content else { unreachable!() };
//! assert_eq!(text, b"hello Bob");
//! let reply = bob.encrypt_application(b"hi Alice", b"")?;
//! let ProcessedContent::Application(text) = alice.process(&reply, None)?.content else { unreachable!() };
//! assert_eq!(text, b"hi Alice");
//! # Ok::<(), melos::Error>(())
//! ```
//!
//! A received Commit comes back from [`Group::process`](group::Group::process) as
//! [`ProcessedContent::Commit`](group::ProcessedContent::Commit): a fully validated
//! [`StagedCommit`](group::StagedCommit) to inspect (who was added, removed, updated) and
//! then [`merge_staged_commit`](group::Group::merge_staged_commit). The
//! [`guides`] go further: saving state, catching up after being offline, removals, choosing
//! a cipher suite.
//!
//! ## Errors
//!
//! Every fallible call returns the one [`Error`] enum. Match on its category and variant to
//! react (`Error::Group(GroupError::FutureEpoch)`: process the earlier Commits first), or
//! print it: every variant displays as a sentence ("group error: the message is from a
//! later epoch than the group's: process the earlier commits first"). Cryptographic
//! failures stay opaque ([`CryptoError`] says which kind of operation failed, never why).
//! A call that fails leaves the group as it was (a used ratchet key excepted, RFC 9420
//! §9.2).
//!
//! ## Modules
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
//! | [`components`] | draft-ietf-mls-extensions: the safe application interface (component labels, safe HPKE, signatures, exporter, PSKs), `app_data_dictionary`, AppDataUpdate, AppEphemeral, SafeAAD, AppAck |
//! | [`storage`] | §16.5 what a client persists, atomic write batches, an in-memory backend |
//! | [`client`] | §14, §16.8 a client over the group engine and a storage backend: KeyPackage pool, own-Commit echoes, Commit races, buffering of later epochs, retention |
//! | [`guides`] | how-to guides with compiled examples (no code) |
//!
//! ## Features
//! - `std` (default): OS randomness for the default provider through `getrandom`, and
//!   precomputed base-point tables for the NIST curves.
//! - `rust-crypto` (default): the default provider, [`crypto::rust_crypto::RustCrypto`].
//! - `parallel` (default, implies `std`): spreads over all cores (rayon) the verification of
//!   a received ratchet tree's leaf signatures and the default provider's batched HPKE
//!   sealing (a Welcome's `EncryptedGroupSecrets`, an UpdatePath's encrypted path secrets);
//!   results are identical to the sequential path.
//! - `getrandom`: OS randomness without `std`, for targets that `getrandom` supports.
//! - `pq` (off, implies `rust-crypto`, no_std): HPKE with the post-quantum and hybrid KEMs
//!   of draft-ietf-hpke-pq (ML-KEM-768/1024, MLKEM768-P256, MLKEM1024-P384, X-Wing),
//!   [`crypto::rust_crypto::hpke_pq`]; no MLS cipher suite uses them yet.
//!
//! Without `std`, build the provider with
//! [`RustCrypto::with_random_source`](crypto::rust_crypto::RustCrypto::with_random_source);
//! with no default features, the core builds with no provider at all.
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

pub mod client;
pub mod codec;
pub mod components;
pub mod crypto;
mod error;
pub mod framing;
pub mod group;
pub mod guides;
pub mod key_schedule;
pub mod messages;
pub mod partial;
pub mod ratchet_tree;
pub mod secret_tree;
pub mod storage;
pub mod transcript;
pub mod tree_math;
pub mod treekem;

// The fuzz entry points build fixtures with the default provider and OS randomness.
#[cfg(feature = "getrandom")]
#[doc(hidden)]
pub mod fuzzing;

pub use crate::crypto::{CipherSuite, CipherSuiteProvider, CryptoProvider};
pub use crate::error::{
    ClientError, CredentialBindingError, CryptoError, DecodeError, Error, ExtensionError,
    FramingError, GroupError, KeyScheduleError, MessageError, PartialError, SecretTreeError,
    StorageError, TreeError, TreeKemError,
};

/// The README's code samples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
