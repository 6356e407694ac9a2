//! A generic base-mode, single-shot HPKE (RFC 9180) for the KEMs of the RFC 9420 suites,
//! used where the `hpke` crate does not fit:
//!
//! - DHKEM(X448, HKDF-SHA512) for MLS cipher suites 4 and 6
//!   (`MLS_256_DHKEMX448_AES256GCM_SHA512_ED448`,
//!   `MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_ED448`), which the `hpke` crate lacks: KEM
//!   `kem_id` 0x0021 (`Nsecret` 64, `Nenc = Npk = Nsk = 56`), KDF `HKDF-SHA512` (`kdf_id`
//!   0x0003) and the suite's AEAD;
//! - [`seal_batch`], `SealBase` to many recipients with one `info` for every suite, which
//!   hashes `info` once instead of once per recipient (RFC 9420 §12.4.3.1 Welcome).
//!
//! The DHKEM and the key schedule are generic ([`hpke`]); [`kems`] supplies the groups
//! (X25519 and X448 of RFC 7748, P-256/P-384/P-521) and this module the `pub(crate)` X448
//! entry points the provider calls. Ephemeral keys are derived from caller-supplied randomness
//! with `DeriveKeyPair` (RFC 9180 §7.1.3), which keeps this code deterministic and testable.

#![forbid(unsafe_code)]

mod batch;
mod batch_x25519;
mod hpke;
mod kems;
mod open;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_kems;

use alloc::vec::Vec;

pub(crate) use self::batch::seal_batch;
use self::kems::{DhKemP256, DhKemP384, DhKemP521, DhKemX448, HkdfSha512};
pub(crate) use self::open::open_with_public_key;
use crate::crypto::{AeadId, HpkeCiphertext, HpkePrivateKey, HpkePublicKey, Secret};
use crate::error::CryptoError;

/// `DeriveKeyPair(ikm)` for DHKEM(X448, HKDF-SHA512) (RFC 9180 §7.1.3):
/// `dkp_prk = LabeledExtract("", "dkp_prk", ikm)`, `sk = LabeledExpand(dkp_prk, "sk", "", 56)`.
pub(crate) fn derive_key_pair(ikm: &[u8]) -> Result<(HpkePrivateKey, HpkePublicKey), CryptoError> {
    hpke::derive_key_pair::<DhKemX448>(ikm)
}

/// The X448 public key of a 56-byte private key (`pk(skX)`, RFC 9180 §4.1 / RFC 7748 §6.2).
pub(crate) fn public_key(sk: &HpkePrivateKey) -> Result<HpkePublicKey, CryptoError> {
    hpke::public_key::<DhKemX448>(sk.as_bytes()).map(HpkePublicKey)
}

/// Whether `pk` is a public key of DHKEM `kem_id` that a sender can encapsulate to
/// (RFC 9180 §7.1.4): the right length, on the curve (NIST curves), and not of low order
/// (X25519, X448: the all-zero DH output). Checked by one DH with a fixed private key, so
/// that a key refused here is exactly a key `SealBase` would refuse.
pub(crate) fn validate_public_key(kem_id: u16, pk: &[u8]) -> Result<(), CryptoError> {
    // Any valid private key: DH is then defined for every valid `pk`. For the NIST curves
    // the scalar 1 (big-endian), for X25519/X448 any string (the function clamps it).
    fn check<K: hpke::Kem>(pk: &[u8]) -> Result<(), CryptoError> {
        let mut sk = alloc::vec![0u8; K::N_SK];
        if let Some(last) = sk.last_mut() {
            *last = 1;
        }
        hpke::dh::<K>(&sk, pk).map(|_| ())
    }
    match kem_id {
        0x0020 => x25519_check(pk),
        0x0021 => check::<DhKemX448>(pk),
        0x0010 => check::<DhKemP256>(pk),
        0x0011 => check::<DhKemP384>(pk),
        0x0012 => check::<DhKemP521>(pk),
        _ => Err(CryptoError::Unsupported),
    }
}

/// The X25519 u-coordinates whose DH output is all zero whatever the scalar (RFC 7748 §6.1,
/// RFC 9180 §7.1.4), bit 255 cleared: 0, 1, the two points of order 8, p - 1, and the
/// non-canonical p and p + 1 (the list libsodium's `has_small_order` uses). Cross-checked
/// against the DH check by the tests.
const X25519_LOW_ORDER: [[u8; 32]; 7] = {
    let mut p_minus_1 = [0xff; 32];
    p_minus_1[0] = 0xec;
    p_minus_1[31] = 0x7f;
    let mut p = p_minus_1;
    p[0] = 0xed;
    let mut p_plus_1 = p_minus_1;
    p_plus_1[0] = 0xee;
    let mut one = [0u8; 32];
    one[0] = 1;
    [
        [0u8; 32],
        one,
        [
            0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f,
            0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16,
            0x5f, 0x49, 0xb8, 0x00,
        ],
        [
            0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83,
            0xef, 0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd,
            0xd0, 0x9f, 0x11, 0x57,
        ],
        p_minus_1,
        p,
        p_plus_1,
    ]
};

