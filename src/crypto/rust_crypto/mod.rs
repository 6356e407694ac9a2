//! The default provider: pure-Rust implementations of all seven RFC 9420 cipher suites
//! (RFC 9420 §5.1, §17.1), feature `rust-crypto`.
//!
//! | suite | KEM | AEAD | hash | signature |
//! |---|---|---|---|---|
//! | 0x0001 | DHKEM(X25519) | AES-128-GCM | SHA-256 | Ed25519 |
//! | 0x0002 | DHKEM(P-256) | AES-128-GCM | SHA-256 | ECDSA P-256 |
//! | 0x0003 | DHKEM(X25519) | ChaCha20-Poly1305 | SHA-256 | Ed25519 |
//! | 0x0004 | DHKEM(X448) | AES-256-GCM | SHA-512 | Ed448 |
//! | 0x0005 | DHKEM(P-521) | AES-256-GCM | SHA-512 | ECDSA P-521 |
//! | 0x0006 | DHKEM(X448) | ChaCha20-Poly1305 | SHA-512 | Ed448 |
//! | 0x0007 | DHKEM(P-384) | AES-256-GCM | SHA-384 | ECDSA P-384 |
//!
//! With the feature `pq`, also the eleven post-quantum suites of
//! draft-ietf-mls-pq-ciphersuites (ML-KEM and hybrid KEMs, ML-DSA signatures) at melos's
//! private-use values or at values the caller registers: see [`crate::crypto::PqSuite`].
//!
//! Randomness comes from a [`RandomSource`]: the operating system with the `std` or
//! `getrandom` features ([`RustCrypto::new`]), or any source on other targets
//! ([`RustCrypto::with_random_source`]).
//!
//! ```
//! # #[cfg(feature = "getrandom")] {
//! use melos::crypto::rust_crypto::RustCrypto;
//! use melos::{CipherSuite, CryptoProvider};
//!
//! let provider = RustCrypto::new();
//! let cs = provider
//!     .cipher_suite_provider(CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519)
//!     .unwrap();
//! assert_eq!(cs.hash_len(), 32);
//! # }
//! ```

mod aead;
mod ed25519_strict;
mod generic_hpke;
mod hash;
mod hpke;
pub mod hpke_pq;
#[cfg(feature = "pq")]
mod mldsa;
mod pq;
mod random;
mod signature;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_batch;
#[cfg(test)]
mod tests_ed25519_strict;

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use zeroize::Zeroizing;

#[cfg(feature = "getrandom")]
#[cfg_attr(docsrs, doc(cfg(feature = "getrandom")))]
pub use self::random::OsRandom;
#[cfg(feature = "pq")]
use crate::crypto::PqSuite;
use crate::crypto::{
    AeadId, CipherSuite, CipherSuiteProvider, CryptoProvider, HashId, HpkeCiphertext, HpkeKeyPair,
    HpkePrivateKey, HpkePublicKey, KemId, RandomSource, Secret, SignatureKeyPair,
    SignaturePrivateKey, SignaturePublicKey, SignatureScheme,
};
use crate::error::CryptoError;

/// The default crypto provider: every RFC 9420 cipher suite (§17.1) in pure Rust, and with
/// the feature `pq` the eleven suites of draft-ietf-mls-pq-ciphersuites
/// ([`crate::crypto::PqSuite`]) at melos's private-use values
/// ([`crate::crypto::PqSuite::default_code_point`]) or at values registered with
/// `RustCrypto::with_pq_code_point`.
pub struct RustCrypto {
    random: Arc<dyn RandomSource>,
    suites: Vec<RustCryptoSuite>,
}

impl RustCrypto {
    /// A provider drawing randomness from the operating system (`getrandom`).
    #[cfg(feature = "getrandom")]
    #[cfg_attr(docsrs, doc(cfg(feature = "getrandom")))]
    pub fn new() -> RustCrypto {
        RustCrypto::with_random_source(Box::new(OsRandom))
    }

    /// A provider drawing randomness from `source` (for `no_std` targets, or deterministic
    /// tests). All suites share the one source.
    pub fn with_random_source(source: Box<dyn RandomSource>) -> RustCrypto {
        let random: Arc<dyn RandomSource> = Arc::from(source);
        #[cfg_attr(not(feature = "pq"), allow(unused_mut))]
        let mut suites: Vec<(CipherSuite, Components)> = CipherSuite::ALL
            .iter()
            .filter_map(|&cs| cs.components().map(|c| (cs, c)))
            .collect();
        #[cfg(feature = "pq")]
        suites.extend(
            PqSuite::ALL
                .iter()
                .map(|s| (s.default_code_point(), s.components())),
        );
        let mut provider = RustCrypto {
            random,
            suites: Vec::new(),
        };
        provider.build(suites);
        provider
    }

