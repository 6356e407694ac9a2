//! `PublicMessage` (RFC 9420 §6.2): signed, membership-tagged, not encrypted.

use alloc::vec::Vec;

use tls_codec::{DeserializeBytes, Size};

use super::auth::{
    AuthenticatedContent, FramedContentAuthData, FramedContentTBS, FramingContext, sign_content,
    verify_signed,
};
use super::content::{ContentType, FramedContent, Sender, WireFormat};
use super::wire::{self, WriteTo, serialize_via_write_to};
use crate::crypto::{CipherSuiteProvider, Secret, SignaturePublicKey, constant_time_eq};
use crate::error::{Error, FramingError};

/// `PublicMessage` (RFC 9420 §6.2):
///
/// ```text
/// struct {
///     FramedContent content;
///     FramedContentAuthData auth;
///     select (PublicMessage.content.sender.sender_type) {
///         case member:
///             MAC membership_tag;
///         case external:
///         case new_member_commit:
///         case new_member_proposal:
///             struct{};
///     };
/// } PublicMessage;
/// ```
///
/// Decoding accepts any content type, so that every well-formed message round-trips;
/// [`PublicMessage::unprotect`] then rejects application data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicMessage {
    /// The content.
    pub content: FramedContent,
    /// The signature and, for commits, the confirmation tag.
    pub auth: FramedContentAuthData,
    /// `MAC(membership_key, AuthenticatedContentTBM)`, present exactly for `member` senders.
    pub membership_tag: Option<Vec<u8>>,
}

/// `AuthenticatedContentTBM` (RFC 9420 §6.2), the input of the membership tag. Encode-only.
///
/// ```text
/// struct {
///   FramedContentTBS content_tbs;
///   FramedContentAuthData auth;
/// } AuthenticatedContentTBM;
/// ```
#[derive(Clone, Copy, Debug)]
pub struct AuthenticatedContentTBM<'a> {
    /// The signed content.
    pub content_tbs: FramedContentTBS<'a>,
    /// Its authentication data.
    pub auth: &'a FramedContentAuthData,
}

impl Size for AuthenticatedContentTBM<'_> {
    fn tls_serialized_len(&self) -> usize {
        self.content_tbs
            .tls_serialized_len()
            .saturating_add(self.auth.tls_serialized_len())
    }
}

