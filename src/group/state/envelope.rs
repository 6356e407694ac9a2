//! The integrity envelope of saved group state (format version 4 and later): the
//! `GroupState` body is wrapped, unchanged, between a short header and a check value (a
//! checksum, or an AEAD seal under a caller-supplied [`StorageKey`]), and the check is
//! verified before a single byte of the body is decoded. See the parent module for the format.

use alloc::vec::Vec;
use core::fmt;

use tls_codec::Size;
use zeroize::Zeroizing;

use super::GROUP_STATE_VERSION;
use crate::crypto::labels::expand_with_label;
use crate::crypto::{CipherSuite, CipherSuiteProvider, CryptoProvider, Secret, constant_time_eq};
use crate::error::{DecodeError, Error, GroupError};
use crate::secret_tree::{WriteState, encode_state};

/// `StateMode.checksum`: the body in the clear, then `Hash(header || body)`.
const MODE_CHECKSUM: u8 = 1;
/// `StateMode.sealed`: a random salt, then the body sealed with the suite's AEAD. The two
/// mode values differ in two bits, so one flipped bit never turns one mode into the other.
const MODE_SEALED: u8 = 2;
/// `uint16 version; CipherSuite cipher_suite; StateMode mode;`
const HEADER_LEN: usize = 5;
/// The length of the random `salt` of a sealed state.
const SALT_LEN: usize = 32;
/// `ExpandWithLabel` label of the AEAD key of a sealed state (RFC 9420 §8 shape, a label of
/// melos's own: no MLS label starts with "melos").
const KEY_LABEL: &[u8] = b"melos group state key";
/// `ExpandWithLabel` label of the AEAD nonce of a sealed state.
const NONCE_LABEL: &[u8] = b"melos group state nonce";

/// The shortest [`StorageKey`] accepted, in bytes (128 bits).
pub const MIN_STORAGE_KEY_LEN: usize = 16;

/// A caller-supplied key that seals saved group state ([`Group::to_bytes_sealed`]): the
/// state is encrypted and authenticated with the group's cipher suite AEAD under a key
/// derived from it. Use at least 32 random bytes, kept apart from the state (a platform
/// keystore, or a key derived from one); at least [`MIN_STORAGE_KEY_LEN`] bytes are
/// required. Zeroized on drop, printed as `[redacted]`.
///
/// [`Group::to_bytes_sealed`]: crate::group::Group::to_bytes_sealed
#[derive(Clone)]
pub struct StorageKey(Secret);

impl StorageKey {
    /// Wraps `key` (moved, not copied); [`GroupError::StorageKeyTooShort`] if it is shorter
    /// than [`MIN_STORAGE_KEY_LEN`] bytes.
    pub fn new(key: Vec<u8>) -> Result<Self, Error> {
        Self::from_secret(Secret::new(key))
    }

    /// Copies `key` into a new storage key (see [`StorageKey::new`]).
    pub fn from_slice(key: &[u8]) -> Result<Self, Error> {
        Self::from_secret(Secret::from_slice(key))
    }

    /// Wraps a [`Secret`] (see [`StorageKey::new`]).
    pub fn from_secret(key: Secret) -> Result<Self, Error> {
        if key.len() < MIN_STORAGE_KEY_LEN {
            return Err(GroupError::StorageKeyTooShort.into());
        }
        Ok(StorageKey(key))
    }
}

impl fmt::Debug for StorageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The verified body of a saved state: borrowed from the input (checksum form) or the
/// opened plaintext (sealed form, zeroized on drop).
pub(super) enum Body<'a> {
    Plain(&'a [u8]),
    Opened(Secret),
}

impl Body<'_> {
    pub(super) fn as_bytes(&self) -> &[u8] {
        match self {
            Body::Plain(b) => b,
            Body::Opened(s) => s.as_bytes(),
        }
    }
}

fn header(suite: CipherSuite, mode: u8) -> [u8; HEADER_LEN] {
    let [v0, v1] = GROUP_STATE_VERSION.to_be_bytes();
    let [s0, s1] = suite.0.to_be_bytes();
    [v0, v1, s0, s1, mode]
}

fn too_short() -> Error {
    Error::Decode(DecodeError::EndOfInput)
}

/// `header || body || Hash(header || body)` in one zeroizing buffer of the exact size.
pub(super) fn checksummed<T: WriteState + Size>(
    cs: &dyn CipherSuiteProvider,
    body: &T,
) -> Result<Secret, Error> {
    let len = HEADER_LEN
        .checked_add(body.tls_serialized_len())
        .and_then(|n| n.checked_add(cs.hash_len()))
        .ok_or(Error::Encode)?;
    let mut out = Zeroizing::new(Vec::with_capacity(len));
    out.extend_from_slice(&header(cs.cipher_suite(), MODE_CHECKSUM));
    body.write_state(&mut out)?;
    let checksum = cs.hash(&out)?;
    out.extend_from_slice(&checksum);
    Ok(Secret::new(core::mem::take(&mut *out)))
}

/// The AEAD key and nonce of a sealed state: `prk = KDF.Extract(salt, storage_key)`, then
/// `ExpandWithLabel(prk, label, header, Nk or Nn)`.
fn sealing_key(
    cs: &dyn CipherSuiteProvider,
    key: &StorageKey,
    salt: &[u8],
    header: &[u8],
) -> Result<(Secret, Secret), Error> {
    let prk = cs.kdf_extract(salt, key.0.as_bytes())?;
    let aead_key = expand_with_label(cs, prk.as_bytes(), KEY_LABEL, header, cs.aead_key_len())?;
    let nonce = expand_with_label(cs, prk.as_bytes(), NONCE_LABEL, header, cs.aead_nonce_len())?;
    Ok((aead_key, nonce))
}

