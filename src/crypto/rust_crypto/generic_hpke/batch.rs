//! `SealBase(pkR_i, info, aad, pt_i)` to many recipients sharing one `info` (RFC 9180 §6.1),
//! for the `Welcome` of RFC 9420 §12.4.3.1, where `info` is the `EncryptContext` holding the
//! whole encrypted GroupInfo.
//!
//! In base mode the key schedule context `concat(mode, psk_id_hash, info_hash)` (RFC 9180
//! §5.1) depends only on the mode, `psk_id` and `info`, so it is computed once; per recipient
//! only `Encap` (a fresh ephemeral key), `secret`, `key`, `base_nonce` and one AEAD seal at
//! sequence number 0 remain. Hashing `info` once turns Welcome creation for `k` new members
//! from `O(k * |GroupInfo|)` into `O(k + |GroupInfo|)`.
//!
//! The ephemeral keys are `DeriveKeyPair(ikm_i)` (RFC 9180 §7.1.3) with `ikm_i` `Nsk` fresh
//! random bytes per recipient, all drawn from the provider's [`RandomSource`] in one call on
//! the calling thread; with the `parallel` feature the recipients are then split over all
//! cores (rayon), so the random source is never used from several threads at once.

use alloc::vec::Vec;

use zeroize::Zeroizing;

use super::batch_x25519;
use super::hpke::{self, Kdf, Kem};
use super::kems::{
    DhKemP256, DhKemP384, DhKemP521, DhKemX448, DhKemX25519, HkdfSha256, HkdfSha384, HkdfSha512,
};
use crate::crypto::{
    AeadId, CipherSuite, HashId, HpkeCiphertext, HpkePublicKey, KemId, RandomSource,
};
use crate::error::CryptoError;

/// One recipient of a batch: its public key and its plaintext.
pub(super) type Recipient<'a> = (&'a HpkePublicKey, &'a [u8]);

