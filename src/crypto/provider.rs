//! The provider traits: the whole cryptographic surface melos needs.

use alloc::vec::Vec;

use super::{
    AeadId, CipherSuite, HashId, HpkeCiphertext, HpkeKeyPair, HpkePrivateKey, HpkePublicKey, KemId,
    Secret, SignatureKeyPair, SignaturePrivateKey, SignatureScheme,
};
use crate::error::{CryptoError, Error};

/// A source of cryptographically secure random bytes.
///
/// The library never reaches for randomness on its own: it asks the provider, and the default
/// provider asks its `RandomSource` (OS randomness with the `std` or `getrandom` features, or
/// whatever the caller supplies on a `no_std` target). Implementations take `&self`, so a
/// stateful generator needs its own interior mutability.
pub trait RandomSource: Send + Sync {
    /// Fills `out` with random bytes.
    fn fill(&self, out: &mut [u8]) -> Result<(), CryptoError>;
}

/// A cryptography backend: the set of cipher suites it implements.
pub trait CryptoProvider: Send + Sync {
    /// The suites this provider implements, in order of preference.
    fn supported_cipher_suites(&self) -> Vec<CipherSuite>;

    /// The implementation of `suite`, or `None` if it is not supported.
    fn cipher_suite_provider(&self, suite: CipherSuite) -> Option<&dyn CipherSuiteProvider>;

    /// The implementation of `suite`, or [`Error::UnsupportedCipherSuite`].
    fn suite(&self, suite: CipherSuite) -> Result<&dyn CipherSuiteProvider, Error> {
        self.cipher_suite_provider(suite)
            .ok_or(Error::UnsupportedCipherSuite(suite))
    }
}

/// One cipher suite's primitives (RFC 9420 §5.1): hash, HMAC, HKDF, AEAD, HPKE (base mode,
/// single shot), KEM key derivation, signatures and randomness.
///
/// Object-safe, with byte slices at the boundary and no associated types. The labeled
/// operations of RFC 9420 §5 ([`crate::crypto::labels`]) are built on top of this trait and
/// need not be implemented by a backend.
pub trait CipherSuiteProvider: Send + Sync {
    /// The suite implemented.
    fn cipher_suite(&self) -> CipherSuite;

    /// Every suite the backend this suite belongs to implements, this one included: what a
    /// client using the backend lists in its leaves' `capabilities.cipher_suites` by default
    /// (RFC 9420 §7.2: a client "MUST list all values it supports", e.g. in a KeyPackage made
    /// with [`SigningIdentity::key_package`], which sees this suite only). The default is
    /// this suite alone; a backend of several suites should return the same list as its
    /// [`CryptoProvider::supported_cipher_suites`].
    ///
    /// [`SigningIdentity::key_package`]: crate::group::SigningIdentity::key_package
    fn backend_cipher_suites(&self) -> Vec<CipherSuite> {
        alloc::vec![self.cipher_suite()]
    }

    /// The suite's KEM, AEAD, KDF/hash and signature scheme, or `None` if the backend does
    /// not say. The default is [`CipherSuite::components`] (the RFC 9420 suites); a backend
    /// of suites at other values (e.g. the post-quantum suites of
    /// draft-ietf-mls-pq-ciphersuites at a deployment's code points) overrides it, so the
    /// library learns the signature scheme of a suite it cannot name.
    fn components(&self) -> Option<(KemId, AeadId, HashId, SignatureScheme)> {
        self.cipher_suite().components()
    }

    /// `Nh`: hash (and KDF extract) output length.
    fn hash_len(&self) -> usize;
    /// `Nk`: AEAD key length.
    fn aead_key_len(&self) -> usize;
    /// `Nn`: AEAD nonce length.
    fn aead_nonce_len(&self) -> usize;

