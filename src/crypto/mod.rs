//! Cryptography (RFC 9420 §5): cipher suites, the pluggable provider traits, secret and key
//! types, and the labeled operations MLS builds on.
//!
//! A [`CryptoProvider`] hands out a [`CipherSuiteProvider`] per supported [`CipherSuite`].
//! Both traits are object-safe, have no associated types and take byte slices, so a hardware
//! or platform backend can implement them. The default implementation is
//! [`rust_crypto::RustCrypto`] (feature `rust-crypto`).
//!
//! Signatures of a client's own structures go through a [`Signer`] (RFC 9420 §5.1.2), so the
//! signature private key can stay in an HSM or keystore; [`RawKeySigner`] is the one over a
//! key held in memory.

mod keys;
pub mod labels;
mod pq_suites;
mod provider;
mod secret;
mod signer;
mod suite;

pub mod conformance;
#[cfg(feature = "rust-crypto")]
#[cfg_attr(docsrs, doc(cfg(feature = "rust-crypto")))]
pub mod rust_crypto;

pub use keys::{
    HpkeCiphertext, HpkeKeyPair, HpkePrivateKey, HpkePublicKey, SignatureKeyPair,
    SignaturePrivateKey, SignaturePublicKey,
};
pub use pq_suites::{PQ_PRIVATE_USE_BASE, PqSuite};
pub use provider::{CipherSuiteProvider, CryptoProvider, RandomSource};
pub use secret::Secret;
pub(crate) use signer::SuiteSigner;
pub use signer::{RawKeySigner, Signer, suite_signature_scheme};
pub use suite::{AeadId, CipherSuite, HashId, KemId, SignatureScheme};

/// Compares two byte strings in constant time (for MACs and confirmation tags).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}
