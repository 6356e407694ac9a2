//! Content authentication (RFC 9420 §6.1): `FramedContentTBS`, `FramedContentAuthData`,
//! `AuthenticatedContent`, and the signature over the content.

use alloc::vec::Vec;

use tls_codec::{DeserializeBytes, Size};

use super::content::{ContentType, FramedContent, WireFormat};
use super::wire::{self, WriteTo, serialize_via_write_to};
use crate::codec::write_varint;
use crate::crypto::labels::LABEL_PREFIX;
use crate::crypto::{CipherSuiteProvider, SignaturePrivateKey, Signer};
use crate::error::{Error, FramingError};
use crate::messages::{GroupContext, ProtocolVersion};

/// The `SignWithLabel` label of the content signature (RFC 9420 §6.1).
const TBS_LABEL: &[u8] = b"FramedContentTBS";

/// The group state a message is sent or received in: the `GroupContext` of the current epoch
/// and its encoding, computed once per epoch (RFC 9420 §6.1, §8.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FramingContext {
    group_context: GroupContext,
    encoded: Vec<u8>,
}

impl FramingContext {
    /// Encodes `group_context` once for the epoch.
    pub fn new(group_context: GroupContext) -> Result<Self, Error> {
        let encoded = group_context.encode()?;
        Ok(FramingContext {
            group_context,
            encoded,
        })
    }

    /// The `GroupContext`.
    pub fn group_context(&self) -> &GroupContext {
        &self.group_context
    }

    /// The encoded `GroupContext`.
    pub fn encoded(&self) -> &[u8] {
        &self.encoded
    }

    /// The group id.
    pub fn group_id(&self) -> &[u8] {
        &self.group_context.group_id
    }

    /// The epoch.
    pub fn epoch(&self) -> u64 {
        self.group_context.epoch
    }

    /// Checks a received message's group id ([`FramingError::WrongGroupId`]) and epoch
    /// ([`FramingError::WrongEpoch`]) against this context (RFC 9420 §6).
    pub fn check_group_and_epoch(&self, group_id: &[u8], epoch: u64) -> Result<(), Error> {
        if group_id != self.group_id() {
            return Err(FramingError::WrongGroupId.into());
        }
        if epoch != self.epoch() {
            return Err(FramingError::WrongEpoch.into());
        }
        Ok(())
    }
}

/// `FramedContentTBS` (RFC 9420 §6.1), the signed content. Encode-only: a receiver rebuilds it
/// from the message and its own `GroupContext`.
///
/// ```text
/// struct {
///     ProtocolVersion version = mls10;
///     WireFormat wire_format;
///     FramedContent content;
///     select (FramedContentTBS.content.sender.sender_type) {
///         case member:
///         case new_member_commit:
///             GroupContext context;
///         case external:
///         case new_member_proposal:
///             struct{};
///     };
/// } FramedContentTBS;
/// ```
#[derive(Clone, Copy, Debug)]
pub struct FramedContentTBS<'a> {
    /// The wire format the content is sent in.
    pub wire_format: WireFormat,
    /// The content.
    pub content: &'a FramedContent,
    /// The encoded `GroupContext` (used only for `member` and `new_member_commit` senders).
    pub context: &'a [u8],
}

impl FramedContentTBS<'_> {
    fn context(&self) -> &[u8] {
        if self.content.sender.signs_group_context() {
            self.context
        } else {
            &[]
        }
    }
}

impl Size for FramedContentTBS<'_> {
    fn tls_serialized_len(&self) -> usize {
        4usize
            .saturating_add(self.content.tls_serialized_len())
            .saturating_add(self.context().len())
    }
}

