//! HPKE (RFC 9180) base mode with the post-quantum and PQ/T hybrid KEMs of
//! draft-ietf-hpke-pq, under the HKDF KDFs (RFC 9180 §7.2) and the RFC 9180 AEADs (§7.3).
//!
//! | `kem_id` | KEM | draft-ietf-hpke-pq |
//! |---|---|---|
//! | 0x0041 | ML-KEM-768 | §3 |
//! | 0x0042 | ML-KEM-1024 | §3 |
//! | 0x0050 | MLKEM768-P256 | §4 |
//! | 0x0051 | MLKEM1024-P384 | §4 |
//! | 0x647a | MLKEM768-X25519 (X-Wing) | §4 |
//!
//! The KEMs, the key schedule and the AEAD contexts are the `hpke` crate's (its `mlkem`
//! feature, on the RustCrypto `ml-kem` and `x-wing` crates and the `p256`/`p384` curves);
//! this module picks them at run time from the algorithm identifiers and draws the
//! encapsulation randomness from a [`RandomSource`]. The KEMs are compiled in only with the
//! cargo feature `pq` (off by default): without it every function here returns
//! [`CryptoError::Unsupported`] and [`is_supported`] is `false`. No MLS cipher suite uses
//! them yet.
//!
//! Encapsulation randomness is drawn in the order the KEM consumes it, so a vector's `ikmE`
//! served byte by byte reproduces its `enc`: ML-KEM takes the 32-byte message `m` of
//! `ML-KEM.Encaps` (FIPS 203 Algorithm 20); X-Wing 64 bytes (`m`, then the X25519 ephemeral
//! scalar); the NIST hybrids `m`, then the ephemeral scalar by rejection sampling
//! (`RandomScalar`, one 32-byte candidate per draw for P-256, 48 bytes for P-384).
//!
//! These KEMs have no `AuthEncap`/`AuthDecap` (draft-ietf-hpke-pq §7.2): only `mode_base`
//! is offered.

// Without `pq` the functions keep their signatures but have no KEM to run.
#![cfg_attr(not(feature = "pq"), allow(unused_variables, unused_macros, dead_code))]

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;

use hpke::aead::{Aead as HpkeAead, AeadCtxR, AeadCtxS};
use hpke::kdf::Kdf as HpkeKdf;
use hpke::{Deserializable, HpkeError, Kem, Serializable};
use zeroize::Zeroize;

#[cfg(feature = "pq")]
use super::random::LatchingRng;
use crate::crypto::{
    AeadId, HashId, HpkeKeyPair, HpkePrivateKey, HpkePublicKey, KemId, RandomSource, Secret,
};
use crate::error::CryptoError;

/// The KEMs this module implements with the feature `pq` (draft-ietf-hpke-pq §3, §4).
pub const KEMS: [KemId; 5] = [
    KemId::ML_KEM_768,
    KemId::ML_KEM_1024,
    KemId::MLKEM768_P256,
    KemId::MLKEM1024_P384,
    KemId::MLKEM768_X25519,
];

/// An HPKE algorithm triple (RFC 9180 §5.1 `suite_id`): KEM, KDF and AEAD identifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HpkeAlgorithms {
    /// `kem_id` (RFC 9180 §7.1, draft-ietf-hpke-pq §6).
    pub kem: KemId,
    /// `kdf_id` (RFC 9180 §7.2): HKDF-SHA256, -SHA384 or -SHA512.
    pub kdf: HashId,
    /// `aead_id` (RFC 9180 §7.3): AES-128-GCM, AES-256-GCM or ChaCha20-Poly1305.
    pub aead: AeadId,
}

/// Whether this build implements `alg`: feature `pq`, a KEM of [`KEMS`], an HKDF KDF and one
/// of the three RFC 9180 AEADs (not export-only).
pub fn is_supported(alg: HpkeAlgorithms) -> bool {
    cfg!(feature = "pq")
        && KEMS.contains(&alg.kem)
        && matches!(alg.kdf, HashId::SHA256 | HashId::SHA384 | HashId::SHA512)
        && matches!(
            alg.aead,
            AeadId::AES_128_GCM | AeadId::AES_256_GCM | AeadId::CHACHA20_POLY1305
        )
}

/// Runs `$body` with the type `$K` set to the `hpke` crate's implementation of `$kem`.
#[cfg(feature = "pq")]
macro_rules! with_kem {
    ($kem:expr, |$K:ident| $body:expr) => {
        match $kem {
            KemId::ML_KEM_768 => {
                type $K = hpke::kem::MlKem768;
                $body
            }
            KemId::ML_KEM_1024 => {
                type $K = hpke::kem::MlKem1024;
                $body
            }
            KemId::MLKEM768_P256 => {
                type $K = hpke::kem::MlKem768P256;
                $body
            }
            KemId::MLKEM1024_P384 => {
                type $K = hpke::kem::MlKem1024P384;
                $body
            }
            KemId::MLKEM768_X25519 => {
                type $K = hpke::kem::XWing;
                $body
            }
            _ => Err(CryptoError::Unsupported),
        }
    };
}

