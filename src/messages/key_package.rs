//! `KeyPackage` (RFC 9420 §10): creation, references and validation (§10.1).

use alloc::vec::Vec;

use tls_codec::{SerializeBytes, TlsDeserializeBytes, TlsSerializeBytes, TlsSize};

use super::{
    Capabilities, Credential, Extensions, LeafNode, LeafNodeSource, Lifetime, ProtocolVersion,
};
use crate::codec;
use crate::crypto::{
    CipherSuite, CipherSuiteProvider, HpkeKeyPair, HpkePrivateKey, HpkePublicKey, SignatureKeyPair,
    Signer, SuiteSigner, labels,
};
use crate::error::{Error, GroupError, MessageError};
use crate::tree_math::LeafIndex;

/// The signature label of `KeyPackageTBS` (RFC 9420 §10, §17.6).
pub(crate) const KEY_PACKAGE_TBS_LABEL: &[u8] = b"KeyPackageTBS";

/// `KeyPackage` (RFC 9420 §10):
///
/// ```text
/// struct {
///     ProtocolVersion version;
///     CipherSuite cipher_suite;
///     HPKEPublicKey init_key;
///     LeafNode leaf_node;
///     Extension extensions<V>;
///     /* SignWithLabel(., "KeyPackageTBS", KeyPackageTBS) */
///     opaque signature<V>;
/// } KeyPackage;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub struct KeyPackage {
    /// The protocol version, `mls10`.
    pub version: ProtocolVersion,
    /// The cipher suite of the KeyPackage.
    pub cipher_suite: CipherSuite,
    /// The HPKE key a Welcome is encrypted to.
    pub init_key: HpkePublicKey,
    /// The leaf node the client will occupy (source `key_package`).
    pub leaf_node: LeafNode,
    /// KeyPackage extensions.
    pub extensions: Extensions,
    /// `SignWithLabel(., "KeyPackageTBS", KeyPackageTBS)`.
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub signature: Vec<u8>,
}

/// `KeyPackageRef` (RFC 9420 §5.2): `MakeKeyPackageRef` of the encoded `KeyPackage`.
///
/// ```text
/// opaque HashReference<V>;
/// HashReference KeyPackageRef;
/// ```
#[derive(
    Clone,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    TlsSize,
    TlsSerializeBytes,
    TlsDeserializeBytes,
)]
pub struct KeyPackageRef(#[tls_codec(with = "crate::codec::vl_bytes")] pub Vec<u8>);

/// What a new KeyPackage contains besides its keys (RFC 9420 §10).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPackageParams {
    /// The client's credential.
    pub credential: Credential,
    /// The client's capabilities. It should list the KeyPackage's version and cipher suite,
    /// the credential type and every non-default extension type used (validation checks
    /// this).
    pub capabilities: Capabilities,
    /// The validity period of the leaf node.
    pub lifetime: Lifetime,
    /// The leaf node's extensions.
    pub leaf_extensions: Extensions,
    /// The KeyPackage's extensions.
    pub extensions: Extensions,
}

/// A new KeyPackage with the private keys only its creator holds (RFC 9420 §10). The
/// private keys are zeroized on drop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPackageBundle {
    /// The signed KeyPackage, ready to publish.
    pub key_package: KeyPackage,
    /// The private key of `init_key`, to decrypt a Welcome.
    pub init_private_key: HpkePrivateKey,
    /// The private key of `leaf_node.encryption_key`.
    pub encryption_private_key: HpkePrivateKey,
}

impl KeyPackage {
    /// Creates and signs a KeyPackage of version `mls10` for the suite of `cs` (RFC 9420
    /// §10): fresh, distinct init and leaf encryption key pairs (§10.1), a leaf node of
    /// source `key_package` signed with `signer`, then the KeyPackage signature.
    pub fn generate(
        cs: &dyn CipherSuiteProvider,
        signer: &SignatureKeyPair,
        params: KeyPackageParams,
    ) -> Result<KeyPackageBundle, Error> {
        let signer = SuiteSigner {
            cs,
            private_key: &signer.private_key,
            public_key: &signer.public_key,
        };
        Self::generate_by(cs, &signer, params)
    }