impl WriteTo for AuthenticatedContentTBM<'_> {
    fn write_to(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        self.content_tbs.write_to(out)?;
        self.auth
            .write_for(self.content_tbs.content.content_type(), out)
    }
}
serialize_via_write_to!(AuthenticatedContentTBM<'_>);

/// Checks that a membership tag is present exactly for `member` senders:
/// [`FramingError::MissingMembershipTag`], [`FramingError::UnexpectedMembershipTag`].
fn check_tag_presence(sender: &Sender, tag: Option<&[u8]>) -> Result<(), Error> {
    match (sender, tag) {
        (Sender::Member(_), None) => Err(FramingError::MissingMembershipTag.into()),
        (Sender::Member(_), Some(_)) | (_, None) => Ok(()),
        (_, Some(_)) => Err(FramingError::UnexpectedMembershipTag.into()),
    }
}

/// The content checks shared by sender and receiver: no application data (RFC 9420 §6), the
/// content type allowed for the sender type (§6.1), a confirmation tag exactly for commits.
fn check_content(content: &FramedContent, auth: &FramedContentAuthData) -> Result<(), Error> {
    if content.content_type() == ContentType::Application {
        return Err(FramingError::ApplicationInPublicMessage.into());
    }
    content.check_sender_content_type()?;
    auth.check_for(content.content_type())
}

impl PublicMessage {
    /// Protects a signed `AuthenticatedContent` (wire format `mls_public_message`, with the
    /// confirmation tag set for a Commit) as a PublicMessage, adding
    /// `membership_tag = MAC(membership_key, AuthenticatedContentTBM)` for a `member` sender
    /// (RFC 9420 §6.2).
    ///
    /// Errors: [`FramingError::WireFormatMismatch`],
    /// [`FramingError::ApplicationInPublicMessage`], the sender/content-type checks of
    /// [`FramedContent::check_sender_content_type`], and the confirmation-tag presence checks.
    pub fn protect(
        cs: &dyn CipherSuiteProvider,
        content: AuthenticatedContent,
        membership_key: &Secret,
        context: &FramingContext,
    ) -> Result<Self, Error> {
        if content.wire_format != WireFormat::MLS_PUBLIC_MESSAGE {
            return Err(FramingError::WireFormatMismatch.into());
        }
        check_content(&content.content, &content.auth)?;
        let membership_tag = match content.content.sender {
            Sender::Member(_) => Some(membership_tag(cs, &content, membership_key, context)?),
            _ => None,
        };
        Ok(PublicMessage {
            content: content.content,
            auth: content.auth,
            membership_tag,
        })
    }

    /// Verifies a received PublicMessage and returns its `AuthenticatedContent` (RFC 9420
    /// §6.2). Checks, each with its own error:
    ///
    /// - group id and epoch match `context` ([`FramingError::WrongGroupId`],
    ///   [`FramingError::WrongEpoch`]);
    /// - no application data ([`FramingError::ApplicationInPublicMessage`]);
    /// - the content type is allowed for the sender type (§6.1);
    /// - a confirmation tag exactly for commits;
    /// - a membership tag exactly for members, equal to
    ///   `MAC(membership_key, AuthenticatedContentTBM)` (compared in constant time,
    ///   [`FramingError::MembershipTagMismatch`]);
    /// - `signature_key` knows the sender ([`FramingError::UnknownSender`]) and the signature
    ///   verifies with its key ([`FramingError::InvalidSignature`]).
    ///
    /// `signature_key` gets the sender and the content, since a new member's key is inside
    /// the content (the Commit's path or the Add's KeyPackage).
    pub fn unprotect(
        self,
        cs: &dyn CipherSuiteProvider,
        context: &FramingContext,
        membership_key: &Secret,
        signature_key: impl FnOnce(&Sender, &FramedContent) -> Option<SignaturePublicKey>,
    ) -> Result<AuthenticatedContent, Error> {
        self.check(cs, context, Some(membership_key), signature_key)
    }

    /// [`PublicMessage::unprotect`] for an observer that does not hold the epoch's
    /// `membership_key` (a Delivery Service following the group, RFC 9420 §6.2): every
    /// check but the value of the membership tag, whose presence is still checked. The
    /// signature, verified with the sender's key, is then all that authenticates a
    /// `member`'s message: anyone who knows a member's signature private key (and not the
    /// group's secrets) passes.
    pub fn unprotect_without_membership_key(
        self,
        cs: &dyn CipherSuiteProvider,
        context: &FramingContext,
        signature_key: impl FnOnce(&Sender, &FramedContent) -> Option<SignaturePublicKey>,
    ) -> Result<AuthenticatedContent, Error> {
        self.check(cs, context, None, signature_key)
    }

    /// The checks of [`PublicMessage::unprotect`], the membership tag's value only with
    /// `membership_key`.
    fn check(
        self,
        cs: &dyn CipherSuiteProvider,
        context: &FramingContext,
        membership_key: Option<&Secret>,
        signature_key: impl FnOnce(&Sender, &FramedContent) -> Option<SignaturePublicKey>,
    ) -> Result<AuthenticatedContent, Error> {
        context.check_group_and_epoch(&self.content.group_id, self.content.epoch)?;
        check_content(&self.content, &self.auth)?;
        check_tag_presence(&self.content.sender, self.membership_tag.as_deref())?;
        let ac = AuthenticatedContent {
            wire_format: WireFormat::MLS_PUBLIC_MESSAGE,
            content: self.content,
            auth: self.auth,
        };
        let (mut signed, start) = sign_content(&ac.tbs(context), ac.auth.tls_serialized_len())?;
        if let (Some(tag), Some(membership_key)) = (&self.membership_tag, membership_key) {
            let end = signed.len();
            ac.auth.write_for(ac.content.content_type(), &mut signed)?;
            let tbm = signed.get(start..).ok_or(Error::Encode)?;
            let expected = cs.mac(membership_key.as_bytes(), tbm)?;
            if !constant_time_eq(&expected, tag) {
                return Err(FramingError::MembershipTagMismatch.into());
            }
            signed.truncate(end);
        }
        let key =
            signature_key(&ac.content.sender, &ac.content).ok_or(FramingError::UnknownSender)?;
        verify_signed(cs, key.as_bytes(), &signed, &ac.auth.signature)?;
        Ok(ac)
    }

    /// The sender.
    pub fn sender(&self) -> &Sender {
        &self.content.sender
    }
}

/// `MAC(membership_key, AuthenticatedContentTBM)` (RFC 9420 §6.2).
pub fn membership_tag(
    cs: &dyn CipherSuiteProvider,
    content: &AuthenticatedContent,
    membership_key: &Secret,
    context: &FramingContext,
) -> Result<Vec<u8>, Error> {
    let tbm = AuthenticatedContentTBM {
        content_tbs: content.tbs(context),
        auth: &content.auth,
    };
    Ok(cs.mac(membership_key.as_bytes(), &tbm.to_bytes()?)?)
}

impl Size for PublicMessage {
    fn tls_serialized_len(&self) -> usize {
        let tag = self.membership_tag.as_deref().map_or(0, wire::opaque_len);
        self.content
            .tls_serialized_len()
            .saturating_add(self.auth.tls_serialized_len())
            .saturating_add(tag)
    }
}

impl WriteTo for PublicMessage {
    fn write_to(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        check_tag_presence(&self.content.sender, self.membership_tag.as_deref())?;
        self.content.write_to(out)?;
        self.auth.write_for(self.content.content_type(), out)?;
        if let Some(tag) = &self.membership_tag {
            wire::put_opaque(tag, out)?;
        }
        Ok(())
    }
}
serialize_via_write_to!(PublicMessage);

impl DeserializeBytes for PublicMessage {
    fn tls_deserialize_bytes(bytes: &[u8]) -> Result<(Self, &[u8]), tls_codec::Error> {
        let (content, rest) = wire::get::<FramedContent>(bytes)?;
        let (auth, rest) = FramedContentAuthData::decode(content.content_type(), rest)?;
        let (membership_tag, rest) = match content.sender {
            Sender::Member(_) => {
                let (tag, rest) = wire::get_opaque(rest)?;
                (Some(tag), rest)
            }
            _ => (None, rest),
        };
        let msg = PublicMessage {
            content,
            auth,
            membership_tag,
        };
        Ok((msg, rest))
    }
}
