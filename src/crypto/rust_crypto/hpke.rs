//! HPKE base mode, single shot (RFC 9180 §5.1.1, §6.1, §5.3) and `DeriveKeyPair` (§7.1.3)
//! for the KEMs of the RFC 9420 suites (RFC 9420 §5.1.3).
//!
//! DHKEM(X25519), DHKEM(P-256), DHKEM(P-384) and DHKEM(P-521) come from the `hpke` crate,
//! which fixes KEM, KDF and AEAD at compile time: each operation is one generic function,
//! instantiated per suite by `dispatch!`. DHKEM(X448) (suites 4 and 6) lives in
//! [`super::generic_hpke`].

use alloc::vec::Vec;

use hpke::aead::{Aead as HpkeAead, AesGcm128, AesGcm256, ChaCha20Poly1305};
use hpke::kdf::{HkdfSha256, HkdfSha384, HkdfSha512, Kdf as HpkeKdf};
use hpke::kem::{DhP256HkdfSha256, DhP384HkdfSha384, DhP521HkdfSha512, X25519HkdfSha256};
use hpke::{Deserializable, HpkeError, Kem, OpModeR, OpModeS, Serializable};
use zeroize::Zeroize;

use super::generic_hpke;
use super::random::LatchingRng;
use crate::crypto::{
    AeadId, CipherSuite, HpkeCiphertext, HpkeKeyPair, HpkePrivateKey, HpkePublicKey, KemId,
    RandomSource, Secret,
};
use crate::error::CryptoError;

/// Random bytes drawn as the ephemeral `ikm` for DHKEM(X448) (`Nsk` = 56).
const X448_IKM_LEN: usize = 56;

/// Calls `$f::<Aead, Kdf, Kem>($args)` for the `hpke`-crate suites (the HPKE KDF of every
/// RFC 9420 suite is HKDF with the suite's hash), or `$f::<Kem>($args)` with `kem`.
macro_rules! dispatch {
    ($suite:expr, $f:ident ( $($arg:expr),* $(,)? )) => {
        match $suite {
            CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519 => {
                $f::<AesGcm128, HkdfSha256, X25519HkdfSha256>($($arg),*)
            }
            CipherSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256 => {
                $f::<AesGcm128, HkdfSha256, DhP256HkdfSha256>($($arg),*)
            }
            CipherSuite::MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_ED25519 => {
                $f::<ChaCha20Poly1305, HkdfSha256, X25519HkdfSha256>($($arg),*)
            }
            CipherSuite::MLS_256_DHKEMP521_AES256GCM_SHA512_P521 => {
                $f::<AesGcm256, HkdfSha512, DhP521HkdfSha512>($($arg),*)
            }
            CipherSuite::MLS_256_DHKEMP384_AES256GCM_SHA384_P384 => {
                $f::<AesGcm256, HkdfSha384, DhP384HkdfSha384>($($arg),*)
            }
            _ => Err(CryptoError::Unsupported),
        }
    };
    (kem $suite:expr, $f:ident ( $($arg:expr),* $(,)? )) => {
        match $suite {
            CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519
            | CipherSuite::MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_ED25519 => {
                $f::<X25519HkdfSha256>($($arg),*)
            }
            CipherSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256 => {
                $f::<DhP256HkdfSha256>($($arg),*)
            }
            CipherSuite::MLS_256_DHKEMP521_AES256GCM_SHA512_P521 => {
                $f::<DhP521HkdfSha512>($($arg),*)
            }
            CipherSuite::MLS_256_DHKEMP384_AES256GCM_SHA384_P384 => {
                $f::<DhP384HkdfSha384>($($arg),*)
            }
            _ => Err(CryptoError::Unsupported),
        }
    };
}

/// The KEM and AEAD of `suite`, for the X448 branch.
pub(crate) fn kem_and_aead(suite: CipherSuite) -> Result<(KemId, AeadId), CryptoError> {
    suite
        .components()
        .map(|(kem, aead, _, _)| (kem, aead))
        .ok_or(CryptoError::Unsupported)
}

fn x448_ikm(random: &dyn RandomSource) -> Result<Secret, CryptoError> {
    let mut ikm = vec![0u8; X448_IKM_LEN];
    random.fill(&mut ikm)?;
    Ok(Secret::new(ikm))
}