impl WriteTo for FramedContentTBS<'_> {
    fn write_to(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        out.extend_from_slice(&ProtocolVersion::MLS10.0.to_be_bytes());
        out.extend_from_slice(&self.wire_format.0.to_be_bytes());
        self.content.write_to(out)?;
        out.extend_from_slice(self.context());
        Ok(())
    }
}
serialize_via_write_to!(FramedContentTBS<'_>);

/// The `SignContent` of the content signature, built in one buffer with room for the
/// `FramedContentAuthData` that the membership tag also covers. Returns the buffer and the
/// offset at which `FramedContentTBS` starts.
pub(crate) fn sign_content(
    tbs: &FramedContentTBS<'_>,
    extra: usize,
) -> Result<(Vec<u8>, usize), Error> {
    let tbs_len = tbs.tls_serialized_len();
    let label_len = LABEL_PREFIX.len().saturating_add(TBS_LABEL.len());
    let cap = tbs_len
        .saturating_add(label_len)
        .saturating_add(8)
        .saturating_add(extra);
    let mut out = Vec::with_capacity(cap);
    write_varint(label_len, &mut out)?;
    out.extend_from_slice(LABEL_PREFIX);
    out.extend_from_slice(TBS_LABEL);
    write_varint(tbs_len, &mut out)?;
    let start = out.len();
    tbs.write_to(&mut out)?;
    Ok((out, start))
}

/// `FramedContentAuthData` (RFC 9420 §6.1):
///
/// ```text
/// opaque MAC<V>;
///
/// struct {
///     /* SignWithLabel(., "FramedContentTBS", FramedContentTBS) */
///     opaque signature<V>;
///     select (FramedContent.content_type) {
///         case commit:
///             /*
///               MAC(confirmation_key,
///                   GroupContext.confirmed_transcript_hash)
///             */
///             MAC confirmation_tag;
///         case application:
///         case proposal:
///             struct{};
///     };
/// } FramedContentAuthData;
/// ```
///
/// Its encoding depends on the content type, so it is decoded with
/// [`FramedContentAuthData::decode`] rather than on its own.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FramedContentAuthData {
    /// The signature over `FramedContentTBS`.
    pub signature: Vec<u8>,
    /// The confirmation tag, present exactly for commits.
    pub confirmation_tag: Option<Vec<u8>>,
}

impl FramedContentAuthData {
    /// Checks that the confirmation tag is present exactly for commits:
    /// [`FramingError::MissingConfirmationTag`], [`FramingError::UnexpectedConfirmationTag`].
    pub fn check_for(&self, content_type: ContentType) -> Result<(), Error> {
        match (content_type, &self.confirmation_tag) {
            (ContentType::Commit, None) => Err(FramingError::MissingConfirmationTag.into()),
            (ContentType::Commit, Some(_)) | (_, None) => Ok(()),
            (_, Some(_)) => Err(FramingError::UnexpectedConfirmationTag.into()),
        }
    }

    /// Appends the encoding for content type `content_type` (after [`Self::check_for`]).
    pub fn write_for(&self, content_type: ContentType, out: &mut Vec<u8>) -> Result<(), Error> {
        self.check_for(content_type)?;
        wire::put_opaque(&self.signature, out)?;
        if let Some(tag) = &self.confirmation_tag {
            wire::put_opaque(tag, out)?;
        }
        Ok(())
    }

    /// Decodes the `FramedContentAuthData` of content of type `content_type`.
    pub fn decode(
        content_type: ContentType,
        bytes: &[u8],
    ) -> Result<(Self, &[u8]), tls_codec::Error> {
        let (signature, rest) = wire::get_opaque(bytes)?;
        let (confirmation_tag, rest) = match content_type {
            ContentType::Commit => {
                let (tag, rest) = wire::get_opaque(rest)?;
                (Some(tag), rest)
            }
            ContentType::Application | ContentType::Proposal => (None, rest),
        };
        let auth = FramedContentAuthData {
            signature,
            confirmation_tag,
        };
        Ok((auth, rest))
    }
}

impl Size for FramedContentAuthData {
    fn tls_serialized_len(&self) -> usize {
        let tag = self.confirmation_tag.as_deref().map_or(0, wire::opaque_len);
        wire::opaque_len(&self.signature).saturating_add(tag)
    }
}

/// `AuthenticatedContent` (RFC 9420 §6):
///
/// ```text
/// struct {
///     WireFormat wire_format;
///     FramedContent content;
///     FramedContentAuthData auth;
/// } AuthenticatedContent;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthenticatedContent {
    /// The wire format the content is (to be) sent in.
    pub wire_format: WireFormat,
    /// The content.
    pub content: FramedContent,
    /// The signature and, for commits, the confirmation tag.
    pub auth: FramedContentAuthData,
}

