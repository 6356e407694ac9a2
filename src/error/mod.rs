//! The one public [`Error`] type and its category enums.
//!
//! Each distinct protocol check has its own variant, so a test (or a caller) can tell which
//! check fired. Cryptographic failures stay opaque on purpose: a failed AEAD or HPKE open says
//! only that it failed (no padding or MAC oracle).

use core::fmt;

use crate::crypto::CipherSuite;

mod binding;
mod extension;
mod framing;
mod group;
mod message;
mod partial;
mod storage;
mod tree;
mod treekem;

#[cfg(test)]
mod tests;

pub use binding::CredentialBindingError;
pub use extension::ExtensionError;
pub use framing::FramingError;
pub use group::GroupError;
pub use message::MessageError;
pub use partial::PartialError;
pub use storage::{ClientError, StorageError};
pub use tree::TreeError;
pub use treekem::TreeKemError;

/// Every error melos returns.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// Malformed wire data (RFC 9420 §2.1).
    Decode(DecodeError),
    /// A cryptographic operation failed (opaque).
    Crypto(CryptoError),
    /// The cipher suite is unknown or the provider does not implement it.
    UnsupportedCipherSuite(CipherSuite),
    /// A provider was asked to register a cipher suite at a value another of its suites
    /// already has (e.g. a post-quantum suite of draft-ietf-mls-pq-ciphersuites at a value of
    /// RFC 9420 §17.1), or at a GREASE value (RFC 9420 §13.5).
    CipherSuiteValueInUse(CipherSuite),
    /// A key-schedule input is invalid (RFC 9420 §8).
    KeySchedule(KeyScheduleError),
    /// A secret-tree request is invalid or outside the window (RFC 9420 §9).
    SecretTree(SecretTreeError),
    /// Encoding failed, e.g. a vector longer than the 30-bit MLS limit.
    Encode,
    /// A ratchet tree check failed (RFC 9420 §7).
    Tree(TreeError),
    /// An `UpdatePath` could not be created or applied (RFC 9420 §7.4 to §7.6).
    TreeKem(TreeKemError),
    /// A KeyPackage, LeafNode, Welcome or GroupInfo failed validation.
    Message(MessageError),
    /// A framed message failed a receiver check (RFC 9420 §6).
    Framing(FramingError),
    /// A group operation or handshake message broke a rule of RFC 9420 §12.
    Group(GroupError),
    /// A storage backend could not read or write a record ([`crate::storage`]).
    Storage(StorageError),
    /// The client layer cannot carry out a request ([`crate::client`]).
    Client(ClientError),
    /// A rule of draft-ietf-mls-extensions was broken ([`crate::components`]).
    Extension(ExtensionError),
    /// A Partial MLS check failed (draft-ietf-mls-partial, [`crate::partial`]).
    Partial(PartialError),
    /// A multi-credential fails a check (draft-ietf-mls-extensions, "Multi-Credentials").
    CredentialBinding(CredentialBindingError),
}

/// Why a byte string is not a valid encoding (RFC 9420 §2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input ended before the value did.
    EndOfInput,
    /// A variable-length integer used the reserved `11` prefix (RFC 9420 §2.1.2).
    InvalidVarintPrefix,
    /// A variable-length integer was not encoded in the minimum number of bytes (§2.1.2).
    NonMinimalVarint,
    /// A vector's content did not exactly fill its declared length.
    VectorLengthMismatch,
    /// An `optional<T>` presence octet other than 0 or 1.
    InvalidOptional,
    /// Bytes were left over after a top-level value.
    TrailingBytes,
    /// An enumerated value that this structure does not allow.
    UnknownValue,
    /// Any other malformed structure.
    Malformed,
}

/// An opaque cryptographic failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CryptoError {
    /// A key could not be parsed or is invalid for the algorithm.
    InvalidKey,
    /// A signature did not verify (or could not be parsed).
    InvalidSignature,
    /// An AEAD or HPKE decryption failed.
    DecryptionFailed,
    /// Encryption failed (e.g. plaintext too long).
    EncryptionFailed,
    /// The random source failed.
    Random,
    /// A KDF output or input length is out of range.
    InvalidLength,
    /// The provider does not implement this operation for the suite.
    Unsupported,
}

/// Invalid inputs to the key schedule (RFC 9420 §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyScheduleError {
    /// A secret has the wrong length for the cipher suite (`Nh`).
    InvalidSecretLength,
    /// More PSKs than the `uint16` count of `PSKLabel` allows.
    TooManyPsks,
}