    /// Gives the post-quantum suite `suite` the wire value `code_point` instead of its
    /// current one (by default [`PqSuite::default_code_point`]), e.g. OpenMLS's value
    /// ([`PqSuite::openmls_code_point`]) or the final IANA value, without rebuilding melos.
    /// The other suites keep their values and order.
    ///
    /// [`Error::CipherSuiteValueInUse`] if another suite of this provider already has
    /// `code_point` (an RFC 9420 suite, or another PQ suite) or it is a GREASE value
    /// (RFC 9420 §13.5); the provider is then unchanged.
    ///
    /// [`Error::CipherSuiteValueInUse`]: crate::Error::CipherSuiteValueInUse
    #[cfg(feature = "pq")]
    #[cfg_attr(docsrs, doc(cfg(feature = "pq")))]
    pub fn with_pq_code_point(
        mut self,
        suite: PqSuite,
        code_point: CipherSuite,
    ) -> Result<RustCrypto, crate::Error> {
        let components = suite.components();
        let current = self.suites.iter().position(|s| s.pq == Some(suite)).ok_or(
            crate::Error::UnsupportedCipherSuite(suite.default_code_point()),
        )?;
        let taken = self
            .suites
            .iter()
            .enumerate()
            .any(|(i, s)| i != current && s.suite == code_point);
        if taken || code_point.is_grease() {
            return Err(crate::Error::CipherSuiteValueInUse(code_point));
        }
        let mut suites: Vec<(CipherSuite, Components)> = self
            .suites
            .iter()
            .map(|s| (s.suite, (s.kem, s.aead, s.hash, s.signature)))
            .collect();
        if let Some(entry) = suites.get_mut(current) {
            *entry = (code_point, components);
        }
        self.build(suites);
        Ok(self)
    }

    /// The wire value this provider gives the post-quantum suite `suite`.
    #[cfg(feature = "pq")]
    #[cfg_attr(docsrs, doc(cfg(feature = "pq")))]
    pub fn pq_code_point(&self, suite: PqSuite) -> Option<CipherSuite> {
        self.suites
            .iter()
            .find(|s| s.pq == Some(suite))
            .map(|s| s.suite)
    }

    /// (Re)builds the suites from `(value, components)` pairs, sharing one list of all values
    /// (what [`CipherSuiteProvider::backend_cipher_suites`] returns).
    fn build(&mut self, suites: Vec<(CipherSuite, Components)>) {
        let all: Arc<[CipherSuite]> = suites.iter().map(|(cs, _)| *cs).collect();
        self.suites = suites
            .into_iter()
            .map(|(suite, components)| {
                RustCryptoSuite::new(suite, components, self.random.clone(), all.clone())
            })
            .collect();
    }
}

/// KEM, AEAD, KDF/hash and signature scheme of a suite.
type Components = (KemId, AeadId, HashId, SignatureScheme);

#[cfg(feature = "getrandom")]
#[cfg_attr(docsrs, doc(cfg(feature = "getrandom")))]
impl Default for RustCrypto {
    fn default() -> Self {
        RustCrypto::new()
    }
}

impl fmt::Debug for RustCrypto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RustCrypto")
            .field("suites", &self.supported_cipher_suites())
            .finish()
    }
}

impl CryptoProvider for RustCrypto {
    fn supported_cipher_suites(&self) -> Vec<CipherSuite> {
        self.suites.iter().map(|s| s.suite).collect()
    }

    fn cipher_suite_provider(&self, suite: CipherSuite) -> Option<&dyn CipherSuiteProvider> {
        self.suites
            .iter()
            .find(|s| s.suite == suite)
            .map(|s| s as &dyn CipherSuiteProvider)
    }
}

/// One cipher suite of [`RustCrypto`]; obtained through
/// [`CryptoProvider::cipher_suite_provider`].
pub struct RustCryptoSuite {
    suite: CipherSuite,
    kem: KemId,
    aead: AeadId,
    hash: HashId,
    signature: SignatureScheme,
    /// The draft suite this is, for a post-quantum suite (whatever its wire value).
    #[cfg(feature = "pq")]
    pq: Option<PqSuite>,
    random: Arc<dyn RandomSource>,
    all: Arc<[CipherSuite]>,
}

