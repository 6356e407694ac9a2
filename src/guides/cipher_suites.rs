//! # Choosing a cipher suite
//!
//! A group uses one cipher suite for its whole life (RFC 9420 §5.1): the KEM of its tree
//! and Welcomes, the AEAD of its messages, the hash of its key schedule and the signature
//! scheme of its members. It is chosen at [`Group::create`]; only a reinitialization
//! ([`Group::reinit`], §11.2) moves the members to another one. Every member's KeyPackage
//! must be of the group's suite, so a client publishes one KeyPackage per suite it is
//! willing to join with, and its leaf's capabilities list the suites it supports.
//!
//! RFC 9420 §17.1 defines seven suites; the default provider,
//! [`RustCrypto`](crate::crypto::rust_crypto::RustCrypto), implements all seven in pure Rust:
//!
//! | value | name | KEM | AEAD | hash | signature |
//! |---|---|---|---|---|---|
//! | 0x0001 | `MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519` | DHKEM(X25519) | AES-128-GCM | SHA-256 | Ed25519 |
//! | 0x0002 | `MLS_128_DHKEMP256_AES128GCM_SHA256_P256` | DHKEM(P-256) | AES-128-GCM | SHA-256 | ECDSA P-256 |
//! | 0x0003 | `MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_ED25519` | DHKEM(X25519) | ChaCha20-Poly1305 | SHA-256 | Ed25519 |
//! | 0x0004 | `MLS_256_DHKEMX448_AES256GCM_SHA512_ED448` | DHKEM(X448) | AES-256-GCM | SHA-512 | Ed448 |
//! | 0x0005 | `MLS_256_DHKEMP521_AES256GCM_SHA512_P521` | DHKEM(P-521) | AES-256-GCM | SHA-512 | ECDSA P-521 |
//! | 0x0006 | `MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_ED448` | DHKEM(X448) | ChaCha20-Poly1305 | SHA-512 | Ed448 |
//! | 0x0007 | `MLS_256_DHKEMP384_AES256GCM_SHA384_P384` | DHKEM(P-384) | AES-256-GCM | SHA-384 | ECDSA P-384 |
//!
//! Which one:
//!
//! - **0x0001** unless there is a reason for another: it is the suite every MLS client
//!   must implement (RFC 9420 §17.1), so any peer can join, and its primitives are among
//!   the cheapest of the seven.
//! - **0x0003** is the same with ChaCha20-Poly1305, for devices without AES hardware.
//! - **0x0002**, **0x0007**, **0x0005** use the NIST curves, where a policy requires them
//!   (P-256, P-384, P-521).
//! - **0x0004** to **0x0007** are the 256-bit security level suites; they cost more per
//!   operation (larger keys, signatures and hashes).
//!
//! [`CipherSuite`] is an open `u16` newtype: a value outside the registry round-trips on the
//! wire, and asking a provider for a suite it does not implement is
//! [`Error::UnsupportedCipherSuite`](crate::Error::UnsupportedCipherSuite).
//!
//! ```
//! use std::sync::Arc;
//!
//! use melos::crypto::rust_crypto::RustCrypto;
//! use melos::group::{CommitOptions, Group, GroupConfig, SigningIdentity};
//! use melos::messages::{Credential, Lifetime};
//! use melos::{CipherSuite, CryptoProvider, Error};
//!
//! let provider: Arc<dyn CryptoProvider> = Arc::new(RustCrypto::new());
//! // The default provider implements every RFC 9420 suite (with the `pq` feature, the
//! // eleven post-quantum suites follow them).
//! assert!(provider.supported_cipher_suites().starts_with(&CipherSuite::ALL));
//! let unknown = CipherSuite(0x0042);
//! assert_eq!(provider.suite(unknown).err(), Some(Error::UnsupportedCipherSuite(unknown)));
//!
//! // A group in the P-384 suite: identities and KeyPackages of that suite.
//! let suite = CipherSuite::MLS_256_DHKEMP384_AES256GCM_SHA384_P384;
//! let cs = provider.suite(suite)?;
//! let alice_id = SigningIdentity::generate(cs, Credential::Basic(b"alice".to_vec()))?;
//! let bob_id = SigningIdentity::generate(cs, Credential::Basic(b"bob".to_vec()))?;
//! let bob_kp = bob_id.key_package(cs, Lifetime { not_before: 0, not_after: u64::MAX })?;
//! let config = GroupConfig::default();
//! let mut alice = Group::create(provider.clone(), suite, b"p384".to_vec(), alice_id, config.clone())?;
//! let out = alice.commit(CommitOptions::default().add_member(bob_kp.key_package.clone()).with_ratchet_tree())?;
//! alice.merge_pending_commit()?;
//! let bob = Group::join_builder(provider, &out.welcome.unwrap(), &bob_kp, bob_id).config(config).join()?;
//! assert_eq!(bob.cipher_suite(), suite);
//! assert_eq!(bob.epoch_authenticator().len(), 48); // SHA-384
//! # Ok::<(), melos::Error>(())
//! ```
//!
//! ## Features and `no_std`
//!
//! melos is `no_std` + `alloc`. The features that matter for the cryptography:
//!
//! - `rust-crypto` (default): the default provider. Without it the crate builds with no
//!   provider at all, for applications that bring their own [`CryptoProvider`]
//!   (check it with [`crypto::conformance::check_provider`](crate::crypto::conformance::check_provider)).
//! - `std` (default): operating-system randomness for the default provider (through
//!   `getrandom`) and precomputed base-point tables that make the NIST curves faster.
//! - `getrandom`: operating-system randomness without `std`, on targets `getrandom`
//!   supports; it gives [`RustCrypto::new`](crate::crypto::rust_crypto::RustCrypto::new).
//! - `parallel` (default, needs `std`): rayon spreads the verification of a received tree's
//!   leaf signatures and the batched HPKE sealing of Welcomes and UpdatePaths over all
//!   cores.
//!
//! On a `no_std` target without `getrandom` (`default-features = false, features =
//! ["rust-crypto"]`), the provider takes the platform's random number generator through
//! [`RandomSource`](crate::crypto::RandomSource):
//!
//! ```
//! use melos::crypto::rust_crypto::RustCrypto;
//! use melos::crypto::RandomSource;
//! use melos::{CipherSuite, CryptoError, CryptoProvider};
//! # fn platform_rng_fill(out: &mut [u8]) -> Result<(), ()> {
//! #     let os = RustCrypto::new();
//! #     let cs = os.suite(CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519).map_err(|_| ())?;
//! #     cs.random_bytes(out).map_err(|_| ())
//! # }
//!
//! /// The platform's cryptographically secure random number generator.
//! struct PlatformRng;
//!
//! impl RandomSource for PlatformRng {
//!     fn fill(&self, out: &mut [u8]) -> Result<(), CryptoError> {
//!         platform_rng_fill(out).map_err(|()| CryptoError::Random)
//!     }
//! }
//!
//! let provider = RustCrypto::with_random_source(Box::new(PlatformRng));
//! let cs = provider.suite(CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519)?;
//! let key_pair = cs.signature_generate_key_pair()?;
//! # let _ = key_pair;
//! # Ok::<(), melos::Error>(())
//! ```
//!
//! [`Group::create`]: crate::group::Group::create
//! [`Group::reinit`]: crate::group::Group::reinit
//! [`CipherSuite`]: crate::CipherSuite
//! [`CryptoProvider`]: crate::CryptoProvider