/// `SealBase(pkR, info, aad, pt)` (RFC 9180 §6.1).
pub(crate) fn seal(
    suite: CipherSuite,
    random: &dyn RandomSource,
    pk_r: &[u8],
    info: &[u8],
    aad: &[u8],
    pt: &[u8],
) -> Result<HpkeCiphertext, CryptoError> {
    match kem_and_aead(suite)? {
        (KemId::DHKEM_X448, aead) => {
            generic_hpke::seal(aead, pk_r, info, aad, pt, x448_ikm(random)?.as_bytes())
        }
        _ => dispatch!(suite, seal_with(random, pk_r, info, aad, pt)),
    }
}

/// `OpenBase(enc, skR, info, aad, ct)` (RFC 9180 §6.1); every failure is the opaque
/// [`CryptoError::DecryptionFailed`].
pub(crate) fn open(
    suite: CipherSuite,
    ct: &HpkeCiphertext,
    sk_r: &HpkePrivateKey,
    info: &[u8],
    aad: &[u8],
) -> Result<Secret, CryptoError> {
    match kem_and_aead(suite)? {
        (KemId::DHKEM_X448, aead) => generic_hpke::open(aead, ct, sk_r, info, aad),
        _ => dispatch!(suite, open_with(ct, sk_r, info, aad)),
    }
}

/// `SetupBaseS(pkR, info)` then `Export(exporter_context, len)` (RFC 9180 §5.1.1, §5.3).
pub(crate) fn export_sender(
    suite: CipherSuite,
    random: &dyn RandomSource,
    pk_r: &[u8],
    info: &[u8],
    exporter_context: &[u8],
    len: usize,
) -> Result<(Vec<u8>, Secret), CryptoError> {
    match kem_and_aead(suite)? {
        (KemId::DHKEM_X448, aead) => {
            let ikm = x448_ikm(random)?;
            generic_hpke::export_sender(aead, pk_r, info, exporter_context, len, ikm.as_bytes())
        }
        _ => dispatch!(
            suite,
            export_sender_with(random, pk_r, info, exporter_context, len)
        ),
    }
}

/// `SetupBaseR(enc, skR, info)` then `Export(exporter_context, len)` (RFC 9180 §5.1.1, §5.3).
pub(crate) fn export_receiver(
    suite: CipherSuite,
    enc: &[u8],
    sk_r: &HpkePrivateKey,
    info: &[u8],
    exporter_context: &[u8],
    len: usize,
) -> Result<Secret, CryptoError> {
    match kem_and_aead(suite)? {
        (KemId::DHKEM_X448, aead) => {
            generic_hpke::export_receiver(aead, enc, sk_r, info, exporter_context, len)
        }
        _ => dispatch!(
            suite,
            export_receiver_with(enc, sk_r, info, exporter_context, len)
        ),
    }
}

/// `DeriveKeyPair(ikm)` (RFC 9180 §7.1.3), with the rejection sampling of the NIST curves.
pub(crate) fn derive_key_pair(suite: CipherSuite, ikm: &[u8]) -> Result<HpkeKeyPair, CryptoError> {
    match kem_and_aead(suite)? {
        (KemId::DHKEM_X448, _) => {
            generic_hpke::derive_key_pair(ikm).map(|(private_key, public_key)| HpkeKeyPair {
                private_key,
                public_key,
            })
        }
        _ => dispatch!(kem suite, derive_with(ikm)),
    }
}

/// The serialized public key of a serialized private key.
pub(crate) fn public_key(suite: CipherSuite, sk: &HpkePrivateKey) -> Result<Vec<u8>, CryptoError> {
    match kem_and_aead(suite)? {
        (KemId::DHKEM_X448, _) => generic_hpke::public_key(sk).map(|pk| pk.0),
        _ => dispatch!(kem suite, public_key_with(sk)),
    }
}

/// `Nsk`: the length of a serialized private key, the amount of randomness drawn for
/// `GenerateKeyPair` (RFC 9180 §7.1).
pub(crate) fn private_key_len(suite: CipherSuite) -> Result<usize, CryptoError> {
    match kem_and_aead(suite)?.0 {
        KemId::DHKEM_X25519 | KemId::DHKEM_P256 => Ok(32),
        KemId::DHKEM_P384 => Ok(48),
        KemId::DHKEM_X448 => Ok(X448_IKM_LEN),
        KemId::DHKEM_P521 => Ok(66),
        _ => Err(CryptoError::Unsupported),
    }
}

fn parse_pk<K: Kem>(pk: &[u8]) -> Result<K::PublicKey, CryptoError> {
    K::PublicKey::from_bytes(pk).map_err(|_| CryptoError::InvalidKey)
}

