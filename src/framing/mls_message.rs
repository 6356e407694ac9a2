//! `MLSMessage` (RFC 9420 §6): the envelope of everything MLS sends.

use alloc::vec::Vec;

use tls_codec::{DeserializeBytes, Size};

use super::content::WireFormat;
use super::private_message::PrivateMessage;
use super::public_message::PublicMessage;
use super::wire::{self, WriteTo, serialize_via_write_to};
use crate::error::{Error, FramingError};
use crate::messages::{GroupInfo, KeyPackage, ProtocolVersion, Welcome};

/// `MLSMessage` (RFC 9420 §6):
///
/// ```text
/// struct {
///     ProtocolVersion version = mls10;
///     WireFormat wire_format;
///     select (MLSMessage.wire_format) {
///         case mls_public_message:
///             PublicMessage public_message;
///         case mls_private_message:
///             PrivateMessage private_message;
///         case mls_welcome:
///             Welcome welcome;
///         case mls_group_info:
///             GroupInfo group_info;
///         case mls_key_package:
///             KeyPackage key_package;
///     };
/// } MLSMessage;
/// ```
///
/// The `wire_format` is implied by the [`MlsMessageBody`] variant. Decoding fails on a wire
/// format outside the five above; the version is checked by [`MlsMessage::validate`], so a
/// message of another version still decodes (and round-trips) and is rejected with its own
/// error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MlsMessage {
    /// The protocol version (`mls10`).
    pub version: ProtocolVersion,
    /// The message.
    pub body: MlsMessageBody,
}

/// The `select (MLSMessage.wire_format)` part of an `MLSMessage` (RFC 9420 §6).
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)]
pub enum MlsMessageBody {
    /// `mls_public_message`
    PublicMessage(PublicMessage),
    /// `mls_private_message`
    PrivateMessage(PrivateMessage),
    /// `mls_welcome`
    Welcome(Welcome),
    /// `mls_group_info`
    GroupInfo(GroupInfo),
    /// `mls_key_package`
    KeyPackage(KeyPackage),
}

impl MlsMessageBody {
    /// The wire format of this body.
    pub const fn wire_format(&self) -> WireFormat {
        match self {
            MlsMessageBody::PublicMessage(_) => WireFormat::MLS_PUBLIC_MESSAGE,
            MlsMessageBody::PrivateMessage(_) => WireFormat::MLS_PRIVATE_MESSAGE,
            MlsMessageBody::Welcome(_) => WireFormat::MLS_WELCOME,
            MlsMessageBody::GroupInfo(_) => WireFormat::MLS_GROUP_INFO,
            MlsMessageBody::KeyPackage(_) => WireFormat::MLS_KEY_PACKAGE,
        }
    }
}

impl MlsMessage {
    /// An `mls10` message.
    pub fn new(body: MlsMessageBody) -> Self {
        MlsMessage {
            version: ProtocolVersion::MLS10,
            body,
        }
    }

    /// The wire format.
    pub const fn wire_format(&self) -> WireFormat {
        self.body.wire_format()
    }

    /// Checks that the version is `mls10` ([`FramingError::UnsupportedVersion`], RFC 9420 §6).
    pub fn validate(&self) -> Result<(), Error> {
        if self.version == ProtocolVersion::MLS10 {
            Ok(())
        } else {
            Err(FramingError::UnsupportedVersion.into())
        }
    }

    /// Decodes an `MLSMessage` that must fill `bytes` exactly, and validates its version.
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        let msg: MlsMessage = crate::codec::decode_exact(bytes)?;
        msg.validate()?;
        Ok(msg)
    }

    /// The encoding.
    pub fn encode(&self) -> Result<Vec<u8>, Error> {
        self.to_bytes()
    }
}

impl Size for MlsMessage {
    fn tls_serialized_len(&self) -> usize {
        let body = match &self.body {
            MlsMessageBody::PublicMessage(m) => m.tls_serialized_len(),
            MlsMessageBody::PrivateMessage(m) => m.tls_serialized_len(),
            MlsMessageBody::Welcome(m) => m.tls_serialized_len(),
            MlsMessageBody::GroupInfo(m) => m.tls_serialized_len(),
            MlsMessageBody::KeyPackage(m) => m.tls_serialized_len(),
        };
        body.saturating_add(4)
    }
}

impl WriteTo for MlsMessage {
    fn write_to(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        out.extend_from_slice(&self.version.0.to_be_bytes());
        out.extend_from_slice(&self.wire_format().0.to_be_bytes());
        match &self.body {
            MlsMessageBody::PublicMessage(m) => m.write_to(out),
            MlsMessageBody::PrivateMessage(m) => wire::put(m, out),
            MlsMessageBody::Welcome(m) => wire::put(m, out),
            MlsMessageBody::GroupInfo(m) => wire::put(m, out),
            MlsMessageBody::KeyPackage(m) => wire::put(m, out),
        }
    }
}
serialize_via_write_to!(MlsMessage);

impl DeserializeBytes for MlsMessage {
    fn tls_deserialize_bytes(bytes: &[u8]) -> Result<(Self, &[u8]), tls_codec::Error> {
        let (version, rest) = wire::get::<ProtocolVersion>(bytes)?;
        let (wire_format, rest) = wire::get::<WireFormat>(rest)?;
        let (body, rest) = match wire_format {
            WireFormat::MLS_PUBLIC_MESSAGE => {
                let (m, rest) = wire::get(rest)?;
                (MlsMessageBody::PublicMessage(m), rest)
            }
            WireFormat::MLS_PRIVATE_MESSAGE => {
                let (m, rest) = wire::get(rest)?;
                (MlsMessageBody::PrivateMessage(m), rest)
            }
            WireFormat::MLS_WELCOME => {
                let (m, rest) = wire::get(rest)?;
                (MlsMessageBody::Welcome(m), rest)
            }
            WireFormat::MLS_GROUP_INFO => {
                let (m, rest) = wire::get(rest)?;
                (MlsMessageBody::GroupInfo(m), rest)
            }
            WireFormat::MLS_KEY_PACKAGE => {
                let (m, rest) = wire::get(rest)?;
                (MlsMessageBody::KeyPackage(m), rest)
            }
            other => return Err(wire::unknown_value(u64::from(other.0))),
        };
        Ok((MlsMessage { version, body }, rest))
    }
}
