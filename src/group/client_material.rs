//! Saved client material: a [`SigningIdentity`] with a raw key and a [`KeyPackageBundle`]
//! as bytes, so that a client can keep them across restarts (RFC 9420 §16.5 leaves storage
//! to the application).
//!
//! # Format (version 1)
//!
//! TLS presentation language and encoding (RFC 9420 §2.1), melos's own structures:
//!
//! ```text
//! struct {
//!     opaque magic[8] = "melosSID";
//!     uint16 version = 1;
//!     CipherSuite cipher_suite;             // the suite the key pair was made for
//!     Credential credential;
//!     SignaturePublicKey signature_public_key;
//!     opaque signature_private_key<V>;
//! } SavedSigningIdentity;
//!
//! struct {
//!     opaque magic[8] = "melosKPB";
//!     uint16 version = 1;
//!     KeyPackage key_package;
//!     opaque init_private_key<V>;
//!     opaque encryption_private_key<V>;
//! } SavedKeyPackageBundle;
//! ```
//!
//! **The bytes are secret** (they hold private keys): they are returned as a zeroizing
//! [`Secret`] written into one buffer of the exact size, and decoding moves each private key
//! straight into its zeroizing type. Store them encrypted. Decoding allocates no more than
//! the input holds and refuses, each with its own [`GroupError`]: other bytes than the magic
//! ([`GroupError::ClientMaterialWrongKind`]), another version
//! ([`GroupError::UnsupportedClientMaterialVersion`]), input that ends early
//! ([`GroupError::ClientMaterialTruncated`]), bytes after the end
//! ([`GroupError::ClientMaterialTrailingBytes`]) and malformed fields
//! ([`GroupError::InvalidClientMaterial`]).

use alloc::vec::Vec;

use tls_codec::{DeserializeBytes, SerializeBytes};

use super::SigningIdentity;
use crate::codec::{self, vl_bytes};
use crate::crypto::{
    CipherSuite, HpkePrivateKey, Secret, SignatureKeyPair, SignaturePrivateKey, SignaturePublicKey,
};
use crate::error::{DecodeError, Error, GroupError};
use crate::messages::{Credential, KeyPackage, KeyPackageBundle};

/// The format version written by `to_bytes` of [`SigningIdentity`] and [`KeyPackageBundle`].
pub const CLIENT_MATERIAL_VERSION: u16 = 1;

/// The magic label of a saved [`SigningIdentity`].
const IDENTITY_MAGIC: &[u8; 8] = b"melosSID";
/// The magic label of a saved [`KeyPackageBundle`].
const BUNDLE_MAGIC: &[u8; 8] = b"melosKPB";

/// `magic` and `version`.
const HEADER_LEN: usize = 10;

/// The encoded length of `opaque x<V>` holding `v`.
fn opaque_len(v: &[u8]) -> usize {
    vl_bytes::tls_serialized_len(v)
}

/// Writes the encoding of public and secret fields into one zeroizing buffer of exactly
/// `len` bytes (no reallocation leaves a copy of a key behind).
fn write_material(
    magic: &[u8; 8],
    len: usize,
    public_fields: &[&[u8]],
    private_keys: &[&[u8]],
) -> Result<Secret, Error> {
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(magic);
    out.extend_from_slice(&CLIENT_MATERIAL_VERSION.to_be_bytes());
    for f in public_fields {
        out.extend_from_slice(f);
    }
    let mut written = Ok(());
    for k in private_keys {
        written = written.and_then(|()| codec::write_opaque(k, &mut out));
    }
    // Wrapped before the error is returned, so the partial buffer is zeroized too.
    let secret = Secret::new(out);
    written?;
    if secret.len() != len {
        return Err(Error::Encode);
    }
    Ok(secret)
}

/// Checks the magic and version and returns the body.
fn read_header<'a>(bytes: &'a [u8], magic: &[u8; 8]) -> Result<&'a [u8], Error> {
    let head = bytes.get(..magic.len()).unwrap_or(bytes);
    if !magic.starts_with(head) {
        return Err(GroupError::ClientMaterialWrongKind.into());
    }
    let (version, body) = match (bytes.get(magic.len()..HEADER_LEN), bytes.get(HEADER_LEN..)) {
        (Some([a, b]), Some(body)) => (u16::from_be_bytes([*a, *b]), body),
        _ => return Err(GroupError::ClientMaterialTruncated.into()),
    };
    if version != CLIENT_MATERIAL_VERSION {
        return Err(GroupError::UnsupportedClientMaterialVersion.into());
    }
    Ok(body)
}

