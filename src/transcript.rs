//! Transcript hashes (RFC 9420 §8.2) and the confirmation tag (§6.1).
//!
//! ```text
//! confirmed_transcript_hash_[epoch] =
//!     Hash(interim_transcript_hash_[epoch - 1] ||
//!         ConfirmedTranscriptHashInput_[epoch]);
//!
//! interim_transcript_hash_[epoch] =
//!     Hash(confirmed_transcript_hash_[epoch] ||
//!         InterimTranscriptHashInput_[epoch]);
//!
//! confirmation_tag = MAC(confirmation_key, confirmed_transcript_hash)
//! ```
//!
//! `ConfirmedTranscriptHashInput` is exactly the encoding of an `AuthenticatedContent`
//! without its trailing confirmation tag, so the update encodes the Commit once, straight
//! into the hash input.

use alloc::vec::Vec;

use tls_codec::{DeserializeBytes, Size};

use crate::crypto::{CipherSuiteProvider, Secret, constant_time_eq};
use crate::error::{Error, FramingError};
use crate::framing::wire::{self, WriteTo, serialize_via_write_to};
use crate::framing::{AuthenticatedContent, ContentType, FramedContent, WireFormat};

/// `ConfirmedTranscriptHashInput` (RFC 9420 §8.2):
///
/// ```text
/// struct {
///     WireFormat wire_format;
///     FramedContent content; /* with content_type == commit */
///     opaque signature<V>;
/// } ConfirmedTranscriptHashInput;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfirmedTranscriptHashInput {
    /// The wire format the Commit was sent in.
    pub wire_format: WireFormat,
    /// The Commit's content.
    pub content: FramedContent,
    /// The Commit's signature.
    pub signature: Vec<u8>,
}

impl Size for ConfirmedTranscriptHashInput {
    fn tls_serialized_len(&self) -> usize {
        2usize
            .saturating_add(self.content.tls_serialized_len())
            .saturating_add(wire::opaque_len(&self.signature))
    }
}

impl WriteTo for ConfirmedTranscriptHashInput {
    fn write_to(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        write_confirmed_input(self.wire_format, &self.content, &self.signature, out)
    }
}
serialize_via_write_to!(ConfirmedTranscriptHashInput);

impl DeserializeBytes for ConfirmedTranscriptHashInput {
    fn tls_deserialize_bytes(bytes: &[u8]) -> Result<(Self, &[u8]), tls_codec::Error> {
        let (wire_format, rest) = wire::get::<WireFormat>(bytes)?;
        let (content, rest) = wire::get::<FramedContent>(rest)?;
        if content.content_type() != ContentType::Commit {
            return Err(wire::unknown_value(content.content_type() as u64));
        }
        let (signature, rest) = wire::get_opaque(rest)?;
        let input = ConfirmedTranscriptHashInput {
            wire_format,
            content,
            signature,
        };
        Ok((input, rest))
    }
}

fn write_confirmed_input(
    wire_format: WireFormat,
    content: &FramedContent,
    signature: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    if content.content_type() != ContentType::Commit {
        return Err(FramingError::NotACommit.into());
    }
    out.extend_from_slice(&wire_format.0.to_be_bytes());
    content.write_to(out)?;
    wire::put_opaque(signature, out)
}

/// `InterimTranscriptHashInput` (RFC 9420 §8.2):
///
/// ```text
/// struct {
///     MAC confirmation_tag;
/// } InterimTranscriptHashInput;
/// ```
#[derive(
    Clone,
    Debug,
    PartialEq,
    Eq,
    tls_codec::TlsSize,
    tls_codec::TlsSerializeBytes,
    tls_codec::TlsDeserializeBytes,
)]
pub struct InterimTranscriptHashInput {
    /// The Commit's confirmation tag.
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub confirmation_tag: Vec<u8>,
}

/// The two transcript hashes of an epoch (RFC 9420 §8.2).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TranscriptHashes {
    /// `confirmed_transcript_hash`, which goes into the `GroupContext`.
    pub confirmed: Vec<u8>,
    /// `interim_transcript_hash`, the input of the next Commit's confirmed hash.
    pub interim: Vec<u8>,
}

/// `confirmed_transcript_hash = Hash(interim_transcript_hash_prev ||
/// ConfirmedTranscriptHashInput)` for a Commit's `AuthenticatedContent` (RFC 9420 §8.2).
/// The confirmation tag is not needed (and may be unset). Fails with
/// [`FramingError::NotACommit`] for other content.
pub fn confirmed_transcript_hash(
    cs: &dyn CipherSuiteProvider,
    interim_prev: &[u8],
    commit: &AuthenticatedContent,
) -> Result<Vec<u8>, Error> {
    let len = interim_prev
        .len()
        .saturating_add(2)
        .saturating_add(commit.content.tls_serialized_len())
        .saturating_add(wire::opaque_len(&commit.auth.signature));
    let mut input = Vec::with_capacity(len);
    input.extend_from_slice(interim_prev);
    write_confirmed_input(
        commit.wire_format,
        &commit.content,
        &commit.auth.signature,
        &mut input,
    )?;
    Ok(cs.hash(&input)?)
}

