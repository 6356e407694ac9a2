//! Encryption at rest: every record value is sealed with XChaCha20-Poly1305 under a key
//! derived from the caller's key, with associated data that names the record.
//!
//! # Key
//!
//! `record_key = HKDF-SHA256(salt = the store's 32-byte random salt, ikm = caller key,
//! info = "melos-sqlite record key")`, 32 bytes. The salt is made when the store is
//! created and kept in the `meta` table, so one caller key used for two stores gives two
//! unrelated record keys. The same HKDF with info `"melos-sqlite record set key"` gives
//! the HMAC-SHA256 key of the record set ([`crate::digest`]): a row's tag is
//! `HMAC(u64 len(AD) || AD || nonce)`.
//!
//! # Sealed value
//!
//! `nonce (24 random bytes) || ciphertext || tag (16 bytes)`. A fresh nonce per write:
//! 192-bit random nonces do not collide in any realistic number of writes.
//!
//! # Associated data
//!
//! ```text
//! "melos-sqlite record"           format label (19 bytes)
//! kind                            RecordKind as one byte (the key check is 0)
//! u32 len || group id             empty for the client record and KeyPackages
//! u64 epoch                       0 where the record has none
//! u32 len || record key           KeyPackageRef, or the u64 sequence number of a
//!                                 buffered message; empty otherwise
//! u32 len || attributes           the KeyPackage's last_resort byte (and, from schema
//!                                 v2 on, its u64 created_at); empty otherwise
//! ```
//!
//! Integers are big-endian. Every field the table keeps in the clear (ids, epoch,
//! sequence, last_resort, created_at) is in the AD, so a value copied onto another row,
//! group, kind or epoch, or a changed clear column, fails to open.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use melos::StorageError;
use sha2::Sha256;
use zeroize::Zeroizing;

/// The format label at the start of every record's associated data.
pub(crate) const LABEL: &[u8] = b"melos-sqlite record";
/// The HKDF info of the record key.
const KEY_INFO: &[u8] = b"melos-sqlite record key";
/// The HKDF info of the record-set key ([`crate::digest`]).
const SET_KEY_INFO: &[u8] = b"melos-sqlite record set key";
/// The smallest caller key accepted, in bytes.
pub const MIN_KEY_LEN: usize = 32;
/// Bytes of a nonce.
pub(crate) const NONCE_LEN: usize = 24;
/// Bytes of a salt.
pub(crate) const SALT_LEN: usize = 32;
/// The record kind of the key-check value (no [`melos::storage::RecordKind`] is 0).
pub(crate) const KEY_CHECK_KIND: u8 = 0;
/// The plaintext of the key-check value.
pub(crate) const KEY_CHECK_PLAINTEXT: &[u8] = b"melos-sqlite key check";

/// The keys derived from the caller's key: the record key (AEAD) and the record-set
/// key (HMAC-SHA256 of [`crate::digest`]).
pub(crate) struct RecordKey {
    aead: Zeroizing<[u8; 32]>,
    set: Zeroizing<[u8; 32]>,
}

impl RecordKey {
    /// Derives the record key from the caller's `key` and the store's `salt`.
    pub(crate) fn derive(key: &[u8], salt: &[u8]) -> Result<Self, StorageError> {
        if key.len() < MIN_KEY_LEN {
            return Err(StorageError::KeyTooShort);
        }
        let hk = Hkdf::<Sha256>::new(Some(salt), key);
        let mut aead = Zeroizing::new([0u8; 32]);
        let mut set = Zeroizing::new([0u8; 32]);
        hk.expand(KEY_INFO, aead.as_mut_slice())
            .and_then(|()| hk.expand(SET_KEY_INFO, set.as_mut_slice()))
            .map_err(|_| StorageError::Backend("HKDF expansion failed".into()))?;
        Ok(RecordKey { aead, set })
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&(*self.aead).into())
    }

    /// The tag of a stored row in the record set ([`crate::digest`]):
    /// `HMAC-SHA256(set key, u64 len(ad) || ad || nonce)`, where the nonce is the first
    /// 24 bytes of the sealed value (all of it if shorter). The nonce is fresh for every
    /// write, so the tag names this version of the record; the AD names its row.
    pub(crate) fn row_tag(&self, ad: &Ad, sealed_head: &[u8]) -> Result<[u8; 32], StorageError> {
        let nonce = sealed_head.get(..NONCE_LEN).unwrap_or(sealed_head);
        let mut mac = <Hmac<Sha256>>::new_from_slice(self.set.as_slice())
            .map_err(|_| StorageError::Backend("HMAC key refused".into()))?;
        let len = u64::try_from(ad.0.len()).unwrap_or(u64::MAX);
        mac.update(&len.to_be_bytes());
        mac.update(&ad.0);
        mac.update(nonce);
        Ok(mac.finalize().into_bytes().into())
    }

    /// Seals `plaintext` with the associated data `ad`: `nonce || ciphertext || tag`.
    pub(crate) fn seal(&self, ad: &Ad, plaintext: &[u8]) -> Result<Vec<u8>, StorageError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce)
            .map_err(|e| StorageError::Backend(format!("no randomness for a nonce: {e}")))?;
        let ct = self
            .cipher()
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: &ad.0,
                },
            )
            .map_err(|_| StorageError::Backend("record encryption failed".into()))?;
        let mut out = Vec::with_capacity(NONCE_LEN.saturating_add(ct.len()));
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    /// Opens a sealed value; any failure (short value, wrong key, other AD) is
    /// [`StorageError::RecordAuthenticationFailed`].
    pub(crate) fn open(&self, ad: &Ad, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, StorageError> {
        let (nonce, ct) = sealed
            .split_at_checked(NONCE_LEN)
            .ok_or(StorageError::RecordAuthenticationFailed)?;
        let nonce: [u8; NONCE_LEN] = nonce
            .try_into()
            .map_err(|_| StorageError::RecordAuthenticationFailed)?;
        self.cipher()
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: ct,
                    aad: &ad.0,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| StorageError::RecordAuthenticationFailed)
    }
}

