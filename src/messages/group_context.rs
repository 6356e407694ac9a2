//! `GroupContext` (RFC 9420 §8.1).

use alloc::vec::Vec;

use tls_codec::{TlsDeserializeBytes, TlsSerializeBytes, TlsSize};

use super::{Extensions, ProtocolVersion};
use crate::crypto::CipherSuite;
use crate::error::Error;

/// `GroupContext` (RFC 9420 §8.1), the summary of the group state that the key schedule
/// binds into every epoch:
///
/// ```text
/// struct {
///     ProtocolVersion version = mls10;
///     CipherSuite cipher_suite;
///     opaque group_id<V>;
///     uint64 epoch;
///     opaque tree_hash<V>;
///     opaque confirmed_transcript_hash<V>;
///     Extension extensions<V>;
/// } GroupContext;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, TlsSize, TlsSerializeBytes, TlsDeserializeBytes)]
pub struct GroupContext {
    /// The protocol version, `mls10`.
    pub version: ProtocolVersion,
    /// The group's cipher suite.
    pub cipher_suite: CipherSuite,
    /// The application-defined group identifier.
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub group_id: Vec<u8>,
    /// The epoch number.
    pub epoch: u64,
    /// The tree hash of the ratchet tree's root (RFC 9420 §7.8).
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub tree_hash: Vec<u8>,
    /// The confirmed transcript hash (RFC 9420 §8.2).
    #[tls_codec(with = "crate::codec::vl_bytes")]
    pub confirmed_transcript_hash: Vec<u8>,
    /// The group context extensions.
    pub extensions: Extensions,
}

impl GroupContext {
    /// A `GroupContext` of protocol version `mls10`.
    pub fn new(
        cipher_suite: CipherSuite,
        group_id: Vec<u8>,
        epoch: u64,
        tree_hash: Vec<u8>,
        confirmed_transcript_hash: Vec<u8>,
        extensions: Extensions,
    ) -> Self {
        GroupContext {
            version: ProtocolVersion::MLS10,
            cipher_suite,
            group_id,
            epoch,
            tree_hash,
            confirmed_transcript_hash,
            extensions,
        }
    }

    /// The wire encoding, the form the key schedule takes.
    pub fn encode(&self) -> Result<Vec<u8>, Error> {
        crate::codec::encode(self)
    }
}
