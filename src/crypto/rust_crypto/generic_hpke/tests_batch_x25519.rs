//! The X25519 batch seal ([`super::seal_each`]) against the generic per-recipient path
//! ([`super::super::batch::seal_batch_with`], `DeriveKeyPair` then [`super::super::kems::x25519`]
//! per recipient) and against a reference built on the Montgomery ladder
//! (`x25519_dalek::x25519`), for honest keys, keys on the quadratic twist, non-canonical
//! encodings, `u = -1` and the low-order points that RFC 9180 §7.1.4 rejects.

use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};

use curve25519_dalek::montgomery::MontgomeryPoint;
use sha2::Digest;

use super::super::batch::{Recipient, seal_batch, seal_batch_with};
use super::super::hpke;
use super::super::kems::{DhKemX25519, HkdfSha256};
use super::{LEN, chunk_len, seal_chunk};
use crate::crypto::{AeadId, CipherSuite, HpkeCiphertext, HpkePublicKey, RandomSource, Secret};
use crate::error::CryptoError;

/// A deterministic byte stream (the same for every source built with the same start).
struct Counter(AtomicU32);

impl RandomSource for Counter {
    fn fill(&self, out: &mut [u8]) -> Result<(), CryptoError> {
        for b in out.iter_mut() {
            let n = self.0.fetch_add(1, Ordering::Relaxed);
            *b = (n.wrapping_mul(2_654_435_761) >> 24) as u8;
        }
        Ok(())
    }
}

fn counter(start: u32) -> Counter {
    Counter(AtomicU32::new(start))
}

fn suite(aead: AeadId) -> CipherSuite {
    if aead == AeadId::AES_128_GCM {
        CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519
    } else {
        CipherSuite::MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_ED25519
    }
}

fn honest_key(i: u32) -> HpkePublicKey {
    hpke::derive_key_pair::<DhKemX25519>(&i.to_be_bytes())
        .unwrap()
        .1
}

/// u-coordinates on the quadratic twist (no Edwards image) that are not of low order.
fn twist_keys(n: usize) -> Vec<HpkePublicKey> {
    let mut out = Vec::new();
    let mut j = 0u32;
    while out.len() < n {
        let mut u = [0u8; LEN];
        u.copy_from_slice(&sha2::Sha256::digest(j.to_be_bytes()));
        u[31] &= 0x7f;
        j += 1;
        if MontgomeryPoint(u).to_edwards(0).is_none()
            && x25519_dalek::x25519([7; LEN], u) != [0; LEN]
        {
            out.push(HpkePublicKey(u.to_vec()));
        }
    }
    out
}

fn le(hex: &str) -> HpkePublicKey {
    HpkePublicKey(hex::decode(hex).unwrap())
}

/// `-1 = p - 1`, on the twist and of low order there.
const MINUS_ONE: &str = "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f";

/// The low-order u-coordinates of curve25519 and its twist, canonical and not (RFC 7748 §5
/// reduces them modulo p): 0, 1, the two of order 8, p - 1, p, p + 1, and the same with the
/// top bit set (which X25519 ignores).
fn low_order_keys() -> Vec<HpkePublicKey> {
    let base = [
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
        "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
        MINUS_ONE,
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ];
    let mut out: Vec<HpkePublicKey> = base.iter().map(|h| le(h)).collect();
    for h in base {
        let mut k = le(h);
        k.0[31] |= 0x80;
        out.push(k);
    }
    out
}