/// Maps a field's decoding error: the end of the input is
/// [`GroupError::ClientMaterialTruncated`], anything else
/// [`GroupError::InvalidClientMaterial`].
fn field_error(e: &tls_codec::Error) -> Error {
    match codec::decode_error(e) {
        DecodeError::EndOfInput => GroupError::ClientMaterialTruncated.into(),
        _ => GroupError::InvalidClientMaterial.into(),
    }
}

fn field<T: DeserializeBytes>(bytes: &[u8]) -> Result<(T, &[u8]), Error> {
    T::tls_deserialize_bytes(bytes).map_err(|e| field_error(&e))
}

/// An `opaque<V>` private key, moved into its zeroizing type as soon as it is copied out of
/// the input.
fn private_field(bytes: &[u8]) -> Result<(Secret, &[u8]), Error> {
    let (v, rest) = vl_bytes::tls_deserialize_bytes(bytes).map_err(|e| field_error(&e))?;
    Ok((Secret::new(v), rest))
}

fn finish(rest: &[u8]) -> Result<(), Error> {
    if rest.is_empty() {
        Ok(())
    } else {
        Err(GroupError::ClientMaterialTrailingBytes.into())
    }
}

impl SigningIdentity {
    /// Encodes this identity with its raw key pair (format in
    /// [`crate::group::client_material`]). **The result is secret**: store it encrypted.
    /// An identity that signs with an external [`Signer`](crate::crypto::Signer) has no
    /// key bytes: [`GroupError::SignerNotSerializable`].
    pub fn to_bytes(&self) -> Result<Secret, Error> {
        let (Some(suite), Some(key_pair)) = (self.raw_suite(), self.key_pair()) else {
            return Err(GroupError::SignerNotSerializable.into());
        };
        let suite_bytes = suite.tls_serialize_bytes()?;
        let credential = self.credential.tls_serialize_bytes()?;
        let public_key = key_pair.public_key.tls_serialize_bytes()?;
        let private_key = key_pair.private_key.as_bytes();
        let len = HEADER_LEN
            .saturating_add(suite_bytes.len())
            .saturating_add(credential.len())
            .saturating_add(public_key.len())
            .saturating_add(opaque_len(private_key));
        write_material(
            IDENTITY_MAGIC,
            len,
            &[&suite_bytes, &credential, &public_key],
            &[private_key],
        )
    }

    /// Decodes an identity written by [`SigningIdentity::to_bytes`]. The key pair is taken
    /// as saved (the provider is not asked whether the keys belong together; a wrong pair
    /// makes every signature fail to verify).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let body = read_header(bytes, IDENTITY_MAGIC)?;
        let (suite, rest) = field::<CipherSuite>(body)?;
        let (credential, rest) = field::<Credential>(rest)?;
        let (public_key, rest) = field::<SignaturePublicKey>(rest)?;
        let (private_key, rest) = private_field(rest)?;
        finish(rest)?;
        if private_key.is_empty() {
            return Err(GroupError::InvalidClientMaterial.into());
        }
        let key_pair = SignatureKeyPair {
            private_key: SignaturePrivateKey::new(private_key.as_bytes().to_vec()),
            public_key,
        };
        Ok(SigningIdentity::from_key_pair(suite, credential, key_pair))
    }
}

impl KeyPackageBundle {
    /// Encodes this bundle: the KeyPackage and its two private keys (format in
    /// [`crate::group::client_material`]). **The result is secret**: store it encrypted,
    /// and delete it once the KeyPackage was used (RFC 9420 §16.8).
    pub fn to_bytes(&self) -> Result<Secret, Error> {
        let key_package = self.key_package.tls_serialize_bytes()?;
        let init = self.init_private_key.as_bytes();
        let encryption = self.encryption_private_key.as_bytes();
        let len = HEADER_LEN
            .saturating_add(key_package.len())
            .saturating_add(opaque_len(init))
            .saturating_add(opaque_len(encryption));
        write_material(BUNDLE_MAGIC, len, &[&key_package], &[init, encryption])
    }

    /// Decodes a bundle written by [`KeyPackageBundle::to_bytes`]. The KeyPackage is
    /// decoded with the usual caps but not verified again (it was made by this client).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let body = read_header(bytes, BUNDLE_MAGIC)?;
        let (key_package, rest) = field::<KeyPackage>(body)?;
        let (init, rest) = private_field(rest)?;
        let (encryption, rest) = private_field(rest)?;
        finish(rest)?;
        if init.is_empty() || encryption.is_empty() {
            return Err(GroupError::InvalidClientMaterial.into());
        }
        Ok(KeyPackageBundle {
            key_package,
            init_private_key: HpkePrivateKey::new(init.as_bytes().to_vec()),
            encryption_private_key: HpkePrivateKey::new(encryption.as_bytes().to_vec()),
        })
    }
}