/// `interim_transcript_hash = Hash(confirmed_transcript_hash || InterimTranscriptHashInput)`
/// (RFC 9420 §8.2).
pub fn interim_transcript_hash(
    cs: &dyn CipherSuiteProvider,
    confirmed: &[u8],
    confirmation_tag: &[u8],
) -> Result<Vec<u8>, Error> {
    let mut input = Vec::with_capacity(
        confirmed
            .len()
            .saturating_add(wire::opaque_len(confirmation_tag)),
    );
    input.extend_from_slice(confirmed);
    wire::put_opaque(confirmation_tag, &mut input)?;
    Ok(cs.hash(&input)?)
}

/// `confirmation_tag = MAC(confirmation_key, confirmed_transcript_hash)` (RFC 9420 §6.1).
pub fn confirmation_tag(
    cs: &dyn CipherSuiteProvider,
    confirmation_key: &Secret,
    confirmed_transcript_hash: &[u8],
) -> Result<Vec<u8>, Error> {
    Ok(cs.mac(confirmation_key.as_bytes(), confirmed_transcript_hash)?)
}

/// Checks `tag` against `MAC(confirmation_key, confirmed_transcript_hash)` in constant time
/// ([`FramingError::ConfirmationTagMismatch`], RFC 9420 §6.1).
pub fn verify_confirmation_tag(
    cs: &dyn CipherSuiteProvider,
    confirmation_key: &Secret,
    confirmed_transcript_hash: &[u8],
    tag: &[u8],
) -> Result<(), Error> {
    let expected = confirmation_tag(cs, confirmation_key, confirmed_transcript_hash)?;
    if constant_time_eq(&expected, tag) {
        Ok(())
    } else {
        Err(FramingError::ConfirmationTagMismatch.into())
    }
}

impl TranscriptHashes {
    /// Both hashes after the Commit in `commit` (RFC 9420 §8.2), from the previous interim
    /// hash. The Commit's confirmation tag must be set
    /// ([`FramingError::MissingConfirmationTag`]).
    pub fn update(
        cs: &dyn CipherSuiteProvider,
        interim_prev: &[u8],
        commit: &AuthenticatedContent,
    ) -> Result<Self, Error> {
        let confirmed = confirmed_transcript_hash(cs, interim_prev, commit)?;
        let tag = commit
            .auth
            .confirmation_tag
            .as_deref()
            .ok_or(FramingError::MissingConfirmationTag)?;
        let interim = interim_transcript_hash(cs, &confirmed, tag)?;
        Ok(TranscriptHashes { confirmed, interim })
    }
}

#[cfg(all(test, feature = "rust-crypto"))]
mod tests {
    use super::*;
    use crate::crypto::rust_crypto::RustCrypto;
    use crate::framing::{FramedContentAuthData, FramedContentBody, Sender};
    use crate::messages::Commit;
    use crate::tree_math::LeafIndex;
    use crate::{CipherSuite, CryptoProvider};

    fn commit_content() -> AuthenticatedContent {
        AuthenticatedContent {
            wire_format: WireFormat::MLS_PUBLIC_MESSAGE,
            content: FramedContent {
                group_id: b"group".to_vec(),
                epoch: 3,
                sender: Sender::Member(LeafIndex(0)),
                authenticated_data: Vec::new(),
                body: FramedContentBody::Commit(Commit {
                    proposals: Vec::new(),
                    path: None,
                }),
            },
            auth: FramedContentAuthData {
                signature: vec![1, 2, 3],
                confirmation_tag: Some(vec![9; 32]),
            },
        }
    }

    #[test]
    fn confirmation_tag_round_trip_and_mismatch() {
        let provider = RustCrypto::new();
        let cs = provider.suite(CipherSuite(1)).unwrap();
        let key = Secret::from_slice(&[7; 32]);
        let tag = confirmation_tag(cs, &key, b"confirmed").unwrap();
        assert!(verify_confirmation_tag(cs, &key, b"confirmed", &tag).is_ok());
        let mut bad = tag.clone();
        bad[0] ^= 1;
        assert_eq!(
            verify_confirmation_tag(cs, &key, b"confirmed", &bad),
            Err(Error::Framing(FramingError::ConfirmationTagMismatch))
        );
    }

    #[test]
    fn update_needs_a_commit_with_a_tag() {
        let provider = RustCrypto::new();
        let cs = provider.suite(CipherSuite(1)).unwrap();
        let mut ac = commit_content();
        let h = TranscriptHashes::update(cs, b"", &ac).unwrap();
        assert_eq!(h.confirmed.len(), 32);
        // The confirmed hash input equals the AuthenticatedContent minus the tag.
        let input = ConfirmedTranscriptHashInput {
            wire_format: ac.wire_format,
            content: ac.content.clone(),
            signature: ac.auth.signature.clone(),
        };
        let bytes = crate::codec::encode(&input).unwrap();
        assert_eq!(h.confirmed, cs.hash(&bytes).unwrap());
        let back: ConfirmedTranscriptHashInput = crate::codec::decode_exact(&bytes).unwrap();
        assert_eq!(back, input);

        ac.auth.confirmation_tag = None;
        assert_eq!(
            TranscriptHashes::update(cs, b"", &ac),
            Err(Error::Framing(FramingError::MissingConfirmationTag))
        );
        ac.content.body = FramedContentBody::Application(vec![1]);
        assert_eq!(
            confirmed_transcript_hash(cs, b"", &ac),
            Err(Error::Framing(FramingError::NotACommit))
        );
    }
}
