//! `WireFormat`, `ContentType`, `Sender` and `FramedContent` (RFC 9420 §6).

use alloc::vec::Vec;

use tls_codec::{DeserializeBytes, Size};

use super::wire::{self, WriteTo, serialize_via_write_to};
use crate::error::{Error, FramingError};
use crate::messages::{Commit, Proposal};
use crate::tree_math::LeafIndex;

registry_u16!(
    /// `WireFormat` (RFC 9420 §6, §17.2 "MLS Wire Formats"): an open `uint16`.
    WireFormat {
        /// `mls_public_message`
        MLS_PUBLIC_MESSAGE = 0x0001,
        /// `mls_private_message`
        MLS_PRIVATE_MESSAGE = 0x0002,
        /// `mls_welcome`
        MLS_WELCOME = 0x0003,
        /// `mls_group_info`
        MLS_GROUP_INFO = 0x0004,
        /// `mls_key_package`
        MLS_KEY_PACKAGE = 0x0005,
    }
);

/// `ContentType` (RFC 9420 §6): a closed enum; other values fail to decode.
///
/// ```text
/// enum {
///     reserved(0),
///     application(1),
///     proposal(2),
///     commit(3),
///     (255)
/// } ContentType;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ContentType {
    /// `application(1)`
    Application = 1,
    /// `proposal(2)`
    Proposal = 2,
    /// `commit(3)`
    Commit = 3,
}

impl ContentType {
    /// The content type of a wire value, or `None` for a reserved or unknown one.
    pub const fn from_u8(v: u8) -> Option<Self> {
        match v {
            1 => Some(ContentType::Application),
            2 => Some(ContentType::Proposal),
            3 => Some(ContentType::Commit),
            _ => None,
        }
    }

    /// Whether this is a handshake content type (proposal or commit), which uses the
    /// handshake ratchet of the secret tree (RFC 9420 §9).
    pub const fn is_handshake(self) -> bool {
        !matches!(self, ContentType::Application)
    }
}

impl Size for ContentType {
    fn tls_serialized_len(&self) -> usize {
        1
    }
}

impl WriteTo for ContentType {
    fn write_to(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        out.push(*self as u8);
        Ok(())
    }
}
serialize_via_write_to!(ContentType);

impl DeserializeBytes for ContentType {
    fn tls_deserialize_bytes(bytes: &[u8]) -> Result<(Self, &[u8]), tls_codec::Error> {
        let (v, rest) = wire::get::<u8>(bytes)?;
        let ct = ContentType::from_u8(v).ok_or(wire::unknown_value(u64::from(v)))?;
        Ok((ct, rest))
    }
}

/// `Sender` (RFC 9420 §6), with its `SenderType`:
///
/// ```text
/// enum {
///     reserved(0),
///     member(1),
///     external(2),
///     new_member_proposal(3),
///     new_member_commit(4),
///     (255)
/// } SenderType;
///
/// struct {
///     SenderType sender_type;
///     select (Sender.sender_type) {
///         case member:
///             uint32 leaf_index;
///         case external:
///             uint32 sender_index;
///         case new_member_commit:
///         case new_member_proposal:
///             struct{};
///     };
/// } Sender;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sender {
    /// `member`: the member at `leaf_index`.
    Member(LeafIndex),
    /// `external`: the entry `sender_index` of the `external_senders` extension.
    External(u32),
    /// `new_member_proposal`: a non-member proposing to add itself.
    NewMemberProposal,
    /// `new_member_commit`: a non-member joining by external Commit.
    NewMemberCommit,
}

impl Sender {
    /// The `SenderType` wire value.
    pub const fn sender_type(&self) -> u8 {
        match self {
            Sender::Member(_) => 1,
            Sender::External(_) => 2,
            Sender::NewMemberProposal => 3,
            Sender::NewMemberCommit => 4,
        }
    }

    /// Whether `FramedContentTBS` covers the `GroupContext` for this sender (`member` and
    /// `new_member_commit`, RFC 9420 §6.1).
    pub const fn signs_group_context(&self) -> bool {
        matches!(self, Sender::Member(_) | Sender::NewMemberCommit)
    }
}

