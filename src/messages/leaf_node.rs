//! `LeafNode` and its parts (RFC 9420 §7.2).

use alloc::vec::Vec;

use tls_codec::{
    DeserializeBytes, SerializeBytes, Size, TlsDeserializeBytes, TlsSerializeBytes, TlsSize,
};

use super::{Credential, CredentialType, ExtensionType, Extensions, ProposalType, ProtocolVersion};
use crate::codec::{self, vl_bytes};
use crate::crypto::{
    CipherSuite, CipherSuiteProvider, HpkePublicKey, SignaturePrivateKey, SignaturePublicKey,
    Signer, labels,
};
use crate::error::Error;
use crate::tree_math::LeafIndex;

/// The signature label of `LeafNodeTBS` (RFC 9420 §7.2, §17.6).
pub(crate) const LEAF_NODE_TBS_LABEL: &[u8] = b"LeafNodeTBS";

/// `Capabilities` (RFC 9420 §7.2):
///
/// ```text
/// struct {
///     ProtocolVersion versions<V>;
///     CipherSuite cipher_suites<V>;
///     ExtensionType extensions<V>;
///     ProposalType proposals<V>;
///     CredentialType credentials<V>;
/// } Capabilities;
/// ```
#[derive(
    Clone, Debug, Default, PartialEq, Eq, Hash, TlsSize, TlsSerializeBytes, TlsDeserializeBytes,
)]
pub struct Capabilities {
    /// Supported protocol versions.
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub versions: Vec<ProtocolVersion>,
    /// Supported cipher suites.
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub cipher_suites: Vec<CipherSuite>,
    /// Supported non-default extension types.
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub extensions: Vec<ExtensionType>,
    /// Supported non-default proposal types.
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub proposals: Vec<ProposalType>,
    /// Supported credential types.
    #[tls_codec(with = "crate::codec::vl_vec")]
    pub credentials: Vec<CredentialType>,
}

impl Capabilities {
    /// The smallest honest capabilities for a client of one suite and credential type:
    /// `mls10`, `suite`, `credential_type`, and no non-default extensions or proposals.
    pub fn minimal(suite: CipherSuite, credential_type: CredentialType) -> Self {
        Capabilities {
            versions: alloc::vec![ProtocolVersion::MLS10],
            cipher_suites: alloc::vec![suite],
            extensions: Vec::new(),
            proposals: Vec::new(),
            credentials: alloc::vec![credential_type],
        }
    }

    /// Whether extension type `t` is supported: default types always are (RFC 9420 §7.2).
    pub fn supports_extension(&self, t: ExtensionType) -> bool {
        t.is_default() || self.extensions.contains(&t)
    }

    /// Whether proposal type `t` is supported: default types always are (RFC 9420 §7.2).
    pub fn supports_proposal(&self, t: ProposalType) -> bool {
        t.is_default() || self.proposals.contains(&t)
    }

    /// Whether credential type `t` is listed.
    pub fn supports_credential(&self, t: CredentialType) -> bool {
        self.credentials.contains(&t)
    }
}

/// `Lifetime` (RFC 9420 §7.2): seconds since the Unix epoch.
///
/// ```text
/// struct {
///     uint64 not_before;
///     uint64 not_after;
/// } Lifetime;
/// ```
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, TlsSize, TlsSerializeBytes, TlsDeserializeBytes,
)]
pub struct Lifetime {
    /// Not valid before this time.
    pub not_before: u64,
    /// Not valid after this time.
    pub not_after: u64,
}

impl Lifetime {
    /// Whether `now` (seconds since the Unix epoch) lies within the lifetime.
    pub fn contains(&self, now: u64) -> bool {
        self.not_before <= now && now <= self.not_after
    }
}

/// `LeafNodeSource` with its `select` content (RFC 9420 §7.2):
///
/// ```text
/// enum { reserved(0), key_package(1), update(2), commit(3), (255) } LeafNodeSource;
///
/// select (LeafNode.leaf_node_source) {
///     case key_package: Lifetime lifetime;
///     case update:      struct{};
///     case commit:      opaque parent_hash<V>;
/// };
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum LeafNodeSource {
    /// In a KeyPackage, with its lifetime.
    KeyPackage(Lifetime),
    /// In an Update proposal.
    Update,
    /// In the UpdatePath of a Commit, with the leaf's parent hash.
    Commit(Vec<u8>),
}

impl LeafNodeSource {
    fn tag(&self) -> u8 {
        match self {
            LeafNodeSource::KeyPackage(_) => 1,
            LeafNodeSource::Update => 2,
            LeafNodeSource::Commit(_) => 3,
        }
    }
}

impl Size for LeafNodeSource {
    fn tls_serialized_len(&self) -> usize {
        1usize.saturating_add(match self {
            LeafNodeSource::KeyPackage(l) => l.tls_serialized_len(),
            LeafNodeSource::Update => 0,
            LeafNodeSource::Commit(h) => vl_bytes::tls_serialized_len(h),
        })
    }
}

impl SerializeBytes for LeafNodeSource {
    fn tls_serialize_bytes(&self) -> Result<Vec<u8>, tls_codec::Error> {
        let mut out = alloc::vec![self.tag()];
        match self {
            LeafNodeSource::KeyPackage(l) => out.extend_from_slice(&l.tls_serialize_bytes()?),
            LeafNodeSource::Update => {}
            LeafNodeSource::Commit(h) => out.extend_from_slice(&vl_bytes::tls_serialize_bytes(h)?),
        }
        Ok(out)
    }
}