    /// [`KeyPackage::generate`] with the leaf node and the KeyPackage signed by `signer`
    /// (whose public key becomes the leaf's `signature_key`). The caller makes sure that the
    /// signer's scheme is the one of the suite of `cs`.
    pub fn generate_by(
        cs: &dyn CipherSuiteProvider,
        signer: &dyn Signer,
        params: KeyPackageParams,
    ) -> Result<KeyPackageBundle, Error> {
        let (init, encryption) = distinct_key_pairs(cs)?;
        let mut leaf_node = LeafNode {
            encryption_key: encryption.public_key.clone(),
            signature_key: signer.public_key().clone(),
            credential: params.credential,
            capabilities: params.capabilities,
            leaf_node_source: LeafNodeSource::KeyPackage(params.lifetime),
            extensions: params.leaf_extensions,
            signature: Vec::new(),
        };
        // group_id and leaf_index are not part of a key_package leaf's LeafNodeTBS.
        leaf_node.sign_by(signer, &[], LeafIndex(0))?;
        let mut key_package = KeyPackage {
            version: ProtocolVersion::MLS10,
            cipher_suite: cs.cipher_suite(),
            init_key: init.public_key.clone(),
            leaf_node,
            extensions: params.extensions,
            signature: Vec::new(),
        };
        key_package.sign_by(signer)?;
        Ok(KeyPackageBundle {
            key_package,
            init_private_key: init.private_key,
            encryption_private_key: encryption.private_key,
        })
    }

    /// The encoded `KeyPackageTBS` (RFC 9420 §10), all fields but the signature:
    ///
    /// ```text
    /// struct {
    ///     ProtocolVersion version;
    ///     CipherSuite cipher_suite;
    ///     HPKEPublicKey init_key;
    ///     LeafNode leaf_node;
    ///     Extension extensions<V>;
    /// } KeyPackageTBS;
    /// ```
    pub fn to_be_signed(&self) -> Result<Vec<u8>, Error> {
        let mut out = self.version.tls_serialize_bytes()?;
        out.extend_from_slice(&self.cipher_suite.tls_serialize_bytes()?);
        out.extend_from_slice(&self.init_key.tls_serialize_bytes()?);
        out.extend_from_slice(&self.leaf_node.tls_serialize_bytes()?);
        out.extend_from_slice(&self.extensions.tls_serialize_bytes()?);
        Ok(out)
    }

    /// Signs the KeyPackage in place: `SignWithLabel(., "KeyPackageTBS", KeyPackageTBS)`.
    pub fn sign(
        &mut self,
        cs: &dyn CipherSuiteProvider,
        signer: &SignatureKeyPair,
    ) -> Result<(), Error> {
        self.sign_by(&SuiteSigner {
            cs,
            private_key: &signer.private_key,
            public_key: &signer.public_key,
        })
    }

    /// Signs the KeyPackage in place by `signer`:
    /// `SignWithLabel(., "KeyPackageTBS", KeyPackageTBS)` (RFC 9420 §10).
    pub fn sign_by(&mut self, signer: &dyn Signer) -> Result<(), Error> {
        let tbs = self.to_be_signed()?;
        self.signature = labels::sign_with_label_by(signer, KEY_PACKAGE_TBS_LABEL, &tbs)?;
        Ok(())
    }

    /// Verifies the KeyPackage signature with `leaf_node.signature_key` (RFC 9420 §10.1).
    pub fn verify_signature(&self, cs: &dyn CipherSuiteProvider) -> Result<(), Error> {
        let tbs = self.to_be_signed()?;
        labels::verify_with_label(
            cs,
            self.leaf_node.signature_key.as_bytes(),
            KEY_PACKAGE_TBS_LABEL,
            &tbs,
            &self.signature,
        )
        .map_err(|_| MessageError::KeyPackageSignatureInvalid.into())
    }

    /// `MakeKeyPackageRef(value)`, the hash of the encoded KeyPackage (RFC 9420 §5.2).
    pub fn key_package_ref(&self, cs: &dyn CipherSuiteProvider) -> Result<KeyPackageRef, Error> {
        let encoded = codec::encode(self)?;
        Ok(KeyPackageRef(labels::make_key_package_ref(cs, &encoded)?))
    }

