//! A client's signing identity (RFC 9420 §5.3): its credential and the key that signs for
//! it, either a raw private key in memory or an external [`Signer`] (RFC 9420 §5.1.2).

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use crate::crypto::{
    CipherSuite, CipherSuiteProvider, SignatureKeyPair, SignaturePrivateKey, SignaturePublicKey,
    SignatureScheme, Signer, SuiteSigner, suite_signature_scheme,
};
use crate::error::{CryptoError, Error, GroupError};
use crate::messages::Credential;

/// A client's signing identity (RFC 9420 §5.3): its credential and the signing key bound to
/// it, whose public key is the `signature_key` of the client's leaves.
///
/// The key is either a raw signature key pair held in memory
/// ([`SigningIdentity::generate`], [`SigningIdentity::from_private_key`]), signed with the
/// group's cipher suite provider, or any [`Signer`] ([`SigningIdentity::new`]), e.g. a key
/// in an HSM or an OS keystore that never leaves it. Every signature of a group goes through
/// it, and each use first checks that its signature scheme is the one of the group's cipher
/// suite ([`GroupError::SignerSchemeMismatch`]).
///
/// `Debug` prints the credential and the public key; a private key is `[redacted]`.
#[derive(Clone)]
pub struct SigningIdentity {
    /// The credential presented in the client's leaf nodes (§5.3).
    pub credential: Credential,
    key: IdentityKey,
}

#[derive(Clone)]
enum IdentityKey {
    /// A key pair in memory, for the suite it was made for, with the suite's signature
    /// scheme when known (see [`SigningIdentity::signature_scheme`]).
    Raw {
        suite: CipherSuite,
        scheme: Option<SignatureScheme>,
        key_pair: SignatureKeyPair,
    },
    /// An external signer.
    External(Arc<dyn Signer>),
    /// The public key of an external signer, restored from a saved group state without the
    /// signer ([`GroupError::SignerRequired`] until it is given back).
    Detached(SignaturePublicKey),
}

impl SigningIdentity {
    /// An identity that signs with `signer` (RFC 9420 §5.1.2): its public key is the
    /// leaves' `signature_key`, and it is only asked to sign `SignContent` bytes.
    pub fn new(credential: Credential, signer: Arc<dyn Signer>) -> Self {
        SigningIdentity {
            credential,
            key: IdentityKey::External(signer),
        }
    }

    /// A new identity with a fresh signature key pair of the suite of `cs` (RFC 9420 §5.3).
    pub fn generate(cs: &dyn CipherSuiteProvider, credential: Credential) -> Result<Self, Error> {
        Ok(Self::from_suite_key_pair(
            cs,
            credential,
            cs.signature_generate_key_pair()?,
        ))
    }

    /// An identity from an existing private key of the suite of `cs`; the public key is
    /// derived by the provider.
    pub fn from_private_key(
        cs: &dyn CipherSuiteProvider,
        credential: Credential,
        private_key: SignaturePrivateKey,
    ) -> Result<Self, Error> {
        let public_key = SignaturePublicKey(cs.signature_public_key(&private_key)?);
        let key_pair = SignatureKeyPair {
            private_key,
            public_key,
        };
        Ok(Self::from_suite_key_pair(cs, credential, key_pair))
    }

    /// An identity from a signature key pair of `suite` (the caller vouches that the keys
    /// belong together; [`SigningIdentity::from_private_key`] derives the public key).
    /// Without a provider, the signature scheme is known for the suites of RFC 9420 only
    /// (see [`SigningIdentity::signature_scheme`]).
    pub fn from_key_pair(
        suite: CipherSuite,
        credential: Credential,
        key_pair: SignatureKeyPair,
    ) -> Self {
        Self::raw(suite, suite_signature_scheme(suite), credential, key_pair)
    }