impl AuthenticatedContent {
    /// Signs `content` for sending as `wire_format`:
    /// `signature = SignWithLabel(signer, "FramedContentTBS", FramedContentTBS)` (RFC 9420
    /// §6.1). The confirmation tag of a Commit depends on the signature (§8.2): the caller sets
    /// `auth.confirmation_tag` afterwards (see [`crate::transcript`]).
    pub fn sign(
        cs: &dyn CipherSuiteProvider,
        wire_format: WireFormat,
        content: FramedContent,
        signer: &SignaturePrivateKey,
        context: &FramingContext,
    ) -> Result<Self, Error> {
        let tbs = FramedContentTBS {
            wire_format,
            content: &content,
            context: context.encoded(),
        };
        let (to_sign, _) = sign_content(&tbs, 0)?;
        let signature = cs.sign(signer, &to_sign)?;
        Ok(AuthenticatedContent {
            wire_format,
            content,
            auth: FramedContentAuthData {
                signature,
                confirmation_tag: None,
            },
        })
    }

    /// [`AuthenticatedContent::sign`] by a [`Signer`], which signs the encoded `SignContent`
    /// of `FramedContentTBS` (RFC 9420 §5.1.2, §6.1).
    pub fn sign_by(
        wire_format: WireFormat,
        content: FramedContent,
        signer: &dyn Signer,
        context: &FramingContext,
    ) -> Result<Self, Error> {
        let tbs = FramedContentTBS {
            wire_format,
            content: &content,
            context: context.encoded(),
        };
        let (to_sign, _) = sign_content(&tbs, 0)?;
        let signature = signer.sign(&to_sign)?;
        Ok(AuthenticatedContent {
            wire_format,
            content,
            auth: FramedContentAuthData {
                signature,
                confirmation_tag: None,
            },
        })
    }

    /// Verifies the content signature with the sender's `public_key`
    /// ([`FramingError::InvalidSignature`]), RFC 9420 §6.1.
    pub fn verify_signature(
        &self,
        cs: &dyn CipherSuiteProvider,
        public_key: &[u8],
        context: &FramingContext,
    ) -> Result<(), Error> {
        let (signed, _) = sign_content(&self.tbs(context), 0)?;
        verify_signed(cs, public_key, &signed, &self.auth.signature)
    }

    /// The `FramedContentTBS` of this content in `context`.
    pub fn tbs<'a>(&'a self, context: &'a FramingContext) -> FramedContentTBS<'a> {
        FramedContentTBS {
            wire_format: self.wire_format,
            content: &self.content,
            context: context.encoded(),
        }
    }
}

/// Verifies a signature over a prepared `SignContent`.
pub(crate) fn verify_signed(
    cs: &dyn CipherSuiteProvider,
    public_key: &[u8],
    sign_content: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    cs.verify(public_key, sign_content, signature)
        .map_err(|_| FramingError::InvalidSignature.into())
}

impl Size for AuthenticatedContent {
    fn tls_serialized_len(&self) -> usize {
        2usize
            .saturating_add(self.content.tls_serialized_len())
            .saturating_add(self.auth.tls_serialized_len())
    }
}

impl WriteTo for AuthenticatedContent {
    fn write_to(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        out.extend_from_slice(&self.wire_format.0.to_be_bytes());
        self.content.write_to(out)?;
        self.auth.write_for(self.content.content_type(), out)
    }
}
serialize_via_write_to!(AuthenticatedContent);

impl DeserializeBytes for AuthenticatedContent {
    fn tls_deserialize_bytes(bytes: &[u8]) -> Result<(Self, &[u8]), tls_codec::Error> {
        let (wire_format, rest) = wire::get::<WireFormat>(bytes)?;
        let (content, rest) = wire::get::<FramedContent>(rest)?;
        let (auth, rest) = FramedContentAuthData::decode(content.content_type(), rest)?;
        let ac = AuthenticatedContent {
            wire_format,
            content,
            auth,
        };
        Ok((ac, rest))
    }
}
