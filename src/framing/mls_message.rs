//! `MLSMessage` (RFC 9420 §6): the envelope of everything MLS sends.

use alloc::vec::Vec;

use tls_codec::{DeserializeBytes, Size};

use super::content::{ContentType, WireFormat};
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

    /// The `group_id` of a PublicMessage or PrivateMessage (RFC 9420 §6.2, §6.3: sent in
    /// the clear) or of a GroupInfo's GroupContext (§12.4.3); `None` for a Welcome (its
    /// GroupInfo is encrypted, §12.4.3.1) and a KeyPackage (§10). Unauthenticated until
    /// the message is processed: for routing only.
    pub fn group_id(&self) -> Option<&[u8]> {
        match &self.body {
            MlsMessageBody::PublicMessage(m) => Some(&m.content.group_id),
            MlsMessageBody::PrivateMessage(m) => Some(&m.group_id),
            MlsMessageBody::GroupInfo(gi) => Some(&gi.group_context.group_id),
            MlsMessageBody::Welcome(_) | MlsMessageBody::KeyPackage(_) => None,
        }
    }

    /// The `epoch` of a PublicMessage or PrivateMessage (RFC 9420 §6.2, §6.3) or of a
    /// GroupInfo's GroupContext (§12.4.3); `None` for a Welcome and a KeyPackage. As
    /// [`MlsMessage::group_id`], unauthenticated until processed.
    pub fn epoch(&self) -> Option<u64> {
        match &self.body {
            MlsMessageBody::PublicMessage(m) => Some(m.content.epoch),
            MlsMessageBody::PrivateMessage(m) => Some(m.epoch),
            MlsMessageBody::GroupInfo(gi) => Some(gi.group_context.epoch),
            MlsMessageBody::Welcome(_) | MlsMessageBody::KeyPackage(_) => None,
        }
    }

    /// The content type of a PublicMessage or PrivateMessage (RFC 9420 §6: application,
    /// proposal or commit; a PrivateMessage sends it in the clear, §6.3); `None` for the
    /// other wire formats.
    pub fn content_type(&self) -> Option<ContentType> {
        match &self.body {
            MlsMessageBody::PublicMessage(m) => Some(m.content.content_type()),
            MlsMessageBody::PrivateMessage(m) => Some(m.content_type),
            _ => None,
        }
    }

    /// The KeyPackage of an `mls_key_package` message (RFC 9420 §10), else `None`.
    pub fn as_key_package(&self) -> Option<&KeyPackage> {
        match &self.body {
            MlsMessageBody::KeyPackage(kp) => Some(kp),
            _ => None,
        }
    }

    /// The Welcome of an `mls_welcome` message (RFC 9420 §12.4.3.1), else `None`.
    pub fn as_welcome(&self) -> Option<&Welcome> {
        match &self.body {
            MlsMessageBody::Welcome(w) => Some(w),
            _ => None,
        }
    }

    /// The GroupInfo of an `mls_group_info` message (RFC 9420 §12.4.3), else `None`. Its
    /// signature is not checked here.
    pub fn as_group_info(&self) -> Option<&GroupInfo> {
        match &self.body {
            MlsMessageBody::GroupInfo(gi) => Some(gi),
            _ => None,
        }
    }

    /// The PublicMessage of an `mls_public_message` message (RFC 9420 §6.2), else `None`.
    pub fn as_public_message(&self) -> Option<&PublicMessage> {
        match &self.body {
            MlsMessageBody::PublicMessage(m) => Some(m),
            _ => None,
        }
    }

    /// The PrivateMessage of an `mls_private_message` message (RFC 9420 §6.3), else `None`.
    pub fn as_private_message(&self) -> Option<&PrivateMessage> {
        match &self.body {
            MlsMessageBody::PrivateMessage(m) => Some(m),
            _ => None,
        }
    }

    /// The KeyPackage of an `mls_key_package` message (RFC 9420 §10), moved out
    /// (no copy); `None` for the other wire formats.
    pub fn into_key_package(self) -> Option<KeyPackage> {
        match self.body {
            MlsMessageBody::KeyPackage(kp) => Some(kp),
            _ => None,
        }
    }

    /// The Welcome of an `mls_welcome` message (RFC 9420 §12.4.3.1), moved out
    /// (no copy); `None` for the other wire formats.
    pub fn into_welcome(self) -> Option<Welcome> {
        match self.body {
            MlsMessageBody::Welcome(w) => Some(w),
            _ => None,
        }
    }

    /// The GroupInfo of an `mls_group_info` message (RFC 9420 §12.4.3), moved out
    /// (no copy); `None` for the other wire formats.
    pub fn into_group_info(self) -> Option<GroupInfo> {
        match self.body {
            MlsMessageBody::GroupInfo(gi) => Some(gi),
            _ => None,
        }
    }
}

impl From<KeyPackage> for MlsMessage {
    /// An `mls_key_package` message (RFC 9420 §6, §10).
    fn from(kp: KeyPackage) -> Self {
        MlsMessage::new(MlsMessageBody::KeyPackage(kp))
    }
}

impl From<Welcome> for MlsMessage {
    /// An `mls_welcome` message (RFC 9420 §6, §12.4.3.1).
    fn from(w: Welcome) -> Self {
        MlsMessage::new(MlsMessageBody::Welcome(w))
    }
}