    /// An identity from a signature key pair of the suite of `cs`, whose signature scheme
    /// `cs` names (also for a suite RFC 9420 does not define, e.g. a post-quantum one).
    pub(crate) fn from_suite_key_pair(
        cs: &dyn CipherSuiteProvider,
        credential: Credential,
        key_pair: SignatureKeyPair,
    ) -> Self {
        let suite = cs.cipher_suite();
        let scheme = suite_signature_scheme(suite)
            .or_else(|| cs.components().map(|(_, _, _, scheme)| scheme));
        Self::raw(suite, scheme, credential, key_pair)
    }

    fn raw(
        suite: CipherSuite,
        scheme: Option<SignatureScheme>,
        credential: Credential,
        key_pair: SignatureKeyPair,
    ) -> Self {
        SigningIdentity {
            credential,
            key: IdentityKey::Raw {
                suite,
                scheme,
                key_pair,
            },
        }
    }

    /// An identity whose external signer is not at hand (a restored group state).
    pub(crate) fn detached(credential: Credential, public_key: SignaturePublicKey) -> Self {
        SigningIdentity {
            credential,
            key: IdentityKey::Detached(public_key),
        }
    }

    /// The public key: the `signature_key` of this client's leaves (RFC 9420 §5.3).
    pub fn signature_public_key(&self) -> &SignaturePublicKey {
        match &self.key {
            IdentityKey::Raw { key_pair, .. } => &key_pair.public_key,
            IdentityKey::External(s) => s.public_key(),
            IdentityKey::Detached(public_key) => public_key,
        }
    }

    /// The signature scheme the key signs with (RFC 9420 §5.1: the one of its cipher suite).
    ///
    /// For a raw key of an RFC 9420 suite, the suite's (§17.1). For another suite, e.g. a
    /// post-quantum one of draft-ietf-mls-pq-ciphersuites (ML-DSA among them), whose code
    /// point a deployment chooses: the scheme the suite's provider names
    /// ([`CipherSuiteProvider::components`]) if the identity was made with it
    /// ([`SigningIdentity::generate`], [`SigningIdentity::from_private_key`], a restored
    /// group state), `None` if it was taken without a provider
    /// ([`SigningIdentity::from_key_pair`], [`SigningIdentity::from_bytes`]). `None` for a
    /// detached signer.
    pub fn signature_scheme(&self) -> Option<SignatureScheme> {
        match &self.key {
            IdentityKey::Raw { scheme, .. } => *scheme,
            IdentityKey::External(s) => Some(s.signature_scheme()),
            IdentityKey::Detached(_) => None,
        }
    }

    /// The raw key pair, if this identity holds one in memory (not for an external
    /// [`Signer`]).
    pub fn key_pair(&self) -> Option<&SignatureKeyPair> {
        match &self.key {
            IdentityKey::Raw { key_pair, .. } => Some(key_pair),
            IdentityKey::External(_) | IdentityKey::Detached(_) => None,
        }
    }

    /// The suite a raw key pair was made for (`None` for an external [`Signer`]).
    pub(crate) fn raw_suite(&self) -> Option<CipherSuite> {
        match &self.key {
            IdentityKey::Raw { suite, .. } => Some(*suite),
            IdentityKey::External(_) | IdentityKey::Detached(_) => None,
        }
    }

    /// The external signer, if this identity signs with one.
    pub fn external_signer(&self) -> Option<&Arc<dyn Signer>> {
        match &self.key {
            IdentityKey::External(s) => Some(s),
            IdentityKey::Raw { .. } | IdentityKey::Detached(_) => None,
        }
    }