/// `header || salt || AEAD.Seal(key, nonce, header || salt, body)` with a fresh random salt.
pub(super) fn sealed<T: WriteState + Size>(
    cs: &dyn CipherSuiteProvider,
    body: &T,
    key: &StorageKey,
) -> Result<Vec<u8>, Error> {
    let plaintext = encode_state(body)?;
    let mut aad = Vec::with_capacity(HEADER_LEN.saturating_add(SALT_LEN));
    aad.extend_from_slice(&header(cs.cipher_suite(), MODE_SEALED));
    aad.resize(HEADER_LEN.saturating_add(SALT_LEN), 0);
    let (head, salt) = aad.split_at_mut(HEADER_LEN);
    cs.random_bytes(salt)?;
    let (aead_key, nonce) = sealing_key(cs, key, salt, head)?;
    let ciphertext = cs.aead_seal(
        aead_key.as_bytes(),
        nonce.as_bytes(),
        &aad,
        plaintext.as_bytes(),
    )?;
    let mut out = Vec::with_capacity(aad.len().saturating_add(ciphertext.len()));
    out.extend_from_slice(&aad);
    out.extend_from_slice(&ciphertext);
    Ok(out)
}

/// Checks the envelope of `bytes` and returns the group's suite and the verified body;
/// nothing of the body is decoded here.
///
/// In order: the version ([`GroupError::UnsupportedStateVersion`]), the mode (unknown:
/// [`DecodeError::UnknownValue`]; sealed without `key`: [`GroupError::StateKeyRequired`];
/// checksum with a `key`: [`GroupError::StateNotSealed`]), the suite
/// ([`Error::UnsupportedCipherSuite`]), then the checksum
/// ([`GroupError::StateChecksumMismatch`]) or the AEAD
/// ([`GroupError::StateAuthenticationFailed`]). Too short for its header and check value:
/// [`DecodeError::EndOfInput`].
pub(super) fn open<'a, 'p>(
    provider: &'p dyn CryptoProvider,
    bytes: &'a [u8],
    key: Option<&StorageKey>,
) -> Result<(&'p dyn CipherSuiteProvider, Body<'a>), Error> {
    let version = match bytes {
        [v0, v1, ..] => u16::from_be_bytes([*v0, *v1]),
        _ => return Err(too_short()),
    };
    if version != GROUP_STATE_VERSION {
        return Err(GroupError::UnsupportedStateVersion.into());
    }
    let (head, rest) = bytes.split_at_checked(HEADER_LEN).ok_or_else(too_short)?;
    let &[_, _, s0, s1, mode] = head else {
        return Err(too_short());
    };
    match (mode, key) {
        (MODE_CHECKSUM, None) | (MODE_SEALED, Some(_)) => {}
        (MODE_SEALED, None) => return Err(GroupError::StateKeyRequired.into()),
        (MODE_CHECKSUM, Some(_)) => return Err(GroupError::StateNotSealed.into()),
        _ => return Err(DecodeError::UnknownValue.into()),
    }
    let cs = provider.suite(CipherSuite(u16::from_be_bytes([s0, s1])))?;
    let body = match key {
        None => {
            let split = rest
                .len()
                .checked_sub(cs.hash_len())
                .ok_or_else(too_short)?;
            let (body, checksum) = rest.split_at(split);
            let covered = bytes
                .get(..HEADER_LEN.saturating_add(split))
                .ok_or_else(too_short)?;
            if !constant_time_eq(&cs.hash(covered)?, checksum) {
                return Err(GroupError::StateChecksumMismatch.into());
            }
            Body::Plain(body)
        }
        Some(key) => {
            let (salt, ciphertext) = rest.split_at_checked(SALT_LEN).ok_or_else(too_short)?;
            let aad = bytes
                .get(..HEADER_LEN.saturating_add(SALT_LEN))
                .ok_or_else(too_short)?;
            let (aead_key, nonce) = sealing_key(cs, key, salt, head)?;
            let plaintext = cs
                .aead_open(aead_key.as_bytes(), nonce.as_bytes(), aad, ciphertext)
                .map_err(|_| GroupError::StateAuthenticationFailed)?;
            Body::Opened(plaintext)
        }
    };
    Ok((cs, body))
}

/// For the fuzzer: the genuine checksum-form `state` with its body replaced by
/// `f(body)` and a valid checksum over the result, so that fuzzed bodies reach the decoder.
#[cfg(feature = "getrandom")]
pub(crate) fn rewrap_checksummed(
    provider: &dyn CryptoProvider,
    state: &[u8],
    f: impl FnOnce(&[u8]) -> Vec<u8>,
) -> Result<Vec<u8>, Error> {
    let (cs, body) = open(provider, state, None)?;
    let body = f(body.as_bytes());
    let mut out = Vec::with_capacity(
        HEADER_LEN
            .saturating_add(body.len())
            .saturating_add(cs.hash_len()),
    );
    out.extend_from_slice(&header(cs.cipher_suite(), MODE_CHECKSUM));
    out.extend_from_slice(&body);
    let checksum = cs.hash(&out)?;
    out.extend_from_slice(&checksum);
    Ok(out)
}