/// Without the feature `pq` no KEM is compiled in.
#[cfg(not(feature = "pq"))]
macro_rules! with_kem {
    ($kem:expr, |$K:ident| $body:expr) => {{
        let _ = $kem;
        Err(CryptoError::Unsupported)
    }};
}

/// Runs `$body` with `$A`, `$F`, `$K` set to the `hpke` crate's AEAD, KDF and KEM of `$alg`.
macro_rules! with_algorithms {
    ($alg:expr, |$A:ident, $F:ident, $K:ident| $body:expr) => {{
        let alg: HpkeAlgorithms = $alg;
        with_kem!(alg.kem, |$K| match alg.kdf {
            HashId::SHA256 => {
                type $F = hpke::kdf::HkdfSha256;
                with_aead!(alg.aead, |$A| $body)
            }
            HashId::SHA384 => {
                type $F = hpke::kdf::HkdfSha384;
                with_aead!(alg.aead, |$A| $body)
            }
            HashId::SHA512 => {
                type $F = hpke::kdf::HkdfSha512;
                with_aead!(alg.aead, |$A| $body)
            }
            _ => Err(CryptoError::Unsupported),
        })
    }};
}

macro_rules! with_aead {
    ($aead:expr, |$A:ident| $body:expr) => {
        match $aead {
            AeadId::AES_128_GCM => {
                type $A = hpke::aead::AesGcm128;
                $body
            }
            AeadId::AES_256_GCM => {
                type $A = hpke::aead::AesGcm256;
                $body
            }
            AeadId::CHACHA20_POLY1305 => {
                type $A = hpke::aead::ChaCha20Poly1305;
                $body
            }
            _ => Err(CryptoError::Unsupported),
        }
    };
}

/// `DeriveKeyPair(ikm)` of `kem` (draft-ietf-hpke-pq §3, §4): `SHAKE256.LabeledDerive(ikm,
/// "DeriveKeyPair", "", Nsk)` (64 bytes for ML-KEM, a 32-byte seed for the hybrids), then the
/// KEM's key generation from that seed. Private keys are in seed form.
pub fn derive_key_pair(kem: KemId, ikm: &[u8]) -> Result<HpkeKeyPair, CryptoError> {
    with_kem!(kem, |K| derive_with::<K>(ikm))
}

/// The serialized encapsulation key of a serialized (seed-form) decapsulation key of `kem`.
/// A private key of the wrong length is [`CryptoError::InvalidKey`].
pub fn public_key(kem: KemId, sk: &HpkePrivateKey) -> Result<HpkePublicKey, CryptoError> {
    with_kem!(kem, |K| public_key_with::<K>(sk))
}

/// `Encap(pkR)` of `kem` with randomness from `random`: returns `(shared_secret, enc)`.
/// A malformed `pk_r` (wrong length, an ML-KEM encapsulation key failing the FIPS 203
/// modulus check, a point not on the curve) is [`CryptoError::InvalidKey`]; a failing
/// `random` is [`CryptoError::Random`].
pub fn encap(
    kem: KemId,
    pk_r: &[u8],
    random: &dyn RandomSource,
) -> Result<(Secret, Vec<u8>), CryptoError> {
    with_kem!(kem, |K| encap_with::<K>(pk_r, random))
}

/// `Decap(enc, skR)` of `kem`: the shared secret. An `enc` of the wrong length or (hybrids)
/// whose traditional share is not a valid point is [`CryptoError::InvalidKey`]; a
/// well-formed but wrong ML-KEM ciphertext gives an unrelated secret (implicit rejection,
/// FIPS 203 Algorithm 18), so the later AEAD open fails.
pub fn decap(kem: KemId, enc: &[u8], sk_r: &HpkePrivateKey) -> Result<Secret, CryptoError> {
    with_kem!(kem, |K| decap_with::<K>(enc, sk_r))
}

/// `SetupBaseS(pkR, info)` (RFC 9180 §5.1.1) with the encapsulation randomness from
/// `random`: returns `enc` and the sender context. Errors as [`encap`], and
/// [`CryptoError::Unsupported`] for an algorithm triple that [`is_supported`] refuses.
pub fn setup_base_s(
    alg: HpkeAlgorithms,
    pk_r: &[u8],
    info: &[u8],
    random: &dyn RandomSource,
) -> Result<(Vec<u8>, HpkeSenderContext), CryptoError> {
    with_algorithms!(alg, |A, F, K| setup_s_with::<A, F, K>(pk_r, info, random))
}

