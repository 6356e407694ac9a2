//! X.509 credentials for [`melos`] (RFC 9420 §5.3): a
//! [`CredentialValidator`](melos::group::CredentialValidator) that validates the
//! certificate chain of every `x509` credential a group meets.
//!
//! An `x509` credential is a chain of DER certificates, the end-entity certificate first,
//! "each subsequent certificate in the chain MUST be the issuer of the previous one"
//! (RFC 9420 §5.3). [`X509CredentialValidator`] accepts one when:
//!
//! - the chain is within the [`Limits`] (count, per-certificate and total size), checked
//!   before anything is parsed;
//! - every certificate is one canonical DER X.509 certificate (parsed by RustCrypto's
//!   `x509-cert`), its outer and inner signature algorithms agree, no extension appears
//!   twice and no critical extension is one this crate does not process (RFC 5280 §4.2:
//!   basic constraints, key usage, subject alternative name and the key identifiers are
//!   processed; name constraints, policies or a critical extended key usage refuse the
//!   certificate);
//! - the end-entity certificate's public key is the signature key of the leaf (or external
//!   sender) it comes with (§5.3.1), and its key usage, if present, allows
//!   `digitalSignature`;
//! - every certificate is valid (`notBefore` ≤ now ≤ `notAfter`) at the
//!   [`ValidationTime`] the application supplies (a fixed time or a clock callback);
//! - each certificate's `issuer` is the next one's `subject` (compared as encoded), and its
//!   signature verifies under the next one's key: Ed25519, ECDSA P-256 with SHA-256 or
//!   ECDSA P-384 with SHA-384 (any other algorithm is
//!   [`X509Error::UnsupportedAlgorithm`]);
//! - every issuing certificate in the chain has basic constraints with `cA` TRUE, respects
//!   its `pathLenConstraint`, and has `keyCertSign` if it has a key usage extension;
//! - the path ends at a [`TrustAnchor`]: the chain's last certificate is the anchor's own
//!   certificate (byte for byte), or is issued by an anchor (by subject and signature).
//!   Anchors are trusted as given (RFC 5280 §6.1.1): their validity and extensions are not
//!   checked.
//!
//! Revocation (CRL, OCSP) is not checked: that needs I/O, which stays with the application.
//!
//! Each refusal is its own [`X509Error`] variant. melos's hook answers only yes or no
//! (refusals surface as `GroupError::CredentialRejected`); [`X509CredentialValidator::check`]
//! and [`X509CredentialValidator::with_rejection_hook`] give the reason.
//!
//! ```no_run
//! use std::sync::Arc;
//! use melos::group::{GroupConfig, GroupHooks};
//! use melos_x509::{TrustAnchor, ValidationTime, X509CredentialValidator};
//!
//! # fn root_der() -> Vec<u8> { Vec::new() }
//! let root = TrustAnchor::from_der(&root_der())?;
//! let clock = ValidationTime::Clock(Arc::new(|| {
//!     std::time::SystemTime::now()
//!         .duration_since(std::time::UNIX_EPOCH)
//!         .map_or(0, |d| d.as_secs())
//! }));
//! let validator = X509CredentialValidator::new(vec![root], clock);
//! let config = GroupConfig {
//!     hooks: GroupHooks::new().with_credential_validator(Arc::new(validator)),
//!     ..GroupConfig::default()
//! };
//! # let _ = config;
//! # Ok::<(), melos_x509::X509Error>(())
//! ```
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

extern crate alloc;

mod algorithm;
mod error;
mod path;
mod validator;

pub use error::X509Error;
pub use path::{Limits, TrustAnchor};
pub use validator::{
    IdentityMapper, RejectionHook, ValidationTime, X509CredentialValidator, default_identity,
};
/// The X.509 types of RustCrypto's `x509-cert` this crate's API uses.
pub use x509_cert;