    /// `Hash(data)`.
    fn hash(&self, data: &[u8]) -> Result<Vec<u8>, CryptoError>;
    /// `MAC(key, data)`: HMAC with the suite's hash (RFC 9420 §5.1).
    fn mac(&self, key: &[u8], data: &[u8]) -> Result<Vec<u8>, CryptoError>;
    /// `KDF.Extract(salt, ikm)` (HKDF-Extract).
    fn kdf_extract(&self, salt: &[u8], ikm: &[u8]) -> Result<Secret, CryptoError>;
    /// `KDF.Expand(prk, info, len)` (HKDF-Expand), with `info` given as the concatenation of
    /// `info` parts so callers need not build it.
    fn kdf_expand(&self, prk: &[u8], info: &[&[u8]], len: usize) -> Result<Secret, CryptoError>;

    /// AEAD encryption; returns ciphertext with the tag appended.
    fn aead_seal(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError>;
    /// AEAD decryption; fails opaquely with [`CryptoError::DecryptionFailed`].
    fn aead_open(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Secret, CryptoError>;

    /// HPKE base-mode single-shot `SealBase(pkR, info, aad, pt)` (RFC 9180 §6.1), with a
    /// fresh ephemeral key from the provider's randomness.
    fn hpke_seal(
        &self,
        public_key: &[u8],
        info: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<HpkeCiphertext, CryptoError>;
    /// `SealBase(pkR, info, aad, pt)` for each `(pkR, pt)` of `recipients`, all with the same
    /// `info` and `aad`; returns the ciphertexts in recipient order. RFC 9420 §12.4.3.1 uses
    /// it for a Welcome, whose `info` (the `EncryptContext` with the whole encrypted
    /// GroupInfo) is the same for every new member.
    ///
    /// Each recipient must get a fresh ephemeral key, exactly as from [`Self::hpke_seal`]: the
    /// output is opened by the ordinary [`Self::hpke_open`]. If any recipient's key is invalid
    /// the whole call fails (typically [`CryptoError::InvalidKey`]).
    ///
    /// The default implementation calls [`Self::hpke_seal`] per recipient, which hashes
    /// `info` every time. In base mode the key schedule context `concat(mode, psk_id_hash,
    /// info_hash)` depends only on the mode, `psk_id` and `info` (RFC 9180 §5.1), so a backend
    /// should override this to compute it once and run only `Encap`, the rest of the key
    /// schedule and the AEAD per recipient; that makes a Welcome to `k` members cost
    /// `O(k + |info|)` instead of `O(k * |info|)`.
    fn hpke_seal_batch(
        &self,
        info: &[u8],
        aad: &[u8],
        recipients: &[(&HpkePublicKey, &[u8])],
    ) -> Result<Vec<HpkeCiphertext>, CryptoError> {
        recipients
            .iter()
            .map(|(pk, pt)| self.hpke_seal(pk.as_bytes(), info, aad, pt))
            .collect()
    }
    /// HPKE base-mode single-shot `OpenBase(enc, skR, info, aad, ct)`.
    fn hpke_open(
        &self,
        ciphertext: &HpkeCiphertext,
        private_key: &HpkePrivateKey,
        info: &[u8],
        aad: &[u8],
    ) -> Result<Secret, CryptoError>;
    /// `OpenBase(enc, skR, info, aad, ct)` for a caller that also holds `pkR`, the public key
    /// of `private_key` that the sender encrypted to (a ratchet tree node's
    /// `encryption_key`, a KeyPackage's `init_key`). A DHKEM's `Decap` puts
    /// `pkRm = SerializePublicKey(pk(skR))` into its `kem_context` (RFC 9180 §4.1); given
    /// `pkR`, a backend need not recompute it (a scalar multiplication).
    ///
    /// `public_key` must be `private_key`'s public key; the result is then
    /// [`Self::hpke_open`]'s. A backend that uses it gets, for any other key, a shared secret
    /// that differs from the sender's, so that the AEAD refuses the ciphertext
    /// ([`CryptoError::DecryptionFailed`]; never another plaintext). The default
    /// implementation ignores `public_key` and calls [`Self::hpke_open`].
    fn hpke_open_with_public_key(
        &self,
        ciphertext: &HpkeCiphertext,
        private_key: &HpkePrivateKey,
        public_key: &[u8],
        info: &[u8],
        aad: &[u8],
    ) -> Result<Secret, CryptoError> {
        let _ = public_key;
        self.hpke_open(ciphertext, private_key, info, aad)
    }
    /// `SetupBaseS(pkR, info)` followed by `Export(exporter_context, len)`; returns `enc` and
    /// the exported secret (RFC 9420 §8.3 external init).
    fn hpke_export_sender(
        &self,
        public_key: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        len: usize,
    ) -> Result<(Vec<u8>, Secret), CryptoError>;
    /// `SetupBaseR(enc, skR, info)` followed by `Export(exporter_context, len)`.
    fn hpke_export_receiver(
        &self,
        enc: &[u8],
        private_key: &HpkePrivateKey,
        info: &[u8],
        exporter_context: &[u8],
        len: usize,
    ) -> Result<Secret, CryptoError>;

    /// The KEM's `DeriveKeyPair(ikm)` (RFC 9180 §7.1.3), including the rejection sampling of
    /// the NIST curves.
    fn kem_derive_key_pair(&self, ikm: &[u8]) -> Result<HpkeKeyPair, CryptoError>;
    /// A fresh random KEM key pair.
    fn kem_generate_key_pair(&self) -> Result<HpkeKeyPair, CryptoError>;
    /// The public key of a KEM private key (to check that a key pair matches).
    fn kem_public_key(&self, private_key: &HpkePrivateKey) -> Result<Vec<u8>, CryptoError>;

    /// Whether `public_key` is a KEM public key that can be encapsulated to (RFC 9180
    /// §7.1.4: its length, on the curve, not of low order): [`CryptoError::InvalidKey`]
    /// otherwise. A group checks every public key that enters its tree or will be sealed to
    /// (KeyPackage `init_key`, leaf and UpdatePath keys), so that no member or outsider can
    /// plant a key that makes every later Commit fail. The default accepts every key: a
    /// provider should override it.
    fn kem_validate_public_key(&self, public_key: &[u8]) -> Result<(), CryptoError> {
        let _ = public_key;
        Ok(())
    }

    /// A fresh random signature key pair.
    fn signature_generate_key_pair(&self) -> Result<SignatureKeyPair, CryptoError>;
    /// The public key of a signature private key.
    fn signature_public_key(
        &self,
        private_key: &SignaturePrivateKey,
    ) -> Result<Vec<u8>, CryptoError>;
    /// Signs `message` (ECDSA signatures are DER-encoded, RFC 9420 §5.1.2).
    fn sign(
        &self,
        private_key: &SignaturePrivateKey,
        message: &[u8],
    ) -> Result<Vec<u8>, CryptoError>;
    /// Verifies `signature` over `message`; fails with [`CryptoError::InvalidSignature`].
    fn verify(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError>;
    /// Verifies many `(public_key, message, signature)` triples; succeeds only if all verify.
    /// Backends may override this with batch verification.
    fn verify_batch(&self, items: &[(&[u8], &[u8], &[u8])]) -> Result<(), CryptoError> {
        items
            .iter()
            .try_for_each(|(pk, msg, sig)| self.verify(pk, msg, sig))
    }

    /// Fills `out` with random bytes.
    fn random_bytes(&self, out: &mut [u8]) -> Result<(), CryptoError>;

    /// `len` random bytes as a [`Secret`].
    fn random_secret(&self, len: usize) -> Result<Secret, CryptoError> {
        let mut buf = alloc::vec![0u8; len];
        self.random_bytes(&mut buf)?;
        Ok(Secret::new(buf))
    }
}