impl DeserializeBytes for LeafNodeSource {
    fn tls_deserialize_bytes(bytes: &[u8]) -> Result<(Self, &[u8]), tls_codec::Error> {
        let (tag, rest) = u8::tls_deserialize_bytes(bytes)?;
        match tag {
            1 => {
                let (l, rest) = Lifetime::tls_deserialize_bytes(rest)?;
                Ok((LeafNodeSource::KeyPackage(l), rest))
            }
            2 => Ok((LeafNodeSource::Update, rest)),
            3 => {
                let (h, rest) = vl_bytes::tls_deserialize_bytes(rest)?;
                Ok((LeafNodeSource::Commit(h), rest))
            }
            t => Err(tls_codec::Error::UnknownValue(u64::from(t))),
        }
    }
}

/// `LeafNode` (RFC 9420 §7.2):
///
/// ```text
/// struct {
///     HPKEPublicKey encryption_key;
///     SignaturePublicKey signature_key;
///     Credential credential;
///     Capabilities capabilities;
///
///     LeafNodeSource leaf_node_source;
///     select (LeafNode.leaf_node_source) {
///         case key_package: Lifetime lifetime;
///         case update:      struct{};
///         case commit:      opaque parent_hash<V>;
///     };
///
///     Extension extensions<V>;
///     /* SignWithLabel(., "LeafNodeTBS", LeafNodeTBS) */
///     opaque signature<V>;
/// } LeafNode;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub struct LeafNode {
    /// The HPKE key of this leaf.
    pub encryption_key: HpkePublicKey,
    /// The member's signature key.
    pub signature_key: SignaturePublicKey,
    /// The member's credential.
    pub credential: Credential,
    /// What the client supports.
    pub capabilities: Capabilities,
    /// How the leaf came to be, with the source-specific field.
    pub leaf_node_source: LeafNodeSource,
    /// Leaf extensions.
    pub extensions: Extensions,
    /// `SignWithLabel(., "LeafNodeTBS", LeafNodeTBS)`.
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub signature: Vec<u8>,
}

impl LeafNode {
    /// The encoded `LeafNodeTBS` (RFC 9420 §7.2):
    ///
    /// ```text
    /// struct {
    ///     ... the LeafNode fields up to and including extensions ...
    ///     select (LeafNodeTBS.leaf_node_source) {
    ///         case key_package: struct{};
    ///         case update:      opaque group_id<V>; uint32 leaf_index;
    ///         case commit:      opaque group_id<V>; uint32 leaf_index;
    ///     };
    /// } LeafNodeTBS;
    /// ```
    ///
    /// `group_id` and `leaf_index` are used only for the `update` and `commit` sources.
    pub fn to_be_signed(&self, group_id: &[u8], leaf_index: LeafIndex) -> Result<Vec<u8>, Error> {
        let mut out = Vec::with_capacity(self.tls_serialized_len().saturating_add(group_id.len()));
        out.extend_from_slice(&self.encryption_key.tls_serialize_bytes()?);
        out.extend_from_slice(&self.signature_key.tls_serialize_bytes()?);
        out.extend_from_slice(&self.credential.tls_serialize_bytes()?);
        out.extend_from_slice(&self.capabilities.tls_serialize_bytes()?);
        out.extend_from_slice(&self.leaf_node_source.tls_serialize_bytes()?);
        out.extend_from_slice(&self.extensions.tls_serialize_bytes()?);
        if !matches!(self.leaf_node_source, LeafNodeSource::KeyPackage(_)) {
            codec::write_opaque(group_id, &mut out)?;
            out.extend_from_slice(&leaf_index.0.to_be_bytes());
        }
        Ok(out)
    }

    /// Signs the leaf node in place with `SignWithLabel(., "LeafNodeTBS", LeafNodeTBS)`.
    pub fn sign(
        &mut self,
        cs: &dyn CipherSuiteProvider,
        key: &SignaturePrivateKey,
        group_id: &[u8],
        leaf_index: LeafIndex,
    ) -> Result<(), Error> {
        let tbs = self.to_be_signed(group_id, leaf_index)?;
        self.signature = labels::sign_with_label(cs, key, LEAF_NODE_TBS_LABEL, &tbs)?;
        Ok(())
    }

    /// Signs the leaf node in place by `signer` (which holds the key of `signature_key`):
    /// `SignWithLabel(., "LeafNodeTBS", LeafNodeTBS)` (RFC 9420 §7.2).
    pub fn sign_by(
        &mut self,
        signer: &dyn Signer,
        group_id: &[u8],
        leaf_index: LeafIndex,
    ) -> Result<(), Error> {
        let tbs = self.to_be_signed(group_id, leaf_index)?;
        self.signature = labels::sign_with_label_by(signer, LEAF_NODE_TBS_LABEL, &tbs)?;
        Ok(())
    }

    /// Verifies the signature with the leaf's own `signature_key` (RFC 9420 §7.3).
    pub fn verify_signature(
        &self,
        cs: &dyn CipherSuiteProvider,
        group_id: &[u8],
        leaf_index: LeafIndex,
    ) -> Result<(), Error> {
        let tbs = self.to_be_signed(group_id, leaf_index)?;
        labels::verify_with_label(
            cs,
            self.signature_key.as_bytes(),
            LEAF_NODE_TBS_LABEL,
            &tbs,
            &self.signature,
        )
    }

    /// The `parent_hash` of a leaf whose source is `commit`.
    pub fn parent_hash(&self) -> Option<&[u8]> {
        match &self.leaf_node_source {
            LeafNodeSource::Commit(h) => Some(h),
            _ => None,
        }
    }

    /// The `lifetime` of a leaf whose source is `key_package`.
    pub fn lifetime(&self) -> Option<&Lifetime> {
        match &self.leaf_node_source {
            LeafNodeSource::KeyPackage(l) => Some(l),
            _ => None,
        }
    }
}