/// The associated data of one record (see the module documentation).
pub(crate) struct Ad(Vec<u8>);

impl Ad {
    /// The AD of a record of `kind` (a `RecordKind` as a byte, or [`KEY_CHECK_KIND`]).
    pub(crate) fn new(kind: u8, group_id: &[u8], epoch: u64, key: &[u8], attrs: &[u8]) -> Ad {
        let mut v = Vec::with_capacity(
            LABEL
                .len()
                .saturating_add(21)
                .saturating_add(group_id.len())
                .saturating_add(key.len())
                .saturating_add(attrs.len()),
        );
        v.extend_from_slice(LABEL);
        v.push(kind);
        put_bytes(&mut v, group_id);
        v.extend_from_slice(&epoch.to_be_bytes());
        put_bytes(&mut v, key);
        put_bytes(&mut v, attrs);
        Ad(v)
    }
}

/// Appends `u32 len || bytes`. Lengths over `u32::MAX` cannot occur (SQLite's blob limit
/// is far below); they saturate, which keeps distinct AD for distinct fields anyway since
/// the bytes follow.
fn put_bytes(v: &mut Vec<u8>, bytes: &[u8]) {
    let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    v.extend_from_slice(&len.to_be_bytes());
    v.extend_from_slice(bytes);
}

/// 32 random bytes for a new store's salt.
pub(crate) fn new_salt() -> Result<[u8; SALT_LEN], StorageError> {
    let mut salt = [0u8; SALT_LEN];
    getrandom::fill(&mut salt)
        .map_err(|e| StorageError::Backend(format!("no randomness for the salt: {e}")))?;
    Ok(salt)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> RecordKey {
        RecordKey::derive(&[7u8; 32], &[1u8; SALT_LEN]).unwrap()
    }

    #[test]
    fn a_short_key_is_refused() {
        assert!(matches!(
            RecordKey::derive(&[7u8; 31], &[1u8; SALT_LEN]),
            Err(StorageError::KeyTooShort)
        ));
    }

    #[test]
    fn seal_opens_under_the_same_ad_only() {
        let k = key();
        let ad = Ad::new(2, b"g", 3, b"", b"");
        let sealed = k.seal(&ad, b"state").unwrap();
        assert_eq!(k.open(&ad, &sealed).unwrap().as_slice(), b"state");
        for other in [
            Ad::new(3, b"g", 3, b"", b""),
            Ad::new(2, b"h", 3, b"", b""),
            Ad::new(2, b"g", 4, b"", b""),
            Ad::new(2, b"g", 3, b"x", b""),
            Ad::new(2, b"g", 3, b"", b"\x01"),
            // Field boundaries are length-prefixed: moving a byte between fields differs.
            Ad::new(2, b"", 3, b"g", b""),
        ] {
            assert_eq!(
                k.open(&other, &sealed),
                Err(StorageError::RecordAuthenticationFailed)
            );
        }
        let other_key = RecordKey::derive(&[8u8; 32], &[1u8; SALT_LEN]).unwrap();
        assert_eq!(
            other_key.open(&ad, &sealed),
            Err(StorageError::RecordAuthenticationFailed)
        );
        let other_salt = RecordKey::derive(&[7u8; 32], &[2u8; SALT_LEN]).unwrap();
        assert_eq!(
            other_salt.open(&ad, &sealed),
            Err(StorageError::RecordAuthenticationFailed)
        );
    }

    #[test]
    fn nonces_are_fresh_and_short_values_fail() {
        let k = key();
        let ad = Ad::new(1, b"", 0, b"", b"");
        assert_ne!(k.seal(&ad, b"x").unwrap(), k.seal(&ad, b"x").unwrap());
        for len in [0, 1, 23, 24, 39] {
            assert_eq!(
                k.open(&ad, &vec![0u8; len]),
                Err(StorageError::RecordAuthenticationFailed)
            );
        }
    }
}
