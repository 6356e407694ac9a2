//! Tests of the ML-DSA signatures (feature `pq`).

use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};

use super::{SEED_LEN, generate, public_key, sign, verify};
use crate::crypto::{RandomSource, SignaturePrivateKey, SignatureScheme};
use crate::error::CryptoError;

/// A deterministic, non-repeating test source.
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

/// Always fails.
struct Broken;

impl RandomSource for Broken {
    fn fill(&self, _: &mut [u8]) -> Result<(), CryptoError> {
        Err(CryptoError::Random)
    }
}

/// `(scheme, public key length, signature length)` (FIPS 204 Table 2).
const SCHEMES: [(SignatureScheme, usize, usize); 3] = [
    (SignatureScheme::MLDSA44, 1312, 2420),
    (SignatureScheme::MLDSA65, 1952, 3309),
    (SignatureScheme::MLDSA87, 2592, 4627),
];

fn counter() -> Counter {
    Counter(AtomicU32::new(7))
}

fn key_and_signature(scheme: SignatureScheme) -> (SignaturePrivateKey, Vec<u8>, Vec<u8>) {
    let rng = counter();
    let (sk, pk) = generate(scheme, &rng).unwrap();
    let sig = sign(scheme, &sk, b"message", &rng).unwrap();
    (sk, pk, sig)
}

#[test]
fn sign_verify_round_trip_and_sizes() {
    for (scheme, pk_len, sig_len) in SCHEMES {
        let (sk, pk, sig) = key_and_signature(scheme);
        assert_eq!(sk.as_bytes().len(), SEED_LEN);
        assert_eq!(pk.len(), pk_len, "{scheme:?}");
        assert_eq!(sig.len(), sig_len, "{scheme:?}");
        assert_eq!(public_key(scheme, &sk).unwrap(), pk);
        verify(scheme, &pk, b"message", &sig).unwrap();
    }
}

#[test]
fn signing_is_hedged_with_provider_randomness() {
    let rng = counter();
    let (sk, pk) = generate(SignatureScheme::MLDSA44, &rng).unwrap();
    let a = sign(SignatureScheme::MLDSA44, &sk, b"m", &rng).unwrap();
    let b = sign(SignatureScheme::MLDSA44, &sk, b"m", &rng).unwrap();
    assert_ne!(a, b, "a fresh rnd per signature");
    verify(SignatureScheme::MLDSA44, &pk, b"m", &a).unwrap();
    verify(SignatureScheme::MLDSA44, &pk, b"m", &b).unwrap();
}

#[test]
fn key_generation_from_the_seed_is_deterministic() {
    let sk = SignaturePrivateKey::new([0x42u8; SEED_LEN].to_vec());
    let a = public_key(SignatureScheme::MLDSA65, &sk).unwrap();
    let b = public_key(SignatureScheme::MLDSA65, &sk).unwrap();
    assert_eq!(a, b);
}

#[test]
fn wrong_message_or_key_is_invalid_signature() {
    for (scheme, _, _) in SCHEMES {
        let (_, pk, sig) = key_and_signature(scheme);
        assert_eq!(
            verify(scheme, &pk, b"messagf", &sig),
            Err(CryptoError::InvalidSignature)
        );
        let (_, other_pk) = generate(scheme, &Counter(AtomicU32::new(99))).unwrap();
        assert_eq!(
            verify(scheme, &other_pk, b"message", &sig),
            Err(CryptoError::InvalidSignature)
        );
    }
}

#[test]
fn public_key_of_wrong_length_is_invalid_key() {
    for (scheme, _, _) in SCHEMES {
        let (_, pk, sig) = key_and_signature(scheme);
        let short = &pk[..pk.len() - 1];
        assert_eq!(
            verify(scheme, short, b"message", &sig),
            Err(CryptoError::InvalidKey)
        );
        let mut long = pk.clone();
        long.push(0);
        assert_eq!(
            verify(scheme, &long, b"message", &sig),
            Err(CryptoError::InvalidKey)
        );
        assert_eq!(
            verify(scheme, &[], b"message", &sig),
            Err(CryptoError::InvalidKey)
        );
    }
}

#[test]
fn signature_of_wrong_length_is_invalid_signature() {
    for (scheme, _, _) in SCHEMES {
        let (_, pk, sig) = key_and_signature(scheme);
        assert_eq!(
            verify(scheme, &pk, b"message", &sig[..sig.len() - 1]),
            Err(CryptoError::InvalidSignature)
        );
        let mut long = sig.clone();
        long.push(0);
        assert_eq!(
            verify(scheme, &pk, b"message", &long),
            Err(CryptoError::InvalidSignature)
        );
    }
}

#[test]
fn malformed_hint_encoding_is_invalid_signature() {
    // FIPS 204 Algorithm 21 (HintBitUnpack): the last `k` bytes count the hints; a count
    // above `omega` is malformed (⊥), whatever the rest says.
    for (scheme, _, _) in SCHEMES {
        let (_, pk, mut sig) = key_and_signature(scheme);
        let last = sig.len() - 1;
        sig[last] = 0xff;
        assert_eq!(
            verify(scheme, &pk, b"message", &sig),
            Err(CryptoError::InvalidSignature)
        );
    }
}

#[test]
fn private_key_of_wrong_length_is_invalid_key() {
    let rng = counter();
    for (scheme, _, _) in SCHEMES {
        let sk = SignaturePrivateKey::new([1u8; SEED_LEN + 1].to_vec());
        assert_eq!(public_key(scheme, &sk), Err(CryptoError::InvalidKey));
        assert_eq!(sign(scheme, &sk, b"m", &rng), Err(CryptoError::InvalidKey));
    }
}

#[test]
fn failing_randomness_is_random_error() {
    assert_eq!(
        generate(SignatureScheme::MLDSA44, &Broken).map(|_| ()),
        Err(CryptoError::Random)
    );
    let (sk, _) = generate(SignatureScheme::MLDSA44, &counter()).unwrap();
    assert_eq!(
        sign(SignatureScheme::MLDSA44, &sk, b"m", &Broken),
        Err(CryptoError::Random)
    );
}
