//! Proposals (RFC 9420 §12.1) and `ProposalOrRef` (§12.4).

use alloc::boxed::Box;
use alloc::vec::Vec;

use tls_codec::{
    DeserializeBytes, SerializeBytes, Size, TlsDeserializeBytes, TlsSerializeBytes, TlsSize,
};

use super::{Extensions, KeyPackage, LeafNode, ProposalType, ProtocolVersion};
use crate::codec::vl_bytes;
use crate::crypto::CipherSuite;
use crate::key_schedule::PreSharedKeyId;
use crate::tree_math::LeafIndex;

/// `Add` (RFC 9420 §12.1.1):
///
/// ```text
/// struct {
///     KeyPackage key_package;
/// } Add;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub struct Add {
    /// The KeyPackage of the member to add.
    pub key_package: KeyPackage,
}

/// `Update` (RFC 9420 §12.1.2):
///
/// ```text
/// struct {
///     LeafNode leaf_node;
/// } Update;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub struct Update {
    /// The sender's new leaf node (source `update`).
    pub leaf_node: LeafNode,
}

/// `Remove` (RFC 9420 §12.1.3):
///
/// ```text
/// struct {
///     uint32 removed;
/// } Remove;
/// ```
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, TlsSize, TlsSerializeBytes, TlsDeserializeBytes,
)]
pub struct Remove {
    /// The leaf index of the member to remove.
    pub removed: LeafIndex,
}

/// `PreSharedKey` (RFC 9420 §12.1.4):
///
/// ```text
/// struct {
///     PreSharedKeyID psk;
/// } PreSharedKey;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub struct PreSharedKey {
    /// The PSK to inject into the key schedule.
    pub psk: PreSharedKeyId,
}

/// `ReInit` (RFC 9420 §12.1.5):
///
/// ```text
/// struct {
///     opaque group_id<V>;
///     ProtocolVersion version;
///     CipherSuite cipher_suite;
///     Extension extensions<V>;
/// } ReInit;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub struct ReInit {
    /// The group ID of the new group.
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub group_id: Vec<u8>,
    /// The protocol version of the new group.
    pub version: ProtocolVersion,
    /// The cipher suite of the new group.
    pub cipher_suite: CipherSuite,
    /// The group context extensions of the new group.
    pub extensions: Extensions,
}

/// `ExternalInit` (RFC 9420 §12.1.6):
///
/// ```text
/// struct {
///   opaque kem_output<V>;
/// } ExternalInit;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub struct ExternalInit {
    /// The KEM output that carries the new `init_secret` (§8.3).
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub kem_output: Vec<u8>,
}

/// `GroupContextExtensions` (RFC 9420 §12.1.7):
///
/// ```text
/// struct {
///   Extension extensions<V>;
/// } GroupContextExtensions;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub struct GroupContextExtensions {
    /// The new group context extensions (a wholesale replacement).
    pub extensions: Extensions,
}

/// `Proposal` (RFC 9420 §12.1):
///
/// ```text
/// struct {
///     ProposalType proposal_type;
///     select (Proposal.proposal_type) {
///         case add:                      Add;
///         case update:                   Update;
///         case remove:                   Remove;
///         case psk:                      PreSharedKey;
///         case reinit:                   ReInit;
///         case external_init:            ExternalInit;
///         case group_context_extensions: GroupContextExtensions;
///     };
/// } Proposal;
/// ```
///
/// `Add` and `Update` are boxed so that a `Proposal` stays small.
///
/// Any other proposal type carries its content as one `opaque<V>` (the convention of the
/// MLS implementations for proposal types outside RFC 9420), so it decodes and re-encodes
/// unchanged; except AppDataUpdate (0x0008) and AppEphemeral (0x0009) of
/// draft-ietf-mls-extensions, whose struct follows the type directly and is held, encoded,
/// as the `Custom` variant's `data` ([`crate::components`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Proposal {
    /// `add` (boxed: a KeyPackage is large)
    Add(Box<Add>),
    /// `update` (boxed: a LeafNode is large)
    Update(Box<Update>),
    /// `remove`
    Remove(Remove),
    /// `psk`
    PreSharedKey(PreSharedKey),
    /// `reinit`
    ReInit(ReInit),
    /// `external_init`
    ExternalInit(ExternalInit),
    /// `group_context_extensions`
    GroupContextExtensions(GroupContextExtensions),
    /// `self_remove` (draft-ietf-mls-extensions, "SelfRemove Proposal"): the sender
    /// leaves the group. Its content is the empty struct `struct {} SelfRemove;`, so it
    /// encodes as the proposal type alone.
    SelfRemove,
    /// Any other proposal type, with its content as `opaque<V>`.
    Custom {
        /// The proposal type (not one of the seven of RFC 9420).
        proposal_type: ProposalType,
        /// The content.
        data: Vec<u8>,
    },
}

impl Proposal {
    /// The proposal type.
    pub fn proposal_type(&self) -> ProposalType {
        match self {
            Proposal::Add(_) => ProposalType::ADD,
            Proposal::Update(_) => ProposalType::UPDATE,
            Proposal::Remove(_) => ProposalType::REMOVE,
            Proposal::PreSharedKey(_) => ProposalType::PSK,
            Proposal::ReInit(_) => ProposalType::REINIT,
            Proposal::ExternalInit(_) => ProposalType::EXTERNAL_INIT,
            Proposal::GroupContextExtensions(_) => ProposalType::GROUP_CONTEXT_EXTENSIONS,
            Proposal::SelfRemove => ProposalType::SELF_REMOVE,
            Proposal::Custom { proposal_type, .. } => *proposal_type,
        }
    }