    /// Validates a received KeyPackage (RFC 9420 §10.1 and, for its leaf, §7.3) for a group
    /// of version `mls10` and the suite of `cs`, at time `now` (seconds since the Unix
    /// epoch). Credential validation is left to the application's Authentication Service.
    ///
    /// Checks, in order, each with its own [`MessageError`]: version, cipher suite,
    /// `leaf_node_source`, leaf signature, KeyPackage signature, lifetime, `init_key` !=
    /// `encryption_key`, both keys valid KEM public keys of the suite (§10,
    /// [`GroupError::InvalidKemPublicKey`]), duplicate extensions, the credential type and
    /// the non-default extension types (of the leaf and of the KeyPackage) in the leaf's
    /// capabilities, and the KeyPackage's version and cipher suite in the leaf's
    /// capabilities.
    pub fn validate(&self, cs: &dyn CipherSuiteProvider, now: u64) -> Result<(), Error> {
        if self.version != ProtocolVersion::MLS10 {
            return Err(MessageError::KeyPackageVersionMismatch.into());
        }
        if self.cipher_suite != cs.cipher_suite() {
            return Err(MessageError::KeyPackageCipherSuiteMismatch.into());
        }
        let leaf = &self.leaf_node;
        let Some(lifetime) = leaf.lifetime() else {
            return Err(MessageError::LeafNodeSourceNotKeyPackage.into());
        };
        leaf.verify_signature(cs, &[], LeafIndex(0))
            .map_err(|_| Error::Message(MessageError::LeafNodeSignatureInvalid))?;
        self.verify_signature(cs)?;
        if !lifetime.contains(now) {
            return Err(MessageError::LifetimeNotValid.into());
        }
        if self.init_key == leaf.encryption_key {
            return Err(MessageError::InitKeyEqualsEncryptionKey.into());
        }
        // §10: `init_key` and the leaf's `encryption_key` are public keys of the suite's KEM
        // (RFC 9180 §7.1.4: length, on the curve, not of low order).
        for key in [&self.init_key, &leaf.encryption_key] {
            cs.kem_validate_public_key(key.as_bytes())
                .map_err(|_| Error::Group(GroupError::InvalidKemPublicKey))?;
        }
        if leaf.extensions.has_duplicates() || self.extensions.has_duplicates() {
            return Err(MessageError::DuplicateExtension.into());
        }
        let caps = &leaf.capabilities;
        if !caps.supports_credential(leaf.credential.credential_type()) {
            return Err(MessageError::CredentialTypeNotInCapabilities.into());
        }
        if !leaf
            .extensions
            .iter()
            .all(|e| caps.supports_extension(e.extension_type))
        {
            return Err(MessageError::LeafExtensionNotInCapabilities.into());
        }
        if !self
            .extensions
            .iter()
            .all(|e| caps.supports_extension(e.extension_type))
        {
            return Err(MessageError::KeyPackageExtensionNotInCapabilities.into());
        }
        if !caps.versions.contains(&self.version) {
            return Err(MessageError::VersionNotInCapabilities.into());
        }
        if !caps.cipher_suites.contains(&self.cipher_suite) {
            return Err(MessageError::CipherSuiteNotInCapabilities.into());
        }
        super::check_last_resort(&self.extensions)
    }
}

/// Two fresh HPKE key pairs with different public keys (RFC 9420 §10.1).
fn distinct_key_pairs(cs: &dyn CipherSuiteProvider) -> Result<(HpkeKeyPair, HpkeKeyPair), Error> {
    let init = cs.kem_generate_key_pair()?;
    // Two fresh random key pairs collide only if the randomness source is broken; a second
    // attempt guards against a one-off repeat, and a persistent one is reported.
    for _ in 0..2 {
        let encryption = cs.kem_generate_key_pair()?;
        if encryption.public_key != init.public_key {
            return Ok((init, encryption));
        }
    }
    Err(MessageError::InitKeyEqualsEncryptionKey.into())
}

#[cfg(all(test, feature = "rust-crypto"))]
#[path = "tests_key_package.rs"]
pub(crate) mod tests;