/// `SealBase` per recipient with the ladder for both X25519 values (RFC 9180 §4.1, §5.1,
/// §7.1.3, §7.1.4), from the same `ikm` stream as the batch.
fn reference(
    aead: AeadId,
    info: &[u8],
    aad: &[u8],
    recipients: &[Recipient<'_>],
    random: &dyn RandomSource,
) -> Result<Vec<HpkeCiphertext>, CryptoError> {
    let context = hpke::key_schedule_context::<DhKemX25519, HkdfSha256>(aead, info);
    let mut ikm = vec![0u8; recipients.len() * LEN];
    random.fill(&mut ikm)?;
    recipients
        .iter()
        .zip(ikm.chunks_exact(LEN))
        .map(|((pk_r, pt), ikm)| {
            let pk: [u8; LEN] = pk_r
                .as_bytes()
                .try_into()
                .map_err(|_| CryptoError::InvalidKey)?;
            let sk = hpke::derive_private_key::<DhKemX25519>(ikm)?;
            let sk: [u8; LEN] = sk.as_bytes().try_into().unwrap();
            let enc = x25519_dalek::x25519(sk, x25519_dalek::X25519_BASEPOINT_BYTES);
            let dh = x25519_dalek::x25519(sk, pk);
            if dh == [0; LEN] {
                return Err(CryptoError::InvalidKey);
            }
            let ss = hpke::extract_and_expand::<DhKemX25519>(&Secret::from_slice(&dh), &enc, &pk)?;
            let ctx =
                hpke::key_schedule_with_context::<DhKemX25519, HkdfSha256>(aead, &ss, &context)?;
            Ok(HpkeCiphertext {
                kem_output: enc.to_vec(),
                ciphertext: ctx.seal(aad, pt)?,
            })
        })
        .collect()
}

/// The batch (through [`seal_batch`]), the generic path and the reference, all from the
/// random stream starting at `start`.
fn all_three(
    aead: AeadId,
    recipients: &[Recipient<'_>],
    start: u32,
) -> [Result<Vec<HpkeCiphertext>, CryptoError>; 3] {
    let (info, aad) = (b"an UpdatePath's GroupContext", b"");
    [
        seal_batch(suite(aead), &counter(start), info, aad, recipients),
        seal_batch_with::<DhKemX25519, HkdfSha256>(aead, &counter(start), info, aad, recipients),
        reference(aead, info, aad, recipients, &counter(start)),
    ]
}

/// Honest keys, twist keys, the base point (u = 9) and non-canonical encodings (top bit set,
/// `9 + p`), over several chunks: bit for bit the same.
#[test]
fn batch_equals_per_recipient_path_and_ladder() {
    let twist = twist_keys(40);
    let mut keys: Vec<HpkePublicKey> = (0..600u32).map(honest_key).collect();
    for (i, t) in twist.into_iter().enumerate() {
        keys[i * 13 + 5] = t;
    }
    for i in (3..600).step_by(17) {
        keys[i].0[31] |= 0x80;
    }
    keys[1] = le("0900000000000000000000000000000000000000000000000000000000000000");
    keys[2] = le("f6ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
    assert!(
        MontgomeryPoint(keys[5].0.as_slice().try_into().unwrap())
            .to_edwards(0)
            .is_none()
    );
    let pts: Vec<Vec<u8>> = (0..600usize).map(|i| vec![i as u8; i % 70]).collect();
    let recipients: Vec<Recipient<'_>> = keys
        .iter()
        .zip(&pts)
        .map(|(k, pt)| (k, pt.as_slice()))
        .collect();
    for aead in [AeadId::AES_128_GCM, AeadId::CHACHA20_POLY1305] {
        let [batch, generic, ladder] = all_three(aead, &recipients, 11);
        let batch = batch.unwrap();
        assert_eq!(batch.len(), 600);
        assert_eq!(Ok(&batch), generic.as_ref());
        assert_eq!(Ok(&batch), ladder.as_ref());
    }
    // Small batches too (one chunk).
    for n in [1, 2, 15, 17] {
        let [batch, generic, ladder] = all_three(AeadId::AES_128_GCM, &recipients[..n], 3);
        assert_eq!(batch.as_ref().map(Vec::len), Ok(n));
        assert_eq!(batch, generic);
        assert_eq!(batch, ladder);
    }
}

/// A low-order key (all-zero DH output, RFC 9180 §7.1.4) anywhere in a batch fails it with
/// `InvalidKey`, on the curve (through the Edwards form) and on the twist (the ladder).
#[test]
fn low_order_keys_fail_the_batch() {
    let honest: Vec<HpkePublicKey> = (0..100u32).map(honest_key).collect();
    for bad in low_order_keys() {
        let u: [u8; LEN] = bad.0.as_slice().try_into().unwrap();
        assert_eq!(x25519_dalek::x25519([0x42; LEN], u), [0; LEN], "{bad:?}");
        for at in [0, 57, 99] {
            let mut keys = honest.clone();
            keys[at] = bad.clone();
            let recipients: Vec<Recipient<'_>> = keys.iter().map(|k| (k, &b"pt"[..])).collect();
            for r in all_three(AeadId::AES_128_GCM, &recipients, 5) {
                assert_eq!(r, Err(CryptoError::InvalidKey), "{bad:?} at {at}");
            }
        }
        let alone: [Recipient<'_>; 1] = [(&bad, b"pt")];
        for r in all_three(AeadId::CHACHA20_POLY1305, &alone, 5) {
            assert_eq!(r, Err(CryptoError::InvalidKey), "{bad:?}");
        }
    }
    // u = -1 has no Edwards image and goes through the ladder.
    assert!(
        MontgomeryPoint(le(MINUS_ONE).0.try_into().unwrap())
            .to_edwards(0)
            .is_none()
    );
}

/// A key of the wrong length fails the batch with `InvalidKey`, as `Encap` does.
#[test]
fn wrong_length_key_fails_the_batch() {
    let honest: Vec<HpkePublicKey> = (0..20u32).map(honest_key).collect();
    for len in [0, 31, 33] {
        let mut keys = honest.clone();
        keys[19] = HpkePublicKey(vec![9; len]);
        let recipients: Vec<Recipient<'_>> = keys.iter().map(|k| (k, &b"pt"[..])).collect();
        for r in all_three(AeadId::AES_128_GCM, &recipients, 1) {
            assert_eq!(r, Err(CryptoError::InvalidKey), "{len}");
        }
    }
}

/// A chunk's `ikm` must match its recipients.
#[test]
fn chunk_checks_its_ikm_length() {
    let keys: Vec<HpkePublicKey> = (0..3u32).map(honest_key).collect();
    let recipients: Vec<Recipient<'_>> = keys.iter().map(|k| (k, &b"path secret"[..])).collect();
    let ikm = vec![7u8; 3 * LEN];
    let context = hpke::key_schedule_context::<DhKemX25519, HkdfSha256>(AeadId::AES_128_GCM, b"i");
    let seal = |ikm: &[u8]| seal_chunk(AeadId::AES_128_GCM, &context, b"a", &recipients, ikm);
    assert_eq!(seal(&ikm).map(|c| c.len()), Ok(3));
    assert_eq!(seal(&ikm[1..]), Err(CryptoError::InvalidLength));
    assert_eq!(seal(&ikm[..2 * LEN]), Err(CryptoError::InvalidLength));
}

#[test]
fn chunks_are_bounded() {
    assert_eq!(chunk_len(1), 16);
    assert_eq!(chunk_len(100_000), 256);
    for n in [1, 16, 100, 1000, 10_000] {
        let c = chunk_len(n);
        assert!((16..=256).contains(&c), "{n}: {c}");
    }
}
