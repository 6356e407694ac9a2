//! The post-quantum suites of draft-ietf-mls-pq-ciphersuites in [`super::RustCrypto`]
//! (feature `pq`): HPKE single-shot seal/open over [`super::hpke_pq`], and the validation of
//! received PQ KEM public keys (RFC 9180 §7.1.4 as draft-ietf-hpke-pq §3, §4 instantiate it).
//!
//! Public-key checks ([`validate_public_key`]), each refusing with the opaque
//! [`CryptoError::InvalidKey`] (which the group maps to its "invalid KEM public key" check):
//! - ML-KEM-768/1024: the length `Npk` (1,184 / 1,568 bytes) and the FIPS 203 §7.2
//!   encapsulation-key modulus check (every 12-bit coefficient of `ByteDecode12` below
//!   `q = 3329`);
//! - the hybrids, `ek_PQ || ek_T` (draft-irtf-cfrg-hybrid-kems): the total length `Npk`,
//!   the ML-KEM part as above, and the traditional part: an X25519 key of 32 bytes
//!   (X-Wing), an uncompressed SEC1 point on P-256 (65 bytes, MLKEM768-P256) or P-384
//!   (97 bytes, MLKEM1024-P384), not the identity.

#![cfg_attr(not(feature = "pq"), allow(dead_code, unused_imports))]

use super::hpke_pq::{self, HpkeAlgorithms};
use crate::crypto::{HpkeCiphertext, HpkePrivateKey, KemId, RandomSource, Secret};
use crate::error::CryptoError;

/// `q`, the ML-KEM modulus (FIPS 203 §2.4).
const MLKEM_Q: u16 = 3329;
/// Bytes of one encoded ML-KEM polynomial (`ByteEncode12` of 256 coefficients).
const MLKEM_POLY_BYTES: usize = 384;
/// Length of `rho`, the seed that ends an ML-KEM encapsulation key.
const MLKEM_RHO_LEN: usize = 32;

/// `SealBase(pkR, info, aad, pt)` (RFC 9180 §6.1) with a PQ KEM.
pub(crate) fn seal(
    alg: HpkeAlgorithms,
    random: &dyn RandomSource,
    pk_r: &[u8],
    info: &[u8],
    aad: &[u8],
    pt: &[u8],
) -> Result<HpkeCiphertext, CryptoError> {
    let (enc, mut ctx) = hpke_pq::setup_base_s(alg, pk_r, info, random)?;
    let ciphertext = ctx.seal(aad, pt)?;
    Ok(HpkeCiphertext {
        kem_output: enc,
        ciphertext,
    })
}

/// `OpenBase(enc, skR, info, aad, ct)` (RFC 9180 §6.1) with a PQ KEM; every failure after
/// the decapsulation is the opaque [`CryptoError::DecryptionFailed`].
pub(crate) fn open(
    alg: HpkeAlgorithms,
    ct: &HpkeCiphertext,
    sk_r: &HpkePrivateKey,
    info: &[u8],
    aad: &[u8],
) -> Result<Secret, CryptoError> {
    let mut ctx = hpke_pq::setup_base_r(alg, &ct.kem_output, sk_r, info)?;
    ctx.open(aad, &ct.ciphertext)
}

/// `k` of the ML-KEM parameter set of `kem` (FIPS 203 §8): 3 for ML-KEM-768, 4 for
/// ML-KEM-1024, and the length of the traditional key that follows the ML-KEM key.
fn layout(kem: KemId) -> Result<(usize, usize), CryptoError> {
    Ok(match kem {
        KemId::ML_KEM_768 => (3, 0),
        KemId::ML_KEM_1024 => (4, 0),
        KemId::MLKEM768_X25519 => (3, 32),
        KemId::MLKEM768_P256 => (3, 65),
        KemId::MLKEM1024_P384 => (4, 97),
        _ => return Err(CryptoError::Unsupported),
    })
}

/// Whether `pk` is a public key of `kem` that can be encapsulated to (see the module
/// documentation for the checks): [`CryptoError::InvalidKey`] otherwise.
pub(crate) fn validate_public_key(kem: KemId, pk: &[u8]) -> Result<(), CryptoError> {
    let (k, trad_len) = layout(kem)?;
    let mlkem_len = MLKEM_POLY_BYTES
        .checked_mul(k)
        .and_then(|n| n.checked_add(MLKEM_RHO_LEN))
        .ok_or(CryptoError::InvalidKey)?;
    if pk.len()
        != mlkem_len
            .checked_add(trad_len)
            .ok_or(CryptoError::InvalidKey)?
    {
        return Err(CryptoError::InvalidKey);
    }
    let (ek_pq, ek_t) = pk.split_at(mlkem_len);
    mlkem_modulus_check(ek_pq, k)?;
    match kem {
        KemId::MLKEM768_P256 => p256_point_check(ek_t),
        KemId::MLKEM1024_P384 => p384_point_check(ek_t),
        // X25519 (X-Wing): any 32-byte string is a key (the length was checked above).
        _ => Ok(()),
    }
}

/// The FIPS 203 §7.2 "modulus check" of an encapsulation key of parameter `k`:
/// `ByteEncode12(ByteDecode12(t)) == t` for the `384 k` bytes of `t`, i.e. every 12-bit
/// little-endian coefficient is below `q`.
fn mlkem_modulus_check(ek: &[u8], k: usize) -> Result<(), CryptoError> {
    let t_len = MLKEM_POLY_BYTES
        .checked_mul(k)
        .ok_or(CryptoError::InvalidKey)?;
    let t = ek.get(..t_len).ok_or(CryptoError::InvalidKey)?;
    let mut ok = true;
    for chunk in t.chunks_exact(3) {
        if let [b0, b1, b2] = *chunk {
            let d1 = u16::from(b0) | (u16::from(b1 & 0x0f) << 8);
            let d2 = (u16::from(b1) >> 4) | (u16::from(b2) << 4);
            ok &= d1 < MLKEM_Q && d2 < MLKEM_Q;
        }
    }
    if ok {
        Ok(())
    } else {
        Err(CryptoError::InvalidKey)
    }
}

/// SEC1 tag of an uncompressed point.
const UNCOMPRESSED: u8 = 0x04;

fn p256_point_check(point: &[u8]) -> Result<(), CryptoError> {
    if point.first() != Some(&UNCOMPRESSED) {
        return Err(CryptoError::InvalidKey);
    }
    p256::PublicKey::from_sec1_bytes(point)
        .map(|_| ())
        .map_err(|_| CryptoError::InvalidKey)
}

fn p384_point_check(point: &[u8]) -> Result<(), CryptoError> {
    if point.first() != Some(&UNCOMPRESSED) {
        return Err(CryptoError::InvalidKey);
    }
    p384::PublicKey::from_sec1_bytes(point)
        .map(|_| ())
        .map_err(|_| CryptoError::InvalidKey)
}

#[cfg(all(test, feature = "pq"))]
#[path = "tests_pq.rs"]
mod tests;