    /// The signer to sign with in the suite of `cs` (RFC 9420 §5.1.2), after checking that
    /// the key's signature scheme is the suite's ([`GroupError::SignerSchemeMismatch`]).
    /// For a suite RFC 9420 does not define, a raw key must be of that very suite and an
    /// external signer is taken as it is (its scheme cannot be checked).
    pub(crate) fn signer<'a>(
        &'a self,
        cs: &'a dyn CipherSuiteProvider,
    ) -> Result<IdentitySigner<'a>, Error> {
        let group_suite = cs.cipher_suite();
        let expected = suite_signature_scheme(group_suite);
        match &self.key {
            IdentityKey::Raw {
                suite, key_pair, ..
            } => {
                let same = *suite == group_suite
                    || (expected.is_some() && suite_signature_scheme(*suite) == expected);
                if !same {
                    return Err(GroupError::SignerSchemeMismatch.into());
                }
                Ok(IdentitySigner::Raw(SuiteSigner {
                    cs,
                    private_key: &key_pair.private_key,
                    public_key: &key_pair.public_key,
                }))
            }
            IdentityKey::External(s) => {
                if expected.is_some_and(|e| e != s.signature_scheme()) {
                    return Err(GroupError::SignerSchemeMismatch.into());
                }
                Ok(IdentitySigner::External(s.as_ref()))
            }
            IdentityKey::Detached(_) => Err(GroupError::SignerRequired.into()),
        }
    }
}

impl PartialEq for SigningIdentity {
    fn eq(&self, other: &Self) -> bool {
        if self.credential != other.credential {
            return false;
        }
        match (&self.key, &other.key) {
            // The scheme follows from the suite; whether it is known depends on the constructor.
            (
                IdentityKey::Raw {
                    suite, key_pair, ..
                },
                IdentityKey::Raw {
                    suite: s2,
                    key_pair: k2,
                    ..
                },
            ) => suite == s2 && key_pair == k2,
            (IdentityKey::External(a), IdentityKey::External(b)) => {
                Arc::ptr_eq(a, b)
                    || (a.signature_scheme() == b.signature_scheme()
                        && a.public_key() == b.public_key())
            }
            (IdentityKey::Detached(a), IdentityKey::Detached(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for SigningIdentity {}

impl fmt::Debug for SigningIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.key {
            IdentityKey::Raw { .. } => "raw key [redacted]",
            IdentityKey::External(_) => "external signer",
            IdentityKey::Detached(_) => "external signer (detached)",
        };
        f.debug_struct("SigningIdentity")
            .field("credential", &self.credential)
            .field("signature_key", self.signature_public_key())
            .field("signer", &kind)
            .finish()
    }
}

/// The signer of a [`SigningIdentity`] in one cipher suite (see [`SigningIdentity::signer`]).
pub(crate) enum IdentitySigner<'a> {
    Raw(SuiteSigner<'a>),
    External(&'a dyn Signer),
}

impl Signer for IdentitySigner<'_> {
    fn signature_scheme(&self) -> SignatureScheme {
        match self {
            IdentitySigner::Raw(s) => s.signature_scheme(),
            IdentitySigner::External(s) => s.signature_scheme(),
        }
    }

    fn public_key(&self) -> &SignaturePublicKey {
        match self {
            IdentitySigner::Raw(s) => s.public_key(),
            IdentitySigner::External(s) => s.public_key(),
        }
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        match self {
            IdentitySigner::Raw(s) => s.sign(message),
            IdentitySigner::External(s) => s.sign(message),
        }
    }
}

impl super::Group {
    /// Makes this member sign with `signer` from now on (RFC 9420 §5.1.2), e.g. to give
    /// back the external signer of a group restored with [`Group::from_bytes`] (a saved
    /// state holds no key of an external signer; until then, signing fails with
    /// [`GroupError::SignerRequired`]), or to move a raw key into a keystore. The signer's
    /// public key must be this member's `signature_key`
    /// ([`GroupError::SetSignerKeyMismatch`]) and its scheme the one of the group's cipher
    /// suite ([`GroupError::SignerSchemeMismatch`]).
    ///
    /// [`Group::from_bytes`]: super::Group::from_bytes
    pub fn set_signer(&mut self, signer: Arc<dyn Signer>) -> Result<(), Error> {
        if signer.public_key() != self.identity.signature_public_key() {
            return Err(GroupError::SetSignerKeyMismatch.into());
        }
        let identity = SigningIdentity::new(self.identity.credential.clone(), signer);
        let cs = Self::cs_of(&self.provider, self.cipher_suite())?;
        identity.signer(cs)?;
        self.identity = identity;
        Ok(())
    }
}