/// The X25519 public key check without a scalar multiplication: 32 bytes, not one of
/// [`X25519_LOW_ORDER`] (bit 255 is ignored, as X25519 does).
fn x25519_check(pk: &[u8]) -> Result<(), CryptoError> {
    let pk: &[u8; 32] = pk.try_into().map_err(|_| CryptoError::InvalidKey)?;
    let mut u = *pk;
    u[31] &= 0x7f;
    if X25519_LOW_ORDER.contains(&u) {
        Err(CryptoError::InvalidKey)
    } else {
        Ok(())
    }
}

/// The DH-based check of X25519 keys (one scalar multiplication), for the tests.
#[cfg(test)]
pub(crate) fn x25519_dh_check(pk: &[u8]) -> Result<(), CryptoError> {
    let mut sk = [0u8; 32];
    sk[0] = 0x48;
    sk[31] = 0x41;
    hpke::dh::<self::kems::DhKemX25519>(&sk, pk).map(|_| ())
}

/// Single-shot `SealBase(pkR, info, aad, pt)` (RFC 9180 §6.1): `SetupBaseS` (§5.1.1) with the
/// ephemeral key pair `DeriveKeyPair(ephemeral_ikm)`, then `Seal` at sequence number 0
/// (§5.2). A malformed or low-order `pk_r` fails with [`CryptoError::InvalidKey`] (§7.1.4).
pub(crate) fn seal(
    aead: AeadId,
    pk_r: &[u8],
    info: &[u8],
    aad: &[u8],
    pt: &[u8],
    ephemeral_ikm: &[u8],
) -> Result<HpkeCiphertext, CryptoError> {
    let (enc, ctx) = hpke::setup_base_s::<DhKemX448, HkdfSha512>(aead, pk_r, info, ephemeral_ikm)?;
    let ciphertext = ctx.seal(aad, pt)?;
    Ok(HpkeCiphertext {
        kem_output: enc,
        ciphertext,
    })
}

/// Single-shot `OpenBase(enc, skR, info, aad, ct)` (RFC 9180 §6.1): `SetupBaseR` (§5.1.1),
/// then `Open` at sequence number 0 (§5.2). Every failure after the AEAD check, including a
/// malformed or low-order `enc`, is the opaque [`CryptoError::DecryptionFailed`].
pub(crate) fn open(
    aead: AeadId,
    ct: &HpkeCiphertext,
    sk_r: &HpkePrivateKey,
    info: &[u8],
    aad: &[u8],
) -> Result<Secret, CryptoError> {
    if aead.key_len().is_none() || aead.nonce_len().is_none() {
        return Err(CryptoError::Unsupported);
    }
    let ctx =
        hpke::setup_base_r::<DhKemX448, HkdfSha512>(aead, &ct.kem_output, sk_r.as_bytes(), info)
            .map_err(|_| CryptoError::DecryptionFailed)?;
    ctx.open(aad, &ct.ciphertext)
        .map_err(|_| CryptoError::DecryptionFailed)
}

/// `SetupBaseS(pkR, info)` then `Export(exporter_context, len)` (RFC 9180 §5.1.1, §5.3), with
/// the ephemeral key pair `DeriveKeyPair(ephemeral_ikm)`; returns `(enc, exported secret)`.
///
/// The AEAD is needed although nothing is encrypted: its id is part of the HPKE `suite_id`
/// (§5.1), so suites 4 and 6 export different values.
pub(crate) fn export_sender(
    aead: AeadId,
    pk_r: &[u8],
    info: &[u8],
    exporter_context: &[u8],
    len: usize,
    ephemeral_ikm: &[u8],
) -> Result<(Vec<u8>, Secret), CryptoError> {
    let (enc, ctx) = hpke::setup_base_s::<DhKemX448, HkdfSha512>(aead, pk_r, info, ephemeral_ikm)?;
    let exported = ctx.export::<DhKemX448, HkdfSha512>(exporter_context, len)?;
    Ok((enc, exported))
}

/// `SetupBaseR(enc, skR, info)` then `Export(exporter_context, len)` (RFC 9180 §5.1.1, §5.3).
/// A malformed or low-order `enc` fails with [`CryptoError::InvalidKey`].
pub(crate) fn export_receiver(
    aead: AeadId,
    enc: &[u8],
    sk_r: &HpkePrivateKey,
    info: &[u8],
    exporter_context: &[u8],
    len: usize,
) -> Result<Secret, CryptoError> {
    let ctx = hpke::setup_base_r::<DhKemX448, HkdfSha512>(aead, enc, sk_r.as_bytes(), info)?;
    ctx.export::<DhKemX448, HkdfSha512>(exporter_context, len)
}