impl Size for Sender {
    fn tls_serialized_len(&self) -> usize {
        match self {
            Sender::Member(_) | Sender::External(_) => 5,
            Sender::NewMemberProposal | Sender::NewMemberCommit => 1,
        }
    }
}

impl WriteTo for Sender {
    fn write_to(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        out.push(self.sender_type());
        match self {
            Sender::Member(leaf) => out.extend_from_slice(&leaf.0.to_be_bytes()),
            Sender::External(index) => out.extend_from_slice(&index.to_be_bytes()),
            Sender::NewMemberProposal | Sender::NewMemberCommit => {}
        }
        Ok(())
    }
}
serialize_via_write_to!(Sender);

impl DeserializeBytes for Sender {
    fn tls_deserialize_bytes(bytes: &[u8]) -> Result<(Self, &[u8]), tls_codec::Error> {
        let (t, rest) = wire::get::<u8>(bytes)?;
        match t {
            1 => {
                let (i, rest) = wire::get::<u32>(rest)?;
                Ok((Sender::Member(LeafIndex(i)), rest))
            }
            2 => {
                let (i, rest) = wire::get::<u32>(rest)?;
                Ok((Sender::External(i), rest))
            }
            3 => Ok((Sender::NewMemberProposal, rest)),
            4 => Ok((Sender::NewMemberCommit, rest)),
            _ => Err(wire::unknown_value(u64::from(t))),
        }
    }
}

/// The `content_type` and `select` part of `FramedContent` and `PrivateMessageContent`
/// (RFC 9420 §6, §6.3.1):
///
/// ```text
/// ContentType content_type;
/// select (FramedContent.content_type) {
///     case application:
///       opaque application_data<V>;
///     case proposal:
///       Proposal proposal;
///     case commit:
///       Commit commit;
/// };
/// ```
///
/// Its `tls_codec` encoding includes the `content_type` octet; [`FramedContentBody::write_body`]
/// and [`FramedContentBody::decode_body`] handle the `select` alone (a PrivateMessage carries
/// the content type outside the ciphertext).
#[derive(Clone, Debug, PartialEq, Eq)]
// A Commit is held inline: a body is built once per message and moved a few times, and
// boxing would cost an allocation per Commit.
#[allow(clippy::large_enum_variant)]
pub enum FramedContentBody {
    /// `application_data<V>`.
    Application(Vec<u8>),
    /// A `Proposal`.
    Proposal(Proposal),
    /// A `Commit`.
    Commit(Commit),
}

impl FramedContentBody {
    /// The content type.
    pub const fn content_type(&self) -> ContentType {
        match self {
            FramedContentBody::Application(_) => ContentType::Application,
            FramedContentBody::Proposal(_) => ContentType::Proposal,
            FramedContentBody::Commit(_) => ContentType::Commit,
        }
    }

    /// The encoded size of the `select` part alone.
    pub fn body_len(&self) -> usize {
        match self {
            FramedContentBody::Application(data) => wire::opaque_len(data),
            FramedContentBody::Proposal(p) => p.tls_serialized_len(),
            FramedContentBody::Commit(c) => c.tls_serialized_len(),
        }
    }

    /// Appends the `select` part alone (without the content type).
    pub fn write_body(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        match self {
            FramedContentBody::Application(data) => wire::put_opaque(data, out),
            FramedContentBody::Proposal(p) => wire::put(p, out),
            FramedContentBody::Commit(c) => wire::put(c, out),
        }
    }

    /// Decodes the `select` part of content type `content_type`.
    pub fn decode_body(
        content_type: ContentType,
        bytes: &[u8],
    ) -> Result<(Self, &[u8]), tls_codec::Error> {
        Ok(match content_type {
            ContentType::Application => {
                let (data, rest) = wire::get_opaque(bytes)?;
                (FramedContentBody::Application(data), rest)
            }
            ContentType::Proposal => {
                let (p, rest) = wire::get::<Proposal>(bytes)?;
                (FramedContentBody::Proposal(p), rest)
            }
            ContentType::Commit => {
                let (c, rest) = wire::get::<Commit>(bytes)?;
                (FramedContentBody::Commit(c), rest)
            }
        })
    }
}

impl Size for FramedContentBody {
    fn tls_serialized_len(&self) -> usize {
        self.body_len().saturating_add(1)
    }
}

