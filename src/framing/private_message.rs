//! `PrivateMessage` (RFC 9420 §6.3): signed and encrypted with keys from the secret tree.

use alloc::vec::Vec;

use tls_codec::{Size, TlsDeserializeBytes, TlsSerializeBytes, TlsSize};
use zeroize::Zeroizing;

use super::auth::{AuthenticatedContent, FramedContentAuthData, FramingContext};
use super::content::{ContentType, FramedContent, FramedContentBody, Sender, WireFormat};
use super::padding::{PaddingPolicy, is_zero_padding};
use super::wire::{self, WriteTo, serialize_via_write_to};
use crate::codec;
use crate::crypto::{CipherSuiteProvider, Secret, SignaturePublicKey};
use crate::error::{Error, FramingError};
use crate::key_schedule::sender_data_key_nonce;
use crate::secret_tree::{ContentKind, SecretTree};
use crate::tree_math::LeafIndex;

/// `PrivateMessage` (RFC 9420 §6.3):
///
/// ```text
/// struct {
///     opaque group_id<V>;
///     uint64 epoch;
///     ContentType content_type;
///     opaque authenticated_data<V>;
///     opaque encrypted_sender_data<V>;
///     opaque ciphertext<V>;
/// } PrivateMessage;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub struct PrivateMessage {
    /// The group.
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub group_id: Vec<u8>,
    /// The epoch.
    pub epoch: u64,
    /// The content type of the encrypted content.
    pub content_type: ContentType,
    /// Application-chosen authenticated data.
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub authenticated_data: Vec<u8>,
    /// The encrypted `SenderData`.
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub encrypted_sender_data: Vec<u8>,
    /// The encrypted `PrivateMessageContent`.
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub ciphertext: Vec<u8>,
}

/// `SenderData` (RFC 9420 §6.3.2):
///
/// ```text
/// struct {
///     uint32 leaf_index;
///     uint32 generation;
///     opaque reuse_guard[4];
/// } SenderData;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub struct SenderData {
    /// The sender's leaf.
    pub leaf_index: LeafIndex,
    /// The generation of the sender's ratchet used for the content.
    pub generation: u32,
    /// XORed into the first four bytes of the content nonce.
    pub reuse_guard: [u8; 4],
}

/// `SenderDataAAD` (RFC 9420 §6.3.2), the AAD of the sender-data encryption. Encode-only.
///
/// ```text
/// struct {
///     opaque group_id<V>;
///     uint64 epoch;
///     ContentType content_type;
/// } SenderDataAAD;
/// ```
#[derive(Clone, Copy, Debug)]
pub struct SenderDataAAD<'a> {
    /// The group.
    pub group_id: &'a [u8],
    /// The epoch.
    pub epoch: u64,
    /// The content type.
    pub content_type: ContentType,
}

impl Size for SenderDataAAD<'_> {
    fn tls_serialized_len(&self) -> usize {
        wire::opaque_len(self.group_id).saturating_add(9)
    }
}

impl WriteTo for SenderDataAAD<'_> {
    fn write_to(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        wire::put_opaque(self.group_id, out)?;
        out.extend_from_slice(&self.epoch.to_be_bytes());
        self.content_type.write_to(out)
    }
}
serialize_via_write_to!(SenderDataAAD<'_>);

/// `PrivateContentAAD` (RFC 9420 §6.3.1), the AAD of the content encryption. Encode-only.
///
/// ```text
/// struct {
///     opaque group_id<V>;
///     uint64 epoch;
///     ContentType content_type;
///     opaque authenticated_data<V>;
/// } PrivateContentAAD;
/// ```
#[derive(Clone, Copy, Debug)]
pub struct PrivateContentAAD<'a> {
    /// The group.
    pub group_id: &'a [u8],
    /// The epoch.
    pub epoch: u64,
    /// The content type.
    pub content_type: ContentType,
    /// The authenticated data.
    pub authenticated_data: &'a [u8],
}

impl Size for PrivateContentAAD<'_> {
    fn tls_serialized_len(&self) -> usize {
        wire::opaque_len(self.group_id)
            .saturating_add(9)
            .saturating_add(wire::opaque_len(self.authenticated_data))
    }
}

impl WriteTo for PrivateContentAAD<'_> {
    fn write_to(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        wire::put_opaque(self.group_id, out)?;
        out.extend_from_slice(&self.epoch.to_be_bytes());
        self.content_type.write_to(out)?;
        wire::put_opaque(self.authenticated_data, out)
    }
}
serialize_via_write_to!(PrivateContentAAD<'_>);

/// `PrivateMessageContent` (RFC 9420 §6.3.1), the plaintext of `PrivateMessage.ciphertext`:
///
/// ```text
/// struct {
///     select (PrivateMessage.content_type) {
///         case application:
///           opaque application_data<V>;
///         case proposal:
///           Proposal proposal;
///         case commit:
///           Commit commit;
///     };
///
///     FramedContentAuthData auth;
///     opaque padding[length_of_padding];
/// } PrivateMessageContent;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrivateMessageContent {
    /// The content.
    pub body: FramedContentBody,
    /// The signature and, for commits, the confirmation tag.
    pub auth: FramedContentAuthData,
    /// The number of zero padding bytes.
    pub padding: usize,
}