/// `SetupBaseR(enc, skR, info)` (RFC 9180 §5.1.1): the receiver context. Errors as
/// [`decap`], and [`CryptoError::Unsupported`] for an algorithm triple that
/// [`is_supported`] refuses.
pub fn setup_base_r(
    alg: HpkeAlgorithms,
    enc: &[u8],
    sk_r: &HpkePrivateKey,
    info: &[u8],
) -> Result<HpkeReceiverContext, CryptoError> {
    with_algorithms!(alg, |A, F, K| setup_r_with::<A, F, K>(enc, sk_r, info))
}

/// The sender's encryption context (RFC 9180 §5.2 `ContextS`): `Seal` with an incrementing
/// sequence number, and `Export` (§5.3).
pub struct HpkeSenderContext {
    inner: Box<dyn SenderOps>,
}

impl HpkeSenderContext {
    /// `Seal(aad, pt)` (RFC 9180 §5.2) at the next sequence number. After `2^(8*Nn) - 1`
    /// messages the context refuses with [`CryptoError::EncryptionFailed`].
    pub fn seal(&mut self, aad: &[u8], pt: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.inner
            .seal(aad, pt)
            .map_err(|_| CryptoError::EncryptionFailed)
    }

    /// `Export(exporter_context, L)` (RFC 9180 §5.3); `L > 255 * Nh` is
    /// [`CryptoError::InvalidLength`].
    pub fn export(&self, exporter_context: &[u8], len: usize) -> Result<Secret, CryptoError> {
        let mut out = vec![0u8; len];
        self.inner
            .export(exporter_context, &mut out)
            .map_err(export_error)?;
        Ok(Secret::new(out))
    }
}

impl fmt::Debug for HpkeSenderContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HpkeSenderContext(..)")
    }
}

/// The receiver's encryption context (RFC 9180 §5.2 `ContextR`): `Open` with an
/// incrementing sequence number, and `Export` (§5.3).
pub struct HpkeReceiverContext {
    inner: Box<dyn ReceiverOps>,
}

impl HpkeReceiverContext {
    /// `Open(aad, ct)` (RFC 9180 §5.2) at the next sequence number; every failure is the
    /// opaque [`CryptoError::DecryptionFailed`]. A failed open does not advance the
    /// sequence number.
    pub fn open(&mut self, aad: &[u8], ct: &[u8]) -> Result<Secret, CryptoError> {
        self.inner
            .open(aad, ct)
            .map(Secret::new)
            .map_err(|_| CryptoError::DecryptionFailed)
    }

    /// `Export(exporter_context, L)` (RFC 9180 §5.3); `L > 255 * Nh` is
    /// [`CryptoError::InvalidLength`].
    pub fn export(&self, exporter_context: &[u8], len: usize) -> Result<Secret, CryptoError> {
        let mut out = vec![0u8; len];
        self.inner
            .export(exporter_context, &mut out)
            .map_err(export_error)?;
        Ok(Secret::new(out))
    }
}

impl fmt::Debug for HpkeReceiverContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HpkeReceiverContext(..)")
    }
}

/// The operations of an `hpke` sender context, with its algorithms erased.
trait SenderOps {
    fn seal(&mut self, aad: &[u8], pt: &[u8]) -> Result<Vec<u8>, HpkeError>;
    fn export(&self, exporter_context: &[u8], out: &mut [u8]) -> Result<(), HpkeError>;
}

impl<A: HpkeAead, F: HpkeKdf, K: Kem> SenderOps for AeadCtxS<A, F, K> {
    fn seal(&mut self, aad: &[u8], pt: &[u8]) -> Result<Vec<u8>, HpkeError> {
        AeadCtxS::seal(self, pt, aad)
    }

    fn export(&self, exporter_context: &[u8], out: &mut [u8]) -> Result<(), HpkeError> {
        AeadCtxS::export(self, exporter_context, out)
    }
}

/// The operations of an `hpke` receiver context, with its algorithms erased.
trait ReceiverOps {
    fn open(&mut self, aad: &[u8], ct: &[u8]) -> Result<Vec<u8>, HpkeError>;
    fn export(&self, exporter_context: &[u8], out: &mut [u8]) -> Result<(), HpkeError>;
}

impl<A: HpkeAead, F: HpkeKdf, K: Kem> ReceiverOps for AeadCtxR<A, F, K> {
    fn open(&mut self, aad: &[u8], ct: &[u8]) -> Result<Vec<u8>, HpkeError> {
        AeadCtxR::open(self, ct, aad)
    }

