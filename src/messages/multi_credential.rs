//! Multi-credentials (draft-ietf-mls-extensions, "Multi-Credentials"): credential types
//! `multi` (0x0003) and `weak-multi` (0x0004), whose content is a list of
//! `CredentialBinding`s, each signed with `SignWithLabel(., "CredentialBindingTBS",
//! CredentialBindingTBS)` by the holder of the binding's `credential_key`, over the
//! `signature_key` of the LeafNode the multi-credential is in.
//!
//! The content of a `multi` / `weak-multi` [`Credential`] is `CredentialBinding
//! bindings<V>`, which encodes exactly as the `opaque<V>` of [`Credential::Other`], so a
//! multi-credential travels as a `Credential::Other` and [`MultiCredential`] converts.

use alloc::vec::Vec;

use tls_codec::{
    DeserializeBytes, SerializeBytes, TlsDeserializeBytes, TlsSerializeBytes, TlsSize,
};

use super::{Credential, CredentialType};
use crate::crypto::{
    CipherSuite, CipherSuiteProvider, CryptoProvider, SignaturePrivateKey, SignaturePublicKey,
    labels,
};
use crate::error::{CredentialBindingError, Error};

/// The label of a binding's signature (draft-ietf-mls-extensions, IANA "MLS Signature
/// Labels").
pub const CREDENTIAL_BINDING_LABEL: &[u8] = b"CredentialBindingTBS";

/// The most bindings a received multi-credential may hold (a size cap on received
/// structures; each binding costs a signature verification).
pub const MAX_CREDENTIAL_BINDINGS: usize = 16;

/// `CredentialBinding` (draft-ietf-mls-extensions, "Multi-Credentials"):
///
/// ```text
/// struct {
///   CipherSuite cipher_suite;
///   Credential credential;
///   SignaturePublicKey credential_key;
///   /* SignWithLabel(., "CredentialBindingTBS", CredentialBindingTBS) */
///   opaque signature<V>;
/// } CredentialBinding;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub struct CredentialBinding {
    /// The cipher suite of `credential_key` (need not be the group's).
    pub cipher_suite: CipherSuite,
    /// The bound credential.
    pub credential: Credential,
    /// The key that corresponds to `credential`.
    pub credential_key: SignaturePublicKey,
    /// The signature of the `CredentialBindingTBS` by `credential_key`.
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub signature: Vec<u8>,
}

impl CredentialBinding {
    /// The encoded `CredentialBindingTBS` of this binding in a leaf with `signature_key`
    /// (draft-ietf-mls-extensions, "Credential Bindings"):
    ///
    /// ```text
    /// struct {
    ///   CipherSuite cipher_suite;
    ///   Credential credential;
    ///   SignaturePublicKey credential_key;
    ///   SignaturePublicKey signature_key;
    /// } CredentialBindingTBS;
    /// ```
    fn tbs(&self, signature_key: &SignaturePublicKey) -> Result<Vec<u8>, Error> {
        let enc = |r: Result<Vec<u8>, tls_codec::Error>| r.map_err(|_| Error::Encode);
        let mut out = enc(self.cipher_suite.tls_serialize_bytes())?;
        out.extend_from_slice(&enc(self.credential.tls_serialize_bytes())?);
        out.extend_from_slice(&enc(self.credential_key.tls_serialize_bytes())?);
        out.extend_from_slice(&enc(signature_key.tls_serialize_bytes())?);
        Ok(out)
    }

    /// Binds `credential` (whose key pair is `credential_key` / `credential_private_key`,
    /// of the suite of `cs`) to the leaf signature key `signature_key`: signs the
    /// `CredentialBindingTBS` with the credential's key.
    pub fn create(
        cs: &dyn CipherSuiteProvider,
        credential: Credential,
        credential_key: SignaturePublicKey,
        credential_private_key: &SignaturePrivateKey,
        signature_key: &SignaturePublicKey,
    ) -> Result<Self, Error> {
        let mut binding = CredentialBinding {
            cipher_suite: cs.cipher_suite(),
            credential,
            credential_key,
            signature: Vec::new(),
        };
        let tbs = binding.tbs(signature_key)?;
        binding.signature =
            labels::sign_with_label(cs, credential_private_key, CREDENTIAL_BINDING_LABEL, &tbs)?;
        Ok(binding)
    }