fn parse_sk<K: Kem>(sk: &HpkePrivateKey) -> Result<K::PrivateKey, CryptoError> {
    K::PrivateKey::from_bytes(sk.as_bytes()).map_err(|_| CryptoError::InvalidKey)
}

fn sk_bytes<K: Kem>(sk: &K::PrivateKey) -> HpkePrivateKey {
    let mut bytes = sk.to_bytes();
    let out = HpkePrivateKey::new(bytes.to_vec());
    bytes.as_mut_slice().zeroize();
    out
}

fn export_error(e: HpkeError) -> CryptoError {
    match e {
        HpkeError::KdfOutputTooLong => CryptoError::InvalidLength,
        _ => CryptoError::InvalidKey,
    }
}

fn seal_with<A: HpkeAead, F: HpkeKdf, K: Kem>(
    random: &dyn RandomSource,
    pk_r: &[u8],
    info: &[u8],
    aad: &[u8],
    pt: &[u8],
) -> Result<HpkeCiphertext, CryptoError> {
    let pk = parse_pk::<K>(pk_r)?;
    let mut rng = LatchingRng::new(random);
    let sealed =
        hpke::single_shot_seal_with_rng::<A, F, K>(&OpModeS::Base, &pk, info, pt, aad, &mut rng);
    let (enc, ciphertext) = rng
        .finish(sealed)?
        .map_err(|_| CryptoError::EncryptionFailed)?;
    Ok(HpkeCiphertext {
        kem_output: enc.to_bytes().to_vec(),
        ciphertext,
    })
}

fn open_with<A: HpkeAead, F: HpkeKdf, K: Kem>(
    ct: &HpkeCiphertext,
    sk_r: &HpkePrivateKey,
    info: &[u8],
    aad: &[u8],
) -> Result<Secret, CryptoError> {
    let sk = parse_sk::<K>(sk_r).map_err(|_| CryptoError::DecryptionFailed)?;
    let enc =
        K::EncappedKey::from_bytes(&ct.kem_output).map_err(|_| CryptoError::DecryptionFailed)?;
    hpke::single_shot_open::<A, F, K>(&OpModeR::Base, &sk, &enc, info, &ct.ciphertext, aad)
        .map(Secret::new)
        .map_err(|_| CryptoError::DecryptionFailed)
}

fn export_sender_with<A: HpkeAead, F: HpkeKdf, K: Kem>(
    random: &dyn RandomSource,
    pk_r: &[u8],
    info: &[u8],
    exporter_context: &[u8],
    len: usize,
) -> Result<(Vec<u8>, Secret), CryptoError> {
    let pk = parse_pk::<K>(pk_r)?;
    let mut rng = LatchingRng::new(random);
    let setup = hpke::setup_sender_with_rng::<A, F, K>(&OpModeS::Base, &pk, info, &mut rng);
    let (enc, ctx) = rng.finish(setup)?.map_err(|_| CryptoError::InvalidKey)?;
    let mut buf = vec![0u8; len];
    ctx.export(exporter_context, &mut buf)
        .map_err(export_error)?;
    Ok((enc.to_bytes().to_vec(), Secret::new(buf)))
}

fn export_receiver_with<A: HpkeAead, F: HpkeKdf, K: Kem>(
    enc: &[u8],
    sk_r: &HpkePrivateKey,
    info: &[u8],
    exporter_context: &[u8],
    len: usize,
) -> Result<Secret, CryptoError> {
    let sk = parse_sk::<K>(sk_r)?;
    let enc = K::EncappedKey::from_bytes(enc).map_err(|_| CryptoError::InvalidKey)?;
    let ctx = hpke::setup_receiver::<A, F, K>(&OpModeR::Base, &sk, &enc, info)
        .map_err(|_| CryptoError::InvalidKey)?;
    let mut buf = vec![0u8; len];
    ctx.export(exporter_context, &mut buf)
        .map_err(export_error)?;
    Ok(Secret::new(buf))
}

fn derive_with<K: Kem>(ikm: &[u8]) -> Result<HpkeKeyPair, CryptoError> {
    let (sk, pk) = K::derive_keypair(ikm);
    Ok(HpkeKeyPair {
        private_key: sk_bytes::<K>(&sk),
        public_key: HpkePublicKey(pk.to_bytes().to_vec()),
    })
}

fn public_key_with<K: Kem>(sk: &HpkePrivateKey) -> Result<Vec<u8>, CryptoError> {
    Ok(K::sk_to_pk(&parse_sk::<K>(sk)?).to_bytes().to_vec())
}
