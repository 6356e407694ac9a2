//! The batched `SealBase` of [`super::batch`] specialised to DHKEM(X25519, HKDF-SHA256)
//! (RFC 9180 §7.1), the KEM of MLS cipher suites 1 and 3: the curve arithmetic is most of the
//! cost of every recipient, and part of it (the field inversions) can be shared by a chunk.
//!
//! Per recipient `i`, with `ikm_i` its `Nsk` bytes of randomness, the output is exactly the
//! generic path's (and RFC 9180's):
//!
//! ```text
//! skE = LabeledExpand(LabeledExtract("", "dkp_prk", ikm_i), "sk", "", 32)  # DeriveKeyPair, §7.1.3
//! enc = X25519(skE, 9)                                                    # pk(skE), RFC 7748 §6.1
//! dh  = X25519(skE, pkR_i)       # rejected with InvalidKey if all zero, RFC 9180 §7.1.4
//! shared_secret = ExtractAndExpand(dh, enc || pkR_i)                      # Encap, §4.1
//! KeySchedule(mode_base, shared_secret, info) then Seal(aad, pt_i)       # §5.1, §5.2
//! ```
//!
//! What differs is how the two X25519 values are computed:
//!
//! - `enc` is `[clamp(skE)] B` on the Edwards curve with curve25519-dalek's precomputed
//!   base point table, as `x25519_dalek::PublicKey::from` does. (A radix-256 table, 33
//!   additions instead of 64, was measured slower on an AVX-512 IFMA machine: 24 µs against
//!   14 µs, its constant-time lookups over 128 entries cost more than the additions saved;
//!   radix-64 was on par.)
//! - `dh` is `[clamp(skE)] P` on the Edwards curve for the Edwards image `P` of `pkR_i`, as
//!   [`super::kems::x25519`] does; a `pkR_i` on the quadratic twist or `u = -1` (no Edwards
//!   image, a public property of the public key) goes through the Montgomery ladder.
//! - Both Edwards results of every recipient of a chunk are converted to Montgomery
//!   u-coordinates `u = (Z + Y) / (Z - Y)` together, with one field inversion for the chunk
//!   (Montgomery's trick) instead of one per point. The identity (from a low-order `pkR_i`)
//!   has `Z - Y = 0` and maps to `u = 0` as with the single conversion, so the all-zero check
//!   of RFC 9180 §7.1.4 still rejects it.
//!
//! All operations on `skE` and on the DH results are constant time (table lookups and the
//! variable-base multiplication select in constant time; the batch inversion skips zeros
//! with a conditional assignment). The scalars, the Edwards DH points and the u-coordinates
//! are zeroized when dropped; the batch inversion's own scratch (inverses of `Z - Y`, which
//! without `Z + Y` do not determine `u`) is freed by curve25519-dalek without zeroizing, as
//! its other temporaries are.

use alloc::vec::Vec;

use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::montgomery::MontgomeryPoint;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::batch::Recipient;
use super::hpke;
use super::kems::{DhKemX25519, HkdfSha256};
use crate::crypto::{AeadId, HpkeCiphertext, Secret};
use crate::error::CryptoError;

/// Length of an X25519 scalar or u-coordinate (RFC 7748 §5).
const LEN: usize = 32;

/// The most recipients whose Edwards points are converted with one inversion.
const MAX_CHUNK: usize = 256;

/// The fewest recipients per chunk (below this the shared inversion saves little), unless the
/// batch is smaller.
const MIN_CHUNK: usize = 16;