    fn export(&self, exporter_context: &[u8], out: &mut [u8]) -> Result<(), HpkeError> {
        AeadCtxR::export(self, exporter_context, out)
    }
}

fn export_error(e: HpkeError) -> CryptoError {
    match e {
        HpkeError::KdfOutputTooLong => CryptoError::InvalidLength,
        _ => CryptoError::InvalidKey,
    }
}

fn parse_pk<K: Kem>(pk: &[u8]) -> Result<K::PublicKey, CryptoError> {
    K::PublicKey::from_bytes(pk).map_err(|_| CryptoError::InvalidKey)
}

fn parse_sk<K: Kem>(sk: &HpkePrivateKey) -> Result<K::PrivateKey, CryptoError> {
    K::PrivateKey::from_bytes(sk.as_bytes()).map_err(|_| CryptoError::InvalidKey)
}

fn derive_with<K: Kem>(ikm: &[u8]) -> Result<HpkeKeyPair, CryptoError> {
    let (sk, pk) = K::derive_keypair(ikm);
    let mut bytes = sk.to_bytes();
    let private_key = HpkePrivateKey::new(bytes.to_vec());
    bytes.as_mut_slice().zeroize();
    Ok(HpkeKeyPair {
        private_key,
        public_key: HpkePublicKey(pk.to_bytes().to_vec()),
    })
}

fn public_key_with<K: Kem>(sk: &HpkePrivateKey) -> Result<HpkePublicKey, CryptoError> {
    let pk = K::sk_to_pk(&parse_sk::<K>(sk)?);
    Ok(HpkePublicKey(pk.to_bytes().to_vec()))
}

#[cfg(feature = "pq")]
fn encap_with<K: Kem>(
    pk_r: &[u8],
    random: &dyn RandomSource,
) -> Result<(Secret, Vec<u8>), CryptoError> {
    let pk = parse_pk::<K>(pk_r)?;
    let mut rng = LatchingRng::new(random);
    let encapped = K::encap_with_rng(&pk, None, &mut rng);
    let (shared_secret, enc) = rng.finish(encapped)?.map_err(|_| CryptoError::InvalidKey)?;
    Ok((
        Secret::from_slice(shared_secret.0.as_slice()),
        enc.to_bytes().to_vec(),
    ))
}

#[cfg(feature = "pq")]
fn decap_with<K: Kem>(enc: &[u8], sk_r: &HpkePrivateKey) -> Result<Secret, CryptoError> {
    let sk = parse_sk::<K>(sk_r)?;
    let enc = K::EncappedKey::from_bytes(enc).map_err(|_| CryptoError::InvalidKey)?;
    let shared_secret = K::decap(&sk, None, &enc).map_err(|_| CryptoError::InvalidKey)?;
    Ok(Secret::from_slice(shared_secret.0.as_slice()))
}

#[cfg(feature = "pq")]
fn setup_s_with<A: HpkeAead + 'static, F: HpkeKdf + 'static, K: Kem + 'static>(
    pk_r: &[u8],
    info: &[u8],
    random: &dyn RandomSource,
) -> Result<(Vec<u8>, HpkeSenderContext), CryptoError> {
    let pk = parse_pk::<K>(pk_r)?;
    let mut rng = LatchingRng::new(random);
    let setup = hpke::setup_sender_with_rng::<A, F, K>(&hpke::OpModeS::Base, &pk, info, &mut rng);
    let (enc, ctx) = rng.finish(setup)?.map_err(|_| CryptoError::InvalidKey)?;
    Ok((
        enc.to_bytes().to_vec(),
        HpkeSenderContext {
            inner: Box::new(ctx),
        },
    ))
}

#[cfg(feature = "pq")]
fn setup_r_with<A: HpkeAead + 'static, F: HpkeKdf + 'static, K: Kem + 'static>(
    enc: &[u8],
    sk_r: &HpkePrivateKey,
    info: &[u8],
) -> Result<HpkeReceiverContext, CryptoError> {
    let sk = parse_sk::<K>(sk_r)?;
    let enc = K::EncappedKey::from_bytes(enc).map_err(|_| CryptoError::InvalidKey)?;
    let ctx = hpke::setup_receiver::<A, F, K>(&hpke::OpModeR::Base, &sk, &enc, info)
        .map_err(|_| CryptoError::InvalidKey)?;
    Ok(HpkeReceiverContext {
        inner: Box::new(ctx),
    })
}

#[cfg(all(test, feature = "pq"))]
#[path = "tests_hpke_pq.rs"]
mod tests;
