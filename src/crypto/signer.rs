//! Signing without key bytes (RFC 9420 §5.1.2): the [`Signer`] trait, through which every
//! signature a group makes goes, so that a hardware security module or an OS keystore can
//! hold the private key; and [`RawKeySigner`], the implementation over a private key held in
//! memory and a [`CryptoProvider`].

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use super::{
    CipherSuite, CipherSuiteProvider, CryptoProvider, SignatureKeyPair, SignaturePrivateKey,
    SignaturePublicKey, SignatureScheme,
};
use crate::error::{CryptoError, Error};

/// A signing key that signs on request without giving out its private key (RFC 9420
/// §5.1.2).
///
/// `SignWithLabel(SignatureKey, Label, Content) = Signature.Sign(SignatureKey, SignContent)`:
/// melos encodes the `SignContent` (the `"MLS 1.0 "` label and the content) and hands those
/// bytes to [`Signer::sign`], which signs exactly them with the scheme's plain signing
/// operation (Ed25519 / Ed448 over the message, ECDSA with the scheme's hash and a
/// DER-encoded signature). An HSM or keystore API that signs a message (not a prehash)
/// fits directly.
///
/// Object-safe, `Send + Sync`; a group holds it as `Arc<dyn Signer>` in its
/// [`SigningIdentity`](crate::group::SigningIdentity) and checks at every use that
/// [`Signer::signature_scheme`] is the scheme of the group's cipher suite.
pub trait Signer: Send + Sync {
    /// The TLS signature scheme the key signs with (RFC 9420 §5.1: the one of the cipher
    /// suite).
    fn signature_scheme(&self) -> SignatureScheme;

    /// The public key, in the encoding of `SignaturePublicKey` (RFC 9420 §5.1.1): the
    /// `signature_key` of this client's leaves.
    fn public_key(&self) -> &SignaturePublicKey;

    /// Signs `message`, the encoded `SignContent` of RFC 9420 §5.1.2, as it is. Failures
    /// are reported as opaque [`CryptoError`]s.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError>;
}

/// The signature scheme of `suite` (RFC 9420 §17.1), or `None` for a suite RFC 9420 does not
/// define (whose scheme melos cannot check).
pub fn suite_signature_scheme(suite: CipherSuite) -> Option<SignatureScheme> {
    suite.components().map(|(_, _, _, scheme)| scheme)
}

/// A [`Signer`] over a signature key pair held in memory, signing with the cipher suite
/// provider of `suite` from a [`CryptoProvider`] (the default way of signing). The private
/// key is zeroized on drop and printed as `[redacted]`.
#[derive(Clone)]
pub struct RawKeySigner {
    provider: Arc<dyn CryptoProvider>,
    suite: CipherSuite,
    scheme: SignatureScheme,
    key_pair: SignatureKeyPair,
}

impl RawKeySigner {
    /// A signer for `key_pair`, which signs with the provider of `suite`
    /// ([`Error::UnsupportedCipherSuite`] if `provider` does not implement it, or if RFC 9420
    /// does not define its signature scheme).
    pub fn new(
        provider: Arc<dyn CryptoProvider>,
        suite: CipherSuite,
        key_pair: SignatureKeyPair,
    ) -> Result<Self, Error> {
        let scheme = provider
            .suite(suite)?
            .components()
            .map(|(_, _, _, scheme)| scheme)
            .ok_or(Error::UnsupportedCipherSuite(suite))?;
        Ok(RawKeySigner {
            provider,
            suite,
            scheme,
            key_pair,
        })
    }

    /// A signer for a fresh key pair of `suite`.
    pub fn generate(provider: Arc<dyn CryptoProvider>, suite: CipherSuite) -> Result<Self, Error> {
        let key_pair = provider.suite(suite)?.signature_generate_key_pair()?;
        Self::new(provider, suite, key_pair)
    }

    /// The cipher suite whose provider signs.
    pub fn cipher_suite(&self) -> CipherSuite {
        self.suite
    }

    /// The key pair.
    pub fn key_pair(&self) -> &SignatureKeyPair {
        &self.key_pair
    }
}

impl Signer for RawKeySigner {
    fn signature_scheme(&self) -> SignatureScheme {
        self.scheme
    }

    fn public_key(&self) -> &SignaturePublicKey {
        &self.key_pair.public_key
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let cs = self
            .provider
            .cipher_suite_provider(self.suite)
            .ok_or(CryptoError::Unsupported)?;
        cs.sign(&self.key_pair.private_key, message)
    }
}

impl fmt::Debug for RawKeySigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawKeySigner")
            .field("suite", &self.suite)
            .field("public_key", &self.key_pair.public_key)
            .field("private_key", &"[redacted]")
            .finish()
    }
}

/// A [`Signer`] borrowing a private key and the suite provider that signs with it: how the
/// raw-key building blocks (`LeafNode::sign`, `KeyPackage::generate`, ...) reach the
/// signer-based path.
pub(crate) struct SuiteSigner<'a> {
    pub(crate) cs: &'a dyn CipherSuiteProvider,
    pub(crate) private_key: &'a SignaturePrivateKey,
    pub(crate) public_key: &'a SignaturePublicKey,
}

impl Signer for SuiteSigner<'_> {
    fn signature_scheme(&self) -> SignatureScheme {
        // An unknown suite has no scheme RFC 9420 names; 0 is no TLS scheme.
        self.cs
            .components()
            .map_or(SignatureScheme(0), |(_, _, _, scheme)| scheme)
    }

    fn public_key(&self) -> &SignaturePublicKey {
        self.public_key
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.cs.sign(self.private_key, message)
    }
}