impl RustCryptoSuite {
    fn new(
        suite: CipherSuite,
        components: Components,
        random: Arc<dyn RandomSource>,
        all: Arc<[CipherSuite]>,
    ) -> Self {
        let (kem, aead, hash, signature) = components;
        RustCryptoSuite {
            suite,
            kem,
            aead,
            hash,
            signature,
            #[cfg(feature = "pq")]
            pq: PqSuite::ALL
                .into_iter()
                .find(|s| s.components() == components),
            random,
            all,
        }
    }

    /// The HPKE algorithms of a post-quantum suite (draft-ietf-mls-pq-ciphersuites §4: KDF
    /// = HKDF with the suite's hash), or `None` for an RFC 9420 suite.
    fn pq_hpke(&self) -> Option<hpke_pq::HpkeAlgorithms> {
        hpke_pq::KEMS
            .contains(&self.kem)
            .then_some(hpke_pq::HpkeAlgorithms {
                kem: self.kem,
                kdf: self.hash,
                aead: self.aead,
            })
    }
}

impl fmt::Debug for RustCryptoSuite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RustCryptoSuite")
            .field("suite", &self.suite)
            .field("kem", &self.kem)
            .field("aead", &self.aead)
            .field("hash", &self.hash)
            .field("signature", &self.signature)
            .finish()
    }
}

impl CipherSuiteProvider for RustCryptoSuite {
    fn cipher_suite(&self) -> CipherSuite {
        self.suite
    }

    fn backend_cipher_suites(&self) -> Vec<CipherSuite> {
        self.all.to_vec()
    }

    fn components(&self) -> Option<Components> {
        Some((self.kem, self.aead, self.hash, self.signature))
    }

    fn hash_len(&self) -> usize {
        self.hash.output_len().unwrap_or(0)
    }

    fn aead_key_len(&self) -> usize {
        self.aead.key_len().unwrap_or(0)
    }

    fn aead_nonce_len(&self) -> usize {
        self.aead.nonce_len().unwrap_or(0)
    }

    fn hash(&self, data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        hash::hash(self.hash, data)
    }

    fn mac(&self, key: &[u8], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        hash::mac(self.hash, key, data)
    }

    fn kdf_extract(&self, salt: &[u8], ikm: &[u8]) -> Result<Secret, CryptoError> {
        hash::extract(self.hash, salt, ikm)
    }

    fn kdf_expand(&self, prk: &[u8], info: &[&[u8]], len: usize) -> Result<Secret, CryptoError> {
        hash::expand(self.hash, prk, info, len)
    }

    fn aead_seal(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        aead::seal(self.aead, key, nonce, aad, plaintext)
    }