impl From<GroupInfo> for MlsMessage {
    /// An `mls_group_info` message (RFC 9420 §6, §12.4.3).
    fn from(gi: GroupInfo) -> Self {
        MlsMessage::new(MlsMessageBody::GroupInfo(gi))
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

#[cfg(all(test, feature = "rust-crypto"))]
mod tests {
    use alloc::sync::Arc;
    use alloc::vec::Vec;

    use super::{MlsMessage, MlsMessageBody};
    use crate::crypto::rust_crypto::RustCrypto;
    use crate::crypto::{CipherSuite, CryptoProvider};
    use crate::framing::{ContentType, WireFormat};
    use crate::group::{CommitOptions, Group, GroupConfig, GroupInfoOptions, SigningIdentity};
    use crate::messages::{Credential, KeyPackage, Lifetime};

    const SUITE: CipherSuite = CipherSuite(1);

    /// One message of each wire format, round-tripped through bytes: a KeyPackage, the
    /// Welcome and (public) Commit that add it, a GroupInfo and an application message of
    /// epoch 1 of group `acc`.
    struct Messages {
        key_package: (KeyPackage, MlsMessage),
        welcome: MlsMessage,
        commit: MlsMessage,
        group_info: MlsMessage,
        application: MlsMessage,
    }

    fn wire(m: &MlsMessage) -> MlsMessage {
        MlsMessage::decode(&m.encode().unwrap()).unwrap()
    }

    fn messages() -> Messages {
        let p: Arc<dyn CryptoProvider> = Arc::new(RustCrypto::new());
        let cs = p.suite(SUITE).unwrap();
        let id = |n: &[u8]| SigningIdentity::generate(cs, Credential::Basic(n.to_vec())).unwrap();
        let forever = Lifetime {
            not_before: 0,
            not_after: u64::MAX,
        };
        let bob = id(b"bob").key_package(cs, forever).unwrap();
        let config = GroupConfig::default();
        let mut g = Group::create(p.clone(), SUITE, b"acc".to_vec(), id(b"alice"), config).unwrap();
        let kp = bob.key_package.clone();
        let out = g
            .commit(CommitOptions::default().add_member(kp.clone()))
            .unwrap();
        g.merge_pending_commit().unwrap();
        Messages {
            key_package: (kp.clone(), wire(&MlsMessage::from(kp))),
            welcome: wire(&out.welcome.unwrap()),
            commit: wire(&out.commit),
            group_info: wire(&g.group_info(GroupInfoOptions::default()).unwrap()),
            application: wire(&g.encrypt_application(b"hi", b"").unwrap()),
        }
    }

    #[test]
    fn as_and_into_pick_their_wire_format_only() {
        let m = messages();
        let (kp, kp_msg) = &m.key_package;
        assert_eq!(kp_msg.wire_format(), WireFormat::MLS_KEY_PACKAGE);
        assert_eq!(kp_msg.as_key_package(), Some(kp));
        assert!(kp_msg.as_welcome().is_none() && kp_msg.as_group_info().is_none());
        assert_eq!(kp_msg.clone().into_key_package().as_ref(), Some(kp));
        assert!(kp_msg.clone().into_welcome().is_none());

        assert_eq!(m.welcome.wire_format(), WireFormat::MLS_WELCOME);
        let w = m.welcome.as_welcome().unwrap();
        assert_eq!(w.cipher_suite, SUITE);
        assert_eq!(m.welcome.clone().into_welcome().as_ref(), Some(w));
        assert!(m.welcome.as_key_package().is_none());
        assert!(m.welcome.clone().into_group_info().is_none());

        assert_eq!(m.group_info.wire_format(), WireFormat::MLS_GROUP_INFO);
        let gi = m.group_info.as_group_info().unwrap();
        assert_eq!(gi.group_context.group_id, b"acc");
        assert_eq!(m.group_info.clone().into_group_info().as_ref(), Some(gi));
        assert!(m.group_info.clone().into_key_package().is_none());

        assert!(m.commit.as_public_message().is_some());
        assert!(m.commit.as_private_message().is_none());
        assert!(m.application.as_private_message().is_some());
        assert!(m.application.as_public_message().is_none());
        for msg in [&m.commit, &m.application] {
            assert!(msg.as_key_package().is_none());
            assert!(msg.as_welcome().is_none());
            assert!(msg.as_group_info().is_none());
        }
    }

    #[test]
    fn group_id_and_epoch_of_each_wire_format() {
        let m = messages();
        // The Commit was sent in epoch 0; the GroupInfo and application message are of the
        // epoch it created.
        let check = |msg: &MlsMessage, group_id: Option<&[u8]>, epoch: Option<u64>| {
            assert_eq!(msg.group_id(), group_id, "{:?}", msg.wire_format());
            assert_eq!(msg.epoch(), epoch, "{:?}", msg.wire_format());
        };
        check(&m.key_package.1, None, None);
        check(&m.welcome, None, None);
        check(&m.commit, Some(&b"acc"[..]), Some(0));
        check(&m.group_info, Some(&b"acc"[..]), Some(1));
        check(&m.application, Some(&b"acc"[..]), Some(1));
    }

    #[test]
    fn content_type_of_framed_messages_only() {
        let m = messages();
        assert_eq!(m.commit.content_type(), Some(ContentType::Commit));
        assert_eq!(m.application.content_type(), Some(ContentType::Application));
        let others: Vec<&MlsMessage> = vec![&m.key_package.1, &m.welcome, &m.group_info];
        for msg in others {
            assert_eq!(msg.content_type(), None);
        }
    }

    #[test]
    fn from_builds_the_matching_body() {
        let m = messages();
        let gi = m.group_info.as_group_info().unwrap().clone();
        let w = m.welcome.as_welcome().unwrap().clone();
        assert_eq!(MlsMessage::from(gi), m.group_info);
        assert_eq!(MlsMessage::from(w), m.welcome);
        assert!(matches!(
            MlsMessage::from(m.key_package.0.clone()).body,
            MlsMessageBody::KeyPackage(_)
        ));
    }
}