    fn body_len(&self) -> usize {
        match self {
            Proposal::Add(p) => p.tls_serialized_len(),
            Proposal::Update(p) => p.tls_serialized_len(),
            Proposal::Remove(p) => p.tls_serialized_len(),
            Proposal::PreSharedKey(p) => p.tls_serialized_len(),
            Proposal::ReInit(p) => p.tls_serialized_len(),
            Proposal::ExternalInit(p) => p.tls_serialized_len(),
            Proposal::GroupContextExtensions(p) => p.tls_serialized_len(),
            Proposal::Custom {
                proposal_type,
                data,
            } if crate::components::is_app_proposal_type(*proposal_type) => data.len(),
            Proposal::SelfRemove => 0,
            Proposal::Custom { data, .. } => vl_bytes::tls_serialized_len(data),
        }
    }
}

impl Size for Proposal {
    fn tls_serialized_len(&self) -> usize {
        2usize.saturating_add(self.body_len())
    }
}

impl SerializeBytes for Proposal {
    fn tls_serialize_bytes(&self) -> Result<Vec<u8>, tls_codec::Error> {
        let mut out = self.proposal_type().tls_serialize_bytes()?;
        out.extend_from_slice(&match self {
            Proposal::Add(p) => p.tls_serialize_bytes()?,
            Proposal::Update(p) => p.tls_serialize_bytes()?,
            Proposal::Remove(p) => p.tls_serialize_bytes()?,
            Proposal::PreSharedKey(p) => p.tls_serialize_bytes()?,
            Proposal::ReInit(p) => p.tls_serialize_bytes()?,
            Proposal::ExternalInit(p) => p.tls_serialize_bytes()?,
            Proposal::GroupContextExtensions(p) => p.tls_serialize_bytes()?,
            Proposal::Custom {
                proposal_type,
                data,
            } if crate::components::is_app_proposal_type(*proposal_type) => data.clone(),
            Proposal::SelfRemove => Vec::new(),
            Proposal::Custom { data, .. } => vl_bytes::tls_serialize_bytes(data)?,
        });
        Ok(out)
    }
}

fn map<T, U>(r: (T, &[u8]), f: impl FnOnce(T) -> U) -> (U, &[u8]) {
    (f(r.0), r.1)
}

impl DeserializeBytes for Proposal {
    fn tls_deserialize_bytes(bytes: &[u8]) -> Result<(Self, &[u8]), tls_codec::Error> {
        let (proposal_type, rest) = ProposalType::tls_deserialize_bytes(bytes)?;
        Ok(match proposal_type {
            ProposalType::ADD => map(Add::tls_deserialize_bytes(rest)?, |p| {
                Proposal::Add(Box::new(p))
            }),
            ProposalType::UPDATE => map(Update::tls_deserialize_bytes(rest)?, |p| {
                Proposal::Update(Box::new(p))
            }),
            ProposalType::REMOVE => map(Remove::tls_deserialize_bytes(rest)?, Proposal::Remove),
            ProposalType::PSK => map(
                PreSharedKey::tls_deserialize_bytes(rest)?,
                Proposal::PreSharedKey,
            ),
            ProposalType::REINIT => map(ReInit::tls_deserialize_bytes(rest)?, Proposal::ReInit),
            ProposalType::EXTERNAL_INIT => map(
                ExternalInit::tls_deserialize_bytes(rest)?,
                Proposal::ExternalInit,
            ),
            ProposalType::GROUP_CONTEXT_EXTENSIONS => map(
                GroupContextExtensions::tls_deserialize_bytes(rest)?,
                Proposal::GroupContextExtensions,
            ),
            t if crate::components::is_app_proposal_type(t) => {
                let len = crate::components::app_proposal_len(t, rest).map_err(|e| match e {
                    crate::Error::Decode(crate::DecodeError::UnknownValue) => {
                        tls_codec::Error::UnknownValue(0)
                    }
                    _ => tls_codec::Error::EndOfStream,
                })?;
                let (data, rest) = rest
                    .split_at_checked(len)
                    .ok_or(tls_codec::Error::EndOfStream)?;
                (
                    Proposal::Custom {
                        proposal_type: t,
                        data: data.to_vec(),
                    },
                    rest,
                )
            }
            ProposalType::SELF_REMOVE => (Proposal::SelfRemove, rest),
            proposal_type => map(vl_bytes::tls_deserialize_bytes(rest)?, |data| {
                Proposal::Custom {
                    proposal_type,
                    data,
                }
            }),
        })
    }
}

/// `ProposalRef` (RFC 9420 §5.2): `MakeProposalRef` of the `AuthenticatedContent` that
/// carried the proposal.
///
/// ```text
/// opaque HashReference<V>;
/// HashReference ProposalRef;
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
pub struct ProposalRef(#[tls_codec(with = "crate::codec::vl_bytes")] pub Vec<u8>);

/// `ProposalOrRef` (RFC 9420 §12.4):
///
/// ```text
/// enum {
///   reserved(0),
///   proposal(1),
///   reference(2),
///   (255)
/// } ProposalOrRefType;
///
/// struct {
///   ProposalOrRefType type;
///   select (ProposalOrRef.type) {
///     case proposal:  Proposal proposal;
///     case reference: ProposalRef reference;
///   };
/// } ProposalOrRef;
/// ```
///
/// Decoding any other `ProposalOrRefType` fails.
#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
#[repr(u8)]
pub enum ProposalOrRef {
    /// A proposal sent inline in the Commit.
    #[tls_codec(discriminant = 1)]
    Proposal(Proposal),
    /// A reference to a proposal sent earlier in the epoch.
    #[tls_codec(discriminant = 2)]
    Reference(ProposalRef),
}