    /// Whether the binding's signature verifies with its `credential_key` over
    /// `signature_key` (with `cs`, the provider of the binding's suite).
    pub fn verify(
        &self,
        cs: &dyn CipherSuiteProvider,
        signature_key: &SignaturePublicKey,
    ) -> Result<(), Error> {
        if cs.cipher_suite() != self.cipher_suite {
            return Err(CredentialBindingError::UnsupportedBinding.into());
        }
        let tbs = self.tbs(signature_key)?;
        labels::verify_with_label(
            cs,
            self.credential_key.as_bytes(),
            CREDENTIAL_BINDING_LABEL,
            &tbs,
            &self.signature,
        )
        .map_err(|_| CredentialBindingError::SignatureInvalid.into())
    }
}

/// `MultiCredential` / `WeakMultiCredential` (draft-ietf-mls-extensions):
/// `struct { CredentialBinding bindings<V>; }`, with `weak` telling the two types apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MultiCredential {
    /// `weak-multi` (each member needs to support one binding) rather than `multi` (every
    /// member supports every binding).
    pub weak: bool,
    /// The bindings.
    pub bindings: Vec<CredentialBinding>,
}

impl MultiCredential {
    /// The credential to put into a LeafNode (type `multi` or `weak-multi`).
    pub fn to_credential(&self) -> Result<Credential, Error> {
        let mut data = Vec::new();
        for b in &self.bindings {
            data.extend_from_slice(&b.tls_serialize_bytes().map_err(|_| Error::Encode)?);
        }
        Ok(Credential::Other {
            credential_type: if self.weak {
                CredentialType::WEAK_MULTI
            } else {
                CredentialType::MULTI
            },
            data,
        })
    }

    /// The multi-credential in `credential`: `None` if it is of another type;
    /// [`CredentialBindingError::Malformed`] if its bindings do not decode, or there are
    /// none or more than [`MAX_CREDENTIAL_BINDINGS`]
    /// ([`CredentialBindingError::BindingCount`]).
    pub fn from_credential(credential: &Credential) -> Result<Option<Self>, Error> {
        let Credential::Other {
            credential_type,
            data,
        } = credential
        else {
            return Ok(None);
        };
        let weak = match *credential_type {
            CredentialType::MULTI => false,
            CredentialType::WEAK_MULTI => true,
            _ => return Ok(None),
        };
        let mut bindings = Vec::new();
        let mut rest = data.as_slice();
        while !rest.is_empty() {
            if bindings.len() >= MAX_CREDENTIAL_BINDINGS {
                return Err(CredentialBindingError::BindingCount.into());
            }
            let (b, r) = CredentialBinding::tls_deserialize_bytes(rest)
                .map_err(|_| CredentialBindingError::Malformed)?;
            bindings.push(b);
            rest = r;
        }
        if bindings.is_empty() {
            return Err(CredentialBindingError::BindingCount.into());
        }
        Ok(Some(MultiCredential { weak, bindings }))
    }

    /// Verifies the multi-credential of a LeafNode whose `signature_key` is given, as this
    /// client (draft-ietf-mls-extensions, "Verifying a Multi-Credential"). A binding is
    /// supported if `provider` implements its cipher suite and `supported` accepts its
    /// credential type; it is valid if `credential_valid` accepts its credential and
    /// `credential_key` (the Authentication Service) and its signature verifies.
    ///
    /// `multi`: every binding is supported ([`CredentialBindingError::UnsupportedBinding`])
    /// and valid. `weak-multi`: at least one binding is supported
    /// ([`CredentialBindingError::NoSupportedBinding`]) and every supported one is valid.
    /// An invalid binding is [`CredentialBindingError::CredentialRejected`] or
    /// [`CredentialBindingError::SignatureInvalid`]. O(b) signature verifications.
    pub fn verify(
        &self,
        provider: &dyn CryptoProvider,
        signature_key: &SignaturePublicKey,
        supported: &dyn Fn(CredentialType) -> bool,
        credential_valid: &dyn Fn(&Credential, &SignaturePublicKey) -> bool,
    ) -> Result<(), Error> {
        let mut any = false;
        for b in &self.bindings {
            let cs = match provider.suite(b.cipher_suite) {
                Ok(cs) if supported(b.credential.credential_type()) => cs,
                _ if self.weak => continue,
                _ => return Err(CredentialBindingError::UnsupportedBinding.into()),
            };
            any = true;
            if !credential_valid(&b.credential, &b.credential_key) {
                return Err(CredentialBindingError::CredentialRejected.into());
            }
            b.verify(cs, signature_key)?;
        }
        if any {
            Ok(())
        } else {
            Err(CredentialBindingError::NoSupportedBinding.into())
        }
    }
}