impl PrivateMessageContent {
    /// Decodes a decrypted plaintext of content type `content_type`: the content, the auth
    /// data, then padding that must be all zeros ([`FramingError::NonZeroPadding`]).
    pub fn decode(content_type: ContentType, plaintext: &[u8]) -> Result<Self, Error> {
        let (body, rest) = FramedContentBody::decode_body(content_type, plaintext)?;
        let (auth, padding) = FramedContentAuthData::decode(content_type, rest)?;
        if !is_zero_padding(padding) {
            return Err(FramingError::NonZeroPadding.into());
        }
        Ok(PrivateMessageContent {
            body,
            auth,
            padding: padding.len(),
        })
    }
}

impl Size for PrivateMessageContent {
    fn tls_serialized_len(&self) -> usize {
        self.body
            .body_len()
            .saturating_add(self.auth.tls_serialized_len())
            .saturating_add(self.padding)
    }
}

impl WriteTo for PrivateMessageContent {
    fn write_to(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        write_plaintext(&self.body, &self.auth, self.padding, out)
    }
}
serialize_via_write_to!(PrivateMessageContent);

fn write_plaintext(
    body: &FramedContentBody,
    auth: &FramedContentAuthData,
    padding: usize,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    body.write_body(out)?;
    auth.write_for(body.content_type(), out)?;
    out.resize(out.len().saturating_add(padding), 0);
    Ok(())
}

fn ratchet(content_type: ContentType) -> ContentKind {
    if content_type.is_handshake() {
        ContentKind::Handshake
    } else {
        ContentKind::Application
    }
}

/// The content nonce: the first four bytes of the ratchet nonce XOR the reuse guard
/// (RFC 9420 §6.3.1).
fn guarded_nonce(nonce: &Secret, reuse_guard: [u8; 4]) -> Zeroizing<Vec<u8>> {
    let mut n = Zeroizing::new(nonce.as_bytes().to_vec());
    for (b, g) in n.iter_mut().zip(reuse_guard) {
        *b ^= g;
    }
    n
}

impl PrivateMessage {
    /// Protects a signed `AuthenticatedContent` (wire format `mls_private_message`, sender a
    /// member, confirmation tag set for a Commit) as a PrivateMessage (RFC 9420 §6.3):
    /// takes the next key of the sender's handshake or application ratchet, XORs a fresh
    /// random reuse guard into the nonce, encrypts the padded content, then encrypts the
    /// `SenderData` with the key and nonce derived from `sender_data_secret` and a sample of
    /// the ciphertext.
    ///
    /// Errors: [`FramingError::WireFormatMismatch`], [`FramingError::SenderNotMember`], the
    /// confirmation-tag presence checks, and secret-tree errors.
    pub fn protect(
        cs: &dyn CipherSuiteProvider,
        content: &AuthenticatedContent,
        secret_tree: &mut SecretTree,
        sender_data_secret: &Secret,
        padding: PaddingPolicy,
    ) -> Result<Self, Error> {
        if content.wire_format != WireFormat::MLS_PRIVATE_MESSAGE {
            return Err(FramingError::WireFormatMismatch.into());
        }
        let Sender::Member(leaf_index) = content.content.sender else {
            return Err(FramingError::SenderNotMember.into());
        };
        let fc = &content.content;
        let content_type = fc.content_type();
        content.auth.check_for(content_type)?;

        let (generation, key) = secret_tree.next_key(cs, leaf_index, ratchet(content_type))?;
        let mut reuse_guard = [0u8; 4];
        cs.random_bytes(&mut reuse_guard)?;
        let nonce = guarded_nonce(&key.nonce, reuse_guard);

        let len = fc
            .body
            .body_len()
            .saturating_add(content.auth.tls_serialized_len());
        let pad = padding.padding_len(len);
        let mut plaintext = Zeroizing::new(Vec::with_capacity(len.saturating_add(pad)));
        write_plaintext(&fc.body, &content.auth, pad, &mut plaintext)?;
        let aad = PrivateContentAAD {
            group_id: &fc.group_id,
            epoch: fc.epoch,
            content_type,
            authenticated_data: &fc.authenticated_data,
        }
        .to_bytes()?;
        let ciphertext = cs.aead_seal(key.key.as_bytes(), &nonce, &aad, &plaintext)?;

        let sender_data = SenderData {
            leaf_index,
            generation,
            reuse_guard,
        };
        let sender_data_aad = SenderDataAAD {
            group_id: &fc.group_id,
            epoch: fc.epoch,
            content_type,
        }
        .to_bytes()?;
        let (sd_key, sd_nonce) = sender_data_key_nonce(cs, sender_data_secret, &ciphertext)?;
        let encrypted_sender_data = cs.aead_seal(
            sd_key.as_bytes(),
            sd_nonce.as_bytes(),
            &sender_data_aad,
            &codec::encode(&sender_data)?,
        )?;
        Ok(PrivateMessage {
            group_id: fc.group_id.clone(),
            epoch: fc.epoch,
            content_type,
            authenticated_data: fc.authenticated_data.clone(),
            encrypted_sender_data,
            ciphertext,
        })
    }