    fn aead_open(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Secret, CryptoError> {
        aead::open(self.aead, key, nonce, aad, ciphertext)
    }

    fn hpke_seal(
        &self,
        public_key: &[u8],
        info: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<HpkeCiphertext, CryptoError> {
        if let Some(alg) = self.pq_hpke() {
            return pq::seal(alg, &*self.random, public_key, info, aad, plaintext);
        }
        hpke::seal(self.suite, &*self.random, public_key, info, aad, plaintext)
    }

    /// Computes the key schedule context (the hash of `info`) once, then per recipient
    /// `Encap`, the rest of the key schedule and the AEAD, split over all cores with the
    /// `parallel` feature (`generic_hpke::seal_batch`).
    fn hpke_seal_batch(
        &self,
        info: &[u8],
        aad: &[u8],
        recipients: &[(&HpkePublicKey, &[u8])],
    ) -> Result<Vec<HpkeCiphertext>, CryptoError> {
        if self.pq_hpke().is_some() {
            return recipients
                .iter()
                .map(|(pk, pt)| self.hpke_seal(pk.as_bytes(), info, aad, pt))
                .collect();
        }
        generic_hpke::seal_batch(self.suite, &*self.random, info, aad, recipients)
    }

    fn hpke_open(
        &self,
        ciphertext: &HpkeCiphertext,
        private_key: &HpkePrivateKey,
        info: &[u8],
        aad: &[u8],
    ) -> Result<Secret, CryptoError> {
        if let Some(alg) = self.pq_hpke() {
            return pq::open(alg, ciphertext, private_key, info, aad);
        }
        hpke::open(self.suite, ciphertext, private_key, info, aad)
    }

    /// The DHKEM suites open with the given `pkR` (`generic_hpke::open_with_public_key`):
    /// one scalar multiplication (the DH) instead of two.
    fn hpke_open_with_public_key(
        &self,
        ciphertext: &HpkeCiphertext,
        private_key: &HpkePrivateKey,
        public_key: &[u8],
        info: &[u8],
        aad: &[u8],
    ) -> Result<Secret, CryptoError> {
        if let Some(alg) = self.pq_hpke() {
            return pq::open(alg, ciphertext, private_key, info, aad);
        }
        generic_hpke::open_with_public_key(
            self.suite,
            ciphertext,
            private_key,
            public_key,
            info,
            aad,
        )
    }

    fn hpke_export_sender(
        &self,
        public_key: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        len: usize,
    ) -> Result<(Vec<u8>, Secret), CryptoError> {
        if let Some(alg) = self.pq_hpke() {
            let (enc, ctx) = hpke_pq::setup_base_s(alg, public_key, info, &*self.random)?;
            return Ok((enc, ctx.export(exporter_context, len)?));
        }
        hpke::export_sender(
            self.suite,
            &*self.random,
            public_key,
            info,
            exporter_context,
            len,
        )
    }

    fn hpke_export_receiver(
        &self,
        enc: &[u8],
        private_key: &HpkePrivateKey,
        info: &[u8],
        exporter_context: &[u8],
        len: usize,
    ) -> Result<Secret, CryptoError> {
        if let Some(alg) = self.pq_hpke() {
            return hpke_pq::setup_base_r(alg, enc, private_key, info)?
                .export(exporter_context, len);
        }
        hpke::export_receiver(self.suite, enc, private_key, info, exporter_context, len)
    }

    fn kem_derive_key_pair(&self, ikm: &[u8]) -> Result<HpkeKeyPair, CryptoError> {
        if self.pq_hpke().is_some() {
            return hpke_pq::derive_key_pair(self.kem, ikm);
        }
        hpke::derive_key_pair(self.suite, ikm)
    }

    /// `GenerateKeyPair()` as `DeriveKeyPair(random(Nsk))` (RFC 9180 §4, §7.1.3).
    fn kem_generate_key_pair(&self) -> Result<HpkeKeyPair, CryptoError> {
        if self.pq_hpke().is_some() {
            // `DeriveKeyPair` of draft-ietf-hpke-pq takes `ikm` of any length through
            // SHAKE256; 64 random bytes cover every KEM's seed (`Nsk` <= 64).
            let mut ikm = Zeroizing::new([0u8; 64]);
            self.random.fill(ikm.as_mut_slice())?;
            return hpke_pq::derive_key_pair(self.kem, ikm.as_slice());
        }
        let mut ikm = Zeroizing::new(vec![0u8; hpke::private_key_len(self.suite)?]);
        self.random.fill(&mut ikm)?;
        hpke::derive_key_pair(self.suite, &ikm)
    }

    fn kem_public_key(&self, private_key: &HpkePrivateKey) -> Result<Vec<u8>, CryptoError> {
        if self.pq_hpke().is_some() {
            return hpke_pq::public_key(self.kem, private_key).map(|pk| pk.0);
        }
        hpke::public_key(self.suite, private_key)
    }

    fn kem_validate_public_key(&self, public_key: &[u8]) -> Result<(), CryptoError> {
        if self.pq_hpke().is_some() {
            return pq::validate_public_key(self.kem, public_key);
        }
        generic_hpke::validate_public_key(self.kem.0, public_key)
    }

    fn signature_generate_key_pair(&self) -> Result<SignatureKeyPair, CryptoError> {
        let (private_key, public_key) = signature::generate(self.signature, &*self.random)?;
        Ok(SignatureKeyPair {
            private_key,
            public_key: SignaturePublicKey(public_key),
        })
    }

    fn signature_public_key(
        &self,
        private_key: &SignaturePrivateKey,
    ) -> Result<Vec<u8>, CryptoError> {
        signature::public_key(self.signature, private_key)
    }

    fn sign(
        &self,
        private_key: &SignaturePrivateKey,
        message: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        signature::sign(self.signature, private_key, message, &*self.random)
    }

    fn verify(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        signature::verify(self.signature, public_key, message, signature)
    }

    fn random_bytes(&self, out: &mut [u8]) -> Result<(), CryptoError> {
        self.random.fill(out)
    }
}