impl WriteTo for FramedContentBody {
    fn write_to(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        self.content_type().write_to(out)?;
        self.write_body(out)
    }
}
serialize_via_write_to!(FramedContentBody);

impl DeserializeBytes for FramedContentBody {
    fn tls_deserialize_bytes(bytes: &[u8]) -> Result<(Self, &[u8]), tls_codec::Error> {
        let (ct, rest) = ContentType::tls_deserialize_bytes(bytes)?;
        FramedContentBody::decode_body(ct, rest)
    }
}

/// `FramedContent` (RFC 9420 §6):
///
/// ```text
/// struct {
///     opaque group_id<V>;
///     uint64 epoch;
///     Sender sender;
///     opaque authenticated_data<V>;
///
///     ContentType content_type;
///     select (FramedContent.content_type) {
///         case application:
///           opaque application_data<V>;
///         case proposal:
///           Proposal proposal;
///         case commit:
///           Commit commit;
///     };
/// } FramedContent;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FramedContent {
    /// The group.
    pub group_id: Vec<u8>,
    /// The epoch the message is sent in.
    pub epoch: u64,
    /// Who sent it.
    pub sender: Sender,
    /// Application-chosen data authenticated with the content (not encrypted).
    pub authenticated_data: Vec<u8>,
    /// The content type and content.
    pub body: FramedContentBody,
}

impl FramedContent {
    /// The content type.
    pub const fn content_type(&self) -> ContentType {
        self.body.content_type()
    }

    /// Checks the content types RFC 9420 §6.1 allows for the sender type: an `external`
    /// sender sends proposals ([`FramingError::ExternalSenderNotProposal`]), a
    /// `new_member_commit` sender a Commit ([`FramingError::NewMemberCommitNotCommit`]), a
    /// `new_member_proposal` sender an Add proposal ([`FramingError::NewMemberProposalNotAdd`]).
    pub fn check_sender_content_type(&self) -> Result<(), Error> {
        let ok = match (&self.sender, &self.body) {
            (Sender::Member(_), _) => Ok(()),
            (Sender::External(_), FramedContentBody::Proposal(_)) => Ok(()),
            (Sender::External(_), _) => Err(FramingError::ExternalSenderNotProposal),
            (Sender::NewMemberCommit, FramedContentBody::Commit(_)) => Ok(()),
            (Sender::NewMemberCommit, _) => Err(FramingError::NewMemberCommitNotCommit),
            (Sender::NewMemberProposal, FramedContentBody::Proposal(p)) if is_add(p) => Ok(()),
            (Sender::NewMemberProposal, _) => Err(FramingError::NewMemberProposalNotAdd),
        };
        ok.map_err(Error::from)
    }
}

/// Whether a proposal is an Add.
fn is_add(p: &Proposal) -> bool {
    matches!(p, Proposal::Add(_))
}

impl Size for FramedContent {
    fn tls_serialized_len(&self) -> usize {
        wire::opaque_len(&self.group_id)
            .saturating_add(8)
            .saturating_add(self.sender.tls_serialized_len())
            .saturating_add(wire::opaque_len(&self.authenticated_data))
            .saturating_add(self.body.tls_serialized_len())
    }
}

impl WriteTo for FramedContent {
    fn write_to(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        wire::put_opaque(&self.group_id, out)?;
        out.extend_from_slice(&self.epoch.to_be_bytes());
        self.sender.write_to(out)?;
        wire::put_opaque(&self.authenticated_data, out)?;
        self.body.write_to(out)
    }
}
serialize_via_write_to!(FramedContent);

impl DeserializeBytes for FramedContent {
    fn tls_deserialize_bytes(bytes: &[u8]) -> Result<(Self, &[u8]), tls_codec::Error> {
        let (group_id, rest) = wire::get_opaque(bytes)?;
        let (epoch, rest) = wire::get::<u64>(rest)?;
        let (sender, rest) = wire::get::<Sender>(rest)?;
        let (authenticated_data, rest) = wire::get_opaque(rest)?;
        let (body, rest) = wire::get::<FramedContentBody>(rest)?;
        let content = FramedContent {
            group_id,
            epoch,
            sender,
            authenticated_data,
            body,
        };
        Ok((content, rest))
    }
}