/// Invalid secret-tree requests (RFC 9420 §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecretTreeError {
    /// The leaf index is not in the tree.
    LeafOutOfRange,
    /// The generation is further ahead than the configured maximum forward jump.
    GenerationTooFarAhead,
    /// The generation's key was already used or deleted, or is older than the retained window.
    GenerationExpired,
    /// The generation counter would overflow `uint32`.
    GenerationOverflow,
    /// A node secret needed for a derivation was already deleted. The secret tree never
    /// reaches this state through its API; it signals corrupted state.
    NodeSecretMissing,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Decode(e) => write!(f, "decode error: {e}"),
            Error::Crypto(e) => write!(f, "crypto error: {e}"),
            Error::UnsupportedCipherSuite(cs) => write!(
                f,
                "unsupported cipher suite 0x{:04x}: unknown, or not implemented by the provider",
                cs.0
            ),
            Error::CipherSuiteValueInUse(cs) => write!(
                f,
                "cipher suite value 0x{:04x} is already taken by another suite of the provider, or is a GREASE value",
                cs.0
            ),
            Error::KeySchedule(e) => write!(f, "key schedule error: {e}"),
            Error::SecretTree(e) => write!(f, "secret tree error: {e}"),
            Error::Encode => {
                f.write_str("encoding failed: a value exceeds the limits of the MLS encoding")
            }
            Error::Tree(e) => write!(f, "ratchet tree error: {e}"),
            Error::TreeKem(e) => write!(f, "TreeKEM error: {e}"),
            Error::Message(e) => write!(f, "message validation error: {e}"),
            Error::Framing(e) => write!(f, "framing error: {e}"),
            Error::Group(e) => write!(f, "group error: {e}"),
            Error::Storage(e) => write!(f, "storage error: {e}"),
            Error::Client(e) => write!(f, "client error: {e}"),
            Error::Extension(e) => write!(f, "MLS extensions error: {e}"),
            Error::Partial(e) => write!(f, "partial MLS error: {e}"),
            Error::CredentialBinding(e) => write!(f, "multi-credential error: {e}"),
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DecodeError::EndOfInput => "the input ended before the value did (truncated data)",
            DecodeError::InvalidVarintPrefix => {
                "a variable-length integer uses the reserved prefix 0b11"
            }
            DecodeError::NonMinimalVarint => {
                "a variable-length integer is not encoded in the fewest bytes"
            }
            DecodeError::VectorLengthMismatch => {
                "a vector's content does not exactly fill its declared length"
            }
            DecodeError::InvalidOptional => "an optional value's presence octet is not 0 or 1",
            DecodeError::TrailingBytes => "bytes are left over after the value",
            DecodeError::UnknownValue => "an enumerated value is not one this structure allows",
            DecodeError::Malformed => "the structure is malformed",
        })
    }
}

/// Opaque on purpose: says which kind of operation failed, never why (no padding or MAC
/// oracle, no key material).
impl fmt::Display for CryptoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CryptoError::InvalidKey => "a key is invalid for the algorithm",
            CryptoError::InvalidSignature => "a signature does not verify",
            CryptoError::DecryptionFailed => "decryption failed",
            CryptoError::EncryptionFailed => "encryption failed",
            CryptoError::Random => "the random source failed",
            CryptoError::InvalidLength => "a key derivation length is out of range",
            CryptoError::Unsupported => {
                "the provider does not implement this operation for the cipher suite"
            }
        })
    }
}

impl fmt::Display for KeyScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyScheduleError::InvalidSecretLength => {
                "a secret has the wrong length for the cipher suite"
            }
            KeyScheduleError::TooManyPsks => "more pre-shared keys than a commit can carry",
        })
    }
}

impl fmt::Display for SecretTreeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SecretTreeError::LeafOutOfRange => "the sender's leaf index is not in the secret tree",
            SecretTreeError::GenerationTooFarAhead => {
                "the message's generation is further ahead than the configured maximum jump"
            }
            SecretTreeError::GenerationExpired => {
                "a message was replayed or is too old: its generation's key was already used or \
                 deleted"
            }
            SecretTreeError::GenerationOverflow => "the generation counter would overflow",
            SecretTreeError::NodeSecretMissing => {
                "a secret tree node was already deleted (corrupted state)"
            }
        })
    }
}

impl core::error::Error for Error {}
impl core::error::Error for DecodeError {}
impl core::error::Error for CryptoError {}
impl core::error::Error for KeyScheduleError {}
impl core::error::Error for SecretTreeError {}

impl From<DecodeError> for Error {
    fn from(e: DecodeError) -> Self {
        Error::Decode(e)
    }
}

impl From<CryptoError> for Error {
    fn from(e: CryptoError) -> Self {
        Error::Crypto(e)
    }
}

impl From<KeyScheduleError> for Error {
    fn from(e: KeyScheduleError) -> Self {
        Error::KeySchedule(e)
    }
}

impl From<SecretTreeError> for Error {
    fn from(e: SecretTreeError) -> Self {
        Error::SecretTree(e)
    }
}

impl From<TreeError> for Error {
    fn from(e: TreeError) -> Self {
        Error::Tree(e)
    }
}

impl From<TreeKemError> for Error {
    fn from(e: TreeKemError) -> Self {
        Error::TreeKem(e)
    }
}

impl From<MessageError> for Error {
    fn from(e: MessageError) -> Self {
        Error::Message(e)
    }
}

impl From<FramingError> for Error {
    fn from(e: FramingError) -> Self {
        Error::Framing(e)
    }
}

impl From<GroupError> for Error {
    fn from(e: GroupError) -> Self {
        Error::Group(e)
    }
}

impl From<StorageError> for Error {
    fn from(e: StorageError) -> Self {
        Error::Storage(e)
    }
}

impl From<ExtensionError> for Error {
    fn from(e: ExtensionError) -> Self {
        Error::Extension(e)
    }
}

impl From<CredentialBindingError> for Error {
    fn from(e: CredentialBindingError) -> Self {
        Error::CredentialBinding(e)
    }
}

impl From<ClientError> for Error {
    fn from(e: ClientError) -> Self {
        Error::Client(e)
    }
}