/// `SealBase` to every recipient with its `Nsk`-byte chunk of `ikm` and the precomputed
/// `key_schedule_context` (RFC 9180 §5.1), in recipient order; with the `parallel` feature
/// the chunks are sealed on all cores.
pub(super) fn seal_each(
    aead: AeadId,
    context: &[u8],
    aad: &[u8],
    recipients: &[Recipient<'_>],
    ikm: &[u8],
) -> Result<Vec<HpkeCiphertext>, CryptoError> {
    let chunk = chunk_len(recipients.len());
    let ikm_chunk = chunk.checked_mul(LEN).ok_or(CryptoError::InvalidLength)?;
    // Two or more chunks go to rayon's pool; one chunk is sealed on the calling thread
    // (handing it to the pool would only add a thread wake-up).
    #[cfg(feature = "parallel")]
    if recipients.len() > chunk {
        use rayon::prelude::*;
        let sealed: Result<Vec<Vec<HpkeCiphertext>>, CryptoError> = recipients
            .par_chunks(chunk)
            .zip(ikm.par_chunks(ikm_chunk))
            .map(|(r, ikm)| seal_chunk(aead, context, aad, r, ikm))
            .collect();
        return Ok(in_order(sealed?, recipients.len()));
    }
    let sealed: Result<Vec<Vec<HpkeCiphertext>>, CryptoError> = recipients
        .chunks(chunk)
        .zip(ikm.chunks(ikm_chunk))
        .map(|(r, ikm)| seal_chunk(aead, context, aad, r, ikm))
        .collect();
    Ok(in_order(sealed?, recipients.len()))
}

/// The chunks' ciphertexts, concatenated in recipient order.
fn in_order(parts: Vec<Vec<HpkeCiphertext>>, recipients: usize) -> Vec<HpkeCiphertext> {
    let mut out = Vec::with_capacity(recipients);
    for part in parts {
        out.extend(part);
    }
    out
}

/// Recipients per chunk: enough chunks to keep every core busy (four per thread), each
/// between [`MIN_CHUNK`] and [`MAX_CHUNK`] recipients.
fn chunk_len(recipients: usize) -> usize {
    #[cfg(feature = "parallel")]
    let threads = rayon::current_num_threads().max(1);
    #[cfg(not(feature = "parallel"))]
    let threads = 1usize;
    recipients
        .div_ceil(threads.saturating_mul(4))
        .clamp(MIN_CHUNK, MAX_CHUNK)
}

/// Where the DH result of one recipient is.
#[derive(Clone, Copy)]
enum DhAt {
    /// The u-coordinate of the Edwards point at this index of the chunk's point list.
    Edwards(usize),
    /// Computed by the ladder; at this index of the chunk's ladder outputs.
    Ladder(usize),
}

/// [`seal_each`] for one chunk of recipients (with `ikm.len() == LEN * recipients.len()`),
/// with one inversion for all its Edwards-to-Montgomery conversions.
fn seal_chunk(
    aead: AeadId,
    context: &[u8],
    aad: &[u8],
    recipients: &[Recipient<'_>],
    ikm: &[u8],
) -> Result<Vec<HpkeCiphertext>, CryptoError> {
    let n = recipients.len();
    if ikm.len() != n.checked_mul(LEN).ok_or(CryptoError::InvalidLength)? {
        return Err(CryptoError::InvalidLength);
    }
    // The ephemeral public keys `[skE_i] B` first, then the DH points `[skE_i] P_i`.
    let mut points: Zeroizing<Vec<EdwardsPoint>> =
        Zeroizing::new(Vec::with_capacity(n.saturating_mul(2)));
    let mut dh_points: Zeroizing<Vec<EdwardsPoint>> = Zeroizing::new(Vec::with_capacity(n));
    let mut ladder: Zeroizing<Vec<[u8; LEN]>> = Zeroizing::new(Vec::new());
    let mut dh_at = Vec::with_capacity(n);
    for ((pk_r, _), ikm) in recipients.iter().zip(ikm.chunks_exact(LEN)) {
        // `Encap` checks the recipient key before deriving the ephemeral key (RFC 9180 §7.1.2).
        let pk: [u8; LEN] = pk_r
            .as_bytes()
            .try_into()
            .map_err(|_| CryptoError::InvalidKey)?;
        let sk = derive_private_key(ikm)?;
        points.push(EdwardsPoint::mul_base_clamped(*sk));
        // Whether `pkR` has an Edwards image is public.
        match MontgomeryPoint(pk).to_edwards(0) {
            Some(p) => {
                dh_at.push(DhAt::Edwards(dh_points.len()));
                dh_points.push(p.mul_clamped(*sk));
            }
            None => {
                dh_at.push(DhAt::Ladder(ladder.len()));
                ladder.push(x25519_dalek::x25519(*sk, pk));
            }
        }
    }
    points.extend_from_slice(&dh_points);
    let us: Zeroizing<Vec<MontgomeryPoint>> =
        Zeroizing::new(EdwardsPoint::to_montgomery_batch(&points));
    let (enc_us, dh_us) = us.split_at(n.min(us.len()));
    let mut out = Vec::with_capacity(n);
    for (((pk_r, pt), enc), at) in recipients.iter().zip(enc_us).zip(dh_at) {
        let dh = match at {
            DhAt::Edwards(i) => dh_us.get(i).map(MontgomeryPoint::as_bytes),
            DhAt::Ladder(i) => ladder.get(i),
        }
        .ok_or(CryptoError::InvalidKey)?;
        // The all-zero output of a low-order `pkR` is rejected in constant time (§7.1.4).
        let acc = dh.iter().fold(0u8, |acc, b| acc | b);
        if bool::from(acc.ct_eq(&0)) {
            return Err(CryptoError::InvalidKey);
        }
        let dh = Secret::from_slice(dh);
        let enc = enc.to_bytes().to_vec();
        let shared_secret = hpke::extract_and_expand::<DhKemX25519>(&dh, &enc, pk_r.as_bytes())?;
        let ctx = hpke::key_schedule_with_context::<DhKemX25519, HkdfSha256>(
            aead,
            &shared_secret,
            context,
        )?;
        out.push(HpkeCiphertext {
            kem_output: enc,
            ciphertext: ctx.seal(aad, pt)?,
        });
    }
    Ok(out)
}

/// The private key of `DeriveKeyPair(ikm)` for DHKEM(X25519) (RFC 9180 §7.1.3):
/// `LabeledExpand(LabeledExtract("", "dkp_prk", ikm), "sk", "", 32)`.
fn derive_private_key(ikm: &[u8]) -> Result<Zeroizing<[u8; LEN]>, CryptoError> {
    let sk = hpke::derive_private_key::<DhKemX25519>(ikm)?;
    let sk: [u8; LEN] = sk
        .as_bytes()
        .try_into()
        .map_err(|_| CryptoError::InvalidKey)?;
    Ok(Zeroizing::new(sk))
}

#[cfg(test)]
#[path = "tests_batch_x25519.rs"]
mod tests;
