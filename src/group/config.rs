//! The caller-facing settings of a group: the signing identity (RFC 9420 §5.3), the group
//! policy, members as seen through the API, and the external PSK store (§8.4).

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use crate::crypto::{
    CipherSuite, CipherSuiteProvider, Secret, SignatureKeyPair, SignaturePrivateKey,
    SignaturePublicKey,
};
use crate::error::Error;
use crate::framing::PaddingPolicy;
use crate::messages::{
    Capabilities, Credential, Extensions, KeyPackage, KeyPackageBundle, KeyPackageParams, Lifetime,
};
use crate::secret_tree::SecretTreeConfig;
use crate::tree_math::LeafIndex;

/// A client's signing identity (RFC 9420 §5.3): its credential and the signature key pair
/// bound to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigningIdentity {
    /// The credential presented in the client's leaf nodes (§5.3).
    pub credential: Credential,
    /// The signature key pair; the public key is the leaf's `signature_key`.
    pub signature_key: SignatureKeyPair,
}

impl SigningIdentity {
    /// A new identity with a fresh signature key pair of the suite of `cs` (RFC 9420 §5.3).
    pub fn generate(cs: &dyn CipherSuiteProvider, credential: Credential) -> Result<Self, Error> {
        Ok(SigningIdentity {
            credential,
            signature_key: cs.signature_generate_key_pair()?,
        })
    }

    /// An identity from an existing private key; the public key is derived by the provider.
    pub fn from_private_key(
        cs: &dyn CipherSuiteProvider,
        credential: Credential,
        private_key: SignaturePrivateKey,
    ) -> Result<Self, Error> {
        let public_key = SignaturePublicKey(cs.signature_public_key(&private_key)?);
        Ok(SigningIdentity {
            credential,
            signature_key: SignatureKeyPair {
                private_key,
                public_key,
            },
        })
    }

    /// Default capabilities for this identity in suite `suite` (RFC 9420 §7.2): MLS 1.0, the
    /// suite, the credential's type.
    pub fn default_capabilities(&self, suite: CipherSuite) -> Capabilities {
        Capabilities::minimal(suite, self.credential.credential_type())
    }

    /// Creates a KeyPackage (RFC 9420 §10) for this identity with default capabilities and
    /// `lifetime`.
    pub fn key_package(
        &self,
        cs: &dyn CipherSuiteProvider,
        lifetime: Lifetime,
    ) -> Result<KeyPackageBundle, Error> {
        let params = KeyPackageParams {
            credential: self.credential.clone(),
            capabilities: self.default_capabilities(cs.cipher_suite()),
            lifetime,
            leaf_extensions: Extensions::default(),
            extensions: Extensions::default(),
        };
        KeyPackage::generate(cs, &self.signature_key, params)
    }
}

/// Which wire format handshake messages (proposals and commits) are sent in (RFC 9420 §6).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HandshakeFormat {
    /// `PublicMessage` with a membership tag (§6.2).
    #[default]
    Public,
    /// `PrivateMessage`, encrypted with the handshake ratchet (§6.3).
    Private,
}

/// A group's local policy (nothing here is sent on the wire).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupConfig {
    /// The wire format of handshake messages this member sends.
    pub handshake_format: HandshakeFormat,
    /// Whether handshake messages in the other wire format are accepted too.
    pub accept_both_handshake_formats: bool,
    /// How many past epochs keep their application secrets, so that late application
    /// messages still decrypt (RFC 9420 §9.2 leaves the window to the application).
    pub max_past_epochs: usize,
    /// The receive window of each hash ratchet (§9.1).
    pub secret_tree: SecretTreeConfig,
    /// Padding of PrivateMessages (§6.3.1).
    pub padding: PaddingPolicy,
}

impl Default for GroupConfig {
    fn default() -> Self {
        GroupConfig {
            handshake_format: HandshakeFormat::Public,
            accept_both_handshake_formats: true,
            max_past_epochs: 2,
            secret_tree: SecretTreeConfig::default(),
            padding: PaddingPolicy::None,
        }
    }
}

/// A member of the group as the API shows it (RFC 9420 §4.1: the member at a leaf).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// The member's leaf index.
    pub index: LeafIndex,
    /// The member's credential.
    pub credential: Credential,
    /// The member's `signature_key`.
    pub signature_key: SignaturePublicKey,
}

/// External pre-shared keys known to this client, by `psk_id` (RFC 9420 §8.4).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PskStore {
    external: BTreeMap<Vec<u8>, Secret>,
}

impl PskStore {
    /// An empty store.
    pub fn new() -> Self {
        PskStore::default()
    }

    /// Stores (or replaces) the external PSK `psk_id`.
    pub fn insert(&mut self, psk_id: Vec<u8>, psk: Secret) {
        self.external.insert(psk_id, psk);
    }

    /// The external PSK `psk_id`, if known.
    pub fn get(&self, psk_id: &[u8]) -> Option<&Secret> {
        self.external.get(psk_id)
    }

    /// Every stored PSK, in `psk_id` order.
    pub fn iter(&self) -> impl Iterator<Item = (&Vec<u8>, &Secret)> {
        self.external.iter()
    }
}