/// `SealBase` of each `(pkR, pt)` of `recipients` with the shared `info` and `aad`, for the KEM,
/// KDF and AEAD of `suite`; the ciphertexts are in recipient order.
///
/// A recipient key that does not deserialize or is invalid for the KEM (wrong length, not on
/// the curve, low order) fails the whole batch with [`CryptoError::InvalidKey`]; a failing
/// random source with [`CryptoError::Random`]. An RFC 9420 suite this provider does not know
/// is [`CryptoError::Unsupported`].
pub(crate) fn seal_batch(
    suite: CipherSuite,
    random: &dyn RandomSource,
    info: &[u8],
    aad: &[u8],
    recipients: &[Recipient<'_>],
) -> Result<Vec<HpkeCiphertext>, CryptoError> {
    let (kem, aead, hash, _) = suite.components().ok_or(CryptoError::Unsupported)?;
    // The HPKE KDF of every RFC 9420 suite is HKDF with the suite's hash (RFC 9420 §5.1).
    match (kem, hash) {
        (KemId::DHKEM_X25519, HashId::SHA256) => {
            let Some((context, ikm)) =
                prepare::<DhKemX25519, HkdfSha256>(aead, random, info, recipients.len())?
            else {
                return Ok(Vec::new());
            };
            batch_x25519::seal_each(aead, &context, aad, recipients, &ikm)
        }
        (KemId::DHKEM_P256, HashId::SHA256) => {
            seal_batch_with::<DhKemP256, HkdfSha256>(aead, random, info, aad, recipients)
        }
        (KemId::DHKEM_P384, HashId::SHA384) => {
            seal_batch_with::<DhKemP384, HkdfSha384>(aead, random, info, aad, recipients)
        }
        (KemId::DHKEM_P521, HashId::SHA512) => {
            seal_batch_with::<DhKemP521, HkdfSha512>(aead, random, info, aad, recipients)
        }
        (KemId::DHKEM_X448, HashId::SHA512) => {
            seal_batch_with::<DhKemX448, HkdfSha512>(aead, random, info, aad, recipients)
        }
        _ => Err(CryptoError::Unsupported),
    }
}

/// [`seal_batch`] for one KEM and KDF.
pub(super) fn seal_batch_with<K: Kem, F: Kdf>(
    aead: AeadId,
    random: &dyn RandomSource,
    info: &[u8],
    aad: &[u8],
    recipients: &[Recipient<'_>],
) -> Result<Vec<HpkeCiphertext>, CryptoError> {
    let Some((context, ikm)) = prepare::<K, F>(aead, random, info, recipients.len())? else {
        return Ok(Vec::new());
    };
    seal_each::<K, F>(aead, &context, aad, recipients, &ikm)
}

/// The `key_schedule_context` and the ephemeral keys' `ikm` of a batch, see [`prepare`].
type Prepared = (Vec<u8>, Zeroizing<Vec<u8>>);

/// The shared part of a batch of `count` recipients: the `key_schedule_context` of `info`
/// (RFC 9180 §5.1, the one pass over `info`) and `count * Nsk` random bytes, the
/// `DeriveKeyPair` inputs of the ephemeral keys (§7.1.3). `None` for an empty batch, which
/// draws no randomness.
fn prepare<K: Kem, F: Kdf>(
    aead: AeadId,
    random: &dyn RandomSource,
    info: &[u8],
    count: usize,
) -> Result<Option<Prepared>, CryptoError> {
    if aead.key_len().is_none() || aead.nonce_len().is_none() {
        return Err(CryptoError::Unsupported);
    }
    if count == 0 {
        return Ok(None);
    }
    let context = hpke::key_schedule_context::<K, F>(aead, info);
    let ikm_len = count
        .checked_mul(K::N_SK)
        .ok_or(CryptoError::InvalidLength)?;
    let mut ikm = Zeroizing::new(vec![0u8; ikm_len]);
    random.fill(&mut ikm)?;
    Ok(Some((context, ikm)))
}

/// `SetupBaseS` with the precomputed `key_schedule_context` and `DeriveKeyPair(ikm)` as the
/// ephemeral key, then `Seal(aad, pt)` at sequence number 0 (RFC 9180 §5.1.1, §5.2).
fn seal_one<K: Kem, F: Kdf>(
    aead: AeadId,
    context: &[u8],
    aad: &[u8],
    (pk_r, pt): &Recipient<'_>,
    ikm: &[u8],
) -> Result<HpkeCiphertext, CryptoError> {
    let (shared_secret, enc) = hpke::encap::<K>(pk_r.as_bytes(), ikm)?;
    let ctx = hpke::key_schedule_with_context::<K, F>(aead, &shared_secret, context)?;
    Ok(HpkeCiphertext {
        kem_output: enc,
        ciphertext: ctx.seal(aad, pt)?,
    })
}

/// Seals to every recipient with its `Nsk`-byte chunk of `ikm`, in order; with the
/// `parallel` feature and two or more recipients on all cores (one recipient is sealed on
/// the calling thread: handing it to rayon's pool would only add a thread wake-up).
fn seal_each<K: Kem, F: Kdf>(
    aead: AeadId,
    context: &[u8],
    aad: &[u8],
    recipients: &[Recipient<'_>],
    ikm: &[u8],
) -> Result<Vec<HpkeCiphertext>, CryptoError> {
    #[cfg(feature = "parallel")]
    if recipients.len() >= 2 {
        use rayon::prelude::*;
        return recipients
            .par_iter()
            .zip(ikm.par_chunks_exact(K::N_SK))
            .map(|(r, ikm)| seal_one::<K, F>(aead, context, aad, r, ikm))
            .collect();
    }
    recipients
        .iter()
        .zip(ikm.chunks_exact(K::N_SK))
        .map(|(r, ikm)| seal_one::<K, F>(aead, context, aad, r, ikm))
        .collect()
}