    /// Decrypts and verifies a received PrivateMessage and returns its
    /// `AuthenticatedContent` (RFC 9420 §6.3). In order:
    ///
    /// 1. group id and epoch match `context` ([`FramingError::WrongGroupId`],
    ///    [`FramingError::WrongEpoch`]);
    /// 2. the `SenderData` decrypts and decodes exactly;
    /// 3. `signature_key` knows the sender's leaf, i.e. it is a non-blank leaf of the tree
    ///    ([`FramingError::UnknownSender`]);
    /// 4. the secret tree has the key of that generation (window errors are
    ///    [`crate::SecretTreeError`]); the key is only staged here;
    /// 5. the content decrypts, decodes, and its padding is all zeros
    ///    ([`FramingError::NonZeroPadding`]);
    /// 6. the signature verifies ([`FramingError::InvalidSignature`]);
    /// 7. only then is the key consumed (RFC 9420 §9.2): the ratchet moves on and the key is
    ///    deleted.
    ///
    /// On any error `secret_tree` is left exactly as it was, so a forged or corrupted
    /// message never burns a key and the genuine message can still be opened.
    pub fn unprotect(
        self,
        cs: &dyn CipherSuiteProvider,
        context: &FramingContext,
        secret_tree: &mut SecretTree,
        sender_data_secret: &Secret,
        signature_key: impl FnOnce(LeafIndex) -> Option<SignaturePublicKey>,
    ) -> Result<AuthenticatedContent, Error> {
        context.check_group_and_epoch(&self.group_id, self.epoch)?;
        let content_type = self.content_type;
        let sender_data = self.sender_data(cs, sender_data_secret)?;
        let key = signature_key(sender_data.leaf_index).ok_or(FramingError::UnknownSender)?;

        // The key is only staged: a message that fails to decrypt, decode or verify must not
        // consume it (§9.2), or anyone holding the sender-data secret could burn the keys of
        // other senders. Dropping `staged` on an error leaves the tree unchanged.
        let staged = secret_tree.stage_key(
            cs,
            sender_data.leaf_index,
            ratchet(content_type),
            sender_data.generation,
        )?;
        let ratchet_key = staged.key();
        let nonce = guarded_nonce(&ratchet_key.nonce, sender_data.reuse_guard);
        let aad = PrivateContentAAD {
            group_id: &self.group_id,
            epoch: self.epoch,
            content_type,
            authenticated_data: &self.authenticated_data,
        }
        .to_bytes()?;
        let plaintext = cs.aead_open(ratchet_key.key.as_bytes(), &nonce, &aad, &self.ciphertext)?;
        let decoded = PrivateMessageContent::decode(content_type, plaintext.as_bytes())?;

        let ac = AuthenticatedContent {
            wire_format: WireFormat::MLS_PRIVATE_MESSAGE,
            content: FramedContent {
                group_id: self.group_id,
                epoch: self.epoch,
                sender: Sender::Member(sender_data.leaf_index),
                authenticated_data: self.authenticated_data,
                body: decoded.body,
            },
            auth: decoded.auth,
        };
        ac.verify_signature(cs, key.as_bytes(), context)?;
        // Authenticated: now the key is consumed (and deleted).
        staged.commit()?;
        Ok(ac)
    }

    /// Decrypts and decodes the `SenderData` (RFC 9420 §6.3.2).
    pub fn sender_data(
        &self,
        cs: &dyn CipherSuiteProvider,
        sender_data_secret: &Secret,
    ) -> Result<SenderData, Error> {
        let (sd_key, sd_nonce) = sender_data_key_nonce(cs, sender_data_secret, &self.ciphertext)?;
        let aad = SenderDataAAD {
            group_id: &self.group_id,
            epoch: self.epoch,
            content_type: self.content_type,
        }
        .to_bytes()?;
        let plain = cs.aead_open(
            sd_key.as_bytes(),
            sd_nonce.as_bytes(),
            &aad,
            &self.encrypted_sender_data,
        )?;
        codec::decode_exact(plain.as_bytes())
    }
}
