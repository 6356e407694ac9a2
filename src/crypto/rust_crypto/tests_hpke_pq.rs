//! Unit tests of the post-quantum HPKE KEMs ([`super`]). The known answers are the
//! official draft-ietf-hpke-pq vectors, checked by `tests/hpke_pq.rs`; these tests cover the
//! round trips and every refusal.

use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};

use super::{
    HpkeAlgorithms, KEMS, decap, derive_key_pair, encap, is_supported, public_key, setup_base_r,
    setup_base_s,
};
use crate::crypto::{AeadId, HashId, HpkeKeyPair, HpkePrivateKey, KemId, RandomSource};
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

fn counter() -> Counter {
    Counter(AtomicU32::new(7))
}

/// Always fails.
struct Broken;

impl RandomSource for Broken {
    fn fill(&self, _: &mut [u8]) -> Result<(), CryptoError> {
        Err(CryptoError::Random)
    }
}

/// `(Npk, Nenc, Nsk)` of each KEM (draft-ietf-hpke-pq §6, Tables 2 and 3).
fn sizes(kem: KemId) -> (usize, usize, usize) {
    match kem {
        KemId::ML_KEM_768 => (1184, 1088, 64),
        KemId::ML_KEM_1024 => (1568, 1568, 64),
        KemId::MLKEM768_P256 => (1249, 1153, 32),
        KemId::MLKEM1024_P384 => (1665, 1665, 32),
        KemId::MLKEM768_X25519 => (1216, 1120, 32),
        _ => unreachable!(),
    }
}

fn alg(kem: KemId) -> HpkeAlgorithms {
    HpkeAlgorithms {
        kem,
        kdf: HashId::SHA256,
        aead: AeadId::AES_128_GCM,
    }
}

fn key_pair(kem: KemId) -> HpkeKeyPair {
    derive_key_pair(kem, &[0x42; 32]).expect("derive")
}

#[test]
fn every_kem_round_trips_with_every_kdf_and_aead() {
    let random = counter();
    for kem in KEMS {
        let (npk, nenc, nsk) = sizes(kem);
        let kp = key_pair(kem);
        assert_eq!(kp.public_key.0.len(), npk, "{kem:?} Npk");
        assert_eq!(kp.private_key.as_bytes().len(), nsk, "{kem:?} Nsk");
        assert_eq!(public_key(kem, &kp.private_key).unwrap(), kp.public_key);

        let (ss, enc) = encap(kem, &kp.public_key.0, &random).unwrap();
        assert_eq!(enc.len(), nenc, "{kem:?} Nenc");
        assert_eq!(ss.len(), 32, "{kem:?} Nsecret");
        assert_eq!(
            decap(kem, &enc, &kp.private_key).unwrap().as_bytes(),
            ss.as_bytes()
        );

        for kdf in [HashId::SHA256, HashId::SHA384, HashId::SHA512] {
            for aead in [
                AeadId::AES_128_GCM,
                AeadId::AES_256_GCM,
                AeadId::CHACHA20_POLY1305,
            ] {
                let alg = HpkeAlgorithms { kem, kdf, aead };
                assert!(is_supported(alg));
                let (enc, mut s) = setup_base_s(alg, &kp.public_key.0, b"info", &random).unwrap();
                let mut r = setup_base_r(alg, &enc, &kp.private_key, b"info").unwrap();
                for i in 0u8..3 {
                    let ct = s.seal(&[i], b"message").unwrap();
                    assert_eq!(r.open(&[i], &ct).unwrap().as_bytes(), b"message");
                }
                assert_eq!(
                    s.export(b"ctx", 48).unwrap().as_bytes(),
                    r.export(b"ctx", 48).unwrap().as_bytes()
                );
            }
        }
    }
}

#[test]
fn derive_key_pair_is_deterministic_and_depends_on_ikm() {
    for kem in KEMS {
        let a = key_pair(kem);
        assert_eq!(a.private_key, key_pair(kem).private_key);
        let b = derive_key_pair(kem, &[0x43; 32]).unwrap();
        assert_ne!(a.public_key, b.public_key);
    }
}

#[test]
fn unsupported_algorithms_are_refused() {
    let kp = key_pair(KemId::ML_KEM_768);
    let refused = [
        // ML-KEM-512 (0x0040) is not implemented; DHKEM is the provider's, not this module's.
        HpkeAlgorithms {
            kem: KemId(0x0040),
            ..alg(KemId::ML_KEM_768)
        },
        alg(KemId::DHKEM_X25519),
        // SHAKE128 (0x0010), a single-stage KDF of draft-ietf-hpke-pq §5.
        HpkeAlgorithms {
            kdf: HashId(0x0010),
            ..alg(KemId::ML_KEM_768)
        },
        // Export-only.
        HpkeAlgorithms {
            aead: AeadId(0xffff),
            ..alg(KemId::ML_KEM_768)
        },
    ];
    for a in refused {
        assert!(!is_supported(a), "{a:?}");
        assert_eq!(
            setup_base_s(a, &kp.public_key.0, b"", &counter()).unwrap_err(),
            CryptoError::Unsupported,
            "{a:?}"
        );
        assert_eq!(
            setup_base_r(a, &[0; 1088], &kp.private_key, b"").unwrap_err(),
            CryptoError::Unsupported,
            "{a:?}"
        );
    }
    assert_eq!(
        derive_key_pair(KemId(0x0040), &[0; 32]).unwrap_err(),
        CryptoError::Unsupported
    );
    assert_eq!(
        encap(KemId(0x0040), &[0; 800], &counter()).unwrap_err(),
        CryptoError::Unsupported
    );
}

#[test]
fn a_public_key_of_the_wrong_length_is_invalid() {
    for kem in KEMS {
        let mut pk = key_pair(kem).public_key.0;
        pk.pop();
        assert_eq!(
            encap(kem, &pk, &counter()).unwrap_err(),
            CryptoError::InvalidKey,
            "{kem:?}"
        );
        assert_eq!(
            setup_base_s(alg(kem), &pk, b"", &counter()).unwrap_err(),
            CryptoError::InvalidKey,
            "{kem:?}"
        );
    }
}

/// FIPS 203 §7.2 encapsulation key check: a coefficient `>= q` (here the first, set to 4095)
/// is refused, for ML-KEM and for the ML-KEM part of the NIST hybrids.
#[test]
fn an_ml_kem_encapsulation_key_failing_the_modulus_check_is_invalid() {
    for kem in [
        KemId::ML_KEM_768,
        KemId::ML_KEM_1024,
        KemId::MLKEM768_P256,
        KemId::MLKEM1024_P384,
    ] {
        let mut pk = key_pair(kem).public_key.0;
        pk[0] = 0xff;
        pk[1] |= 0x0f;
        assert_eq!(
            encap(kem, &pk, &counter()).unwrap_err(),
            CryptoError::InvalidKey,
            "{kem:?}"
        );
    }
}

/// The traditional share of a NIST hybrid key or `enc` must be an uncompressed point on the
/// curve (draft-irtf-cfrg-hybrid-kems `Group.ElementFromBytes`).
#[test]
fn a_hybrid_share_that_is_not_a_curve_point_is_invalid() {
    for (kem, point_len) in [(KemId::MLKEM768_P256, 65), (KemId::MLKEM1024_P384, 97)] {
        let kp = key_pair(kem);
        let mut pk = kp.public_key.0.clone();
        let start = pk.len() - point_len;
        pk[start + 1..].fill(0xff);
        assert_eq!(
            encap(kem, &pk, &counter()).unwrap_err(),
            CryptoError::InvalidKey,
            "{kem:?} public key"
        );

        let (_, mut enc) = encap(kem, &kp.public_key.0, &counter()).unwrap();
        let start = enc.len() - point_len;
        enc[start + 1..].fill(0xff);
        assert_eq!(
            decap(kem, &enc, &kp.private_key).unwrap_err(),
            CryptoError::InvalidKey,
            "{kem:?} enc"
        );
        assert_eq!(
            setup_base_r(alg(kem), &enc, &kp.private_key, b"").unwrap_err(),
            CryptoError::InvalidKey,
            "{kem:?} enc"
        );
    }
}

#[test]
fn an_enc_or_private_key_of_the_wrong_length_is_invalid() {
    for kem in KEMS {
        let kp = key_pair(kem);
        let (_, mut enc) = encap(kem, &kp.public_key.0, &counter()).unwrap();
        enc.push(0);
        assert_eq!(
            decap(kem, &enc, &kp.private_key).unwrap_err(),
            CryptoError::InvalidKey,
            "{kem:?}"
        );
        assert_eq!(
            setup_base_r(alg(kem), &enc, &kp.private_key, b"").unwrap_err(),
            CryptoError::InvalidKey,
            "{kem:?}"
        );
        enc.pop();
        let mut sk: Vec<u8> = kp.private_key.as_bytes().to_vec();
        sk.push(0);
        let sk = HpkePrivateKey::new(sk);
        assert_eq!(
            decap(kem, &enc, &sk).unwrap_err(),
            CryptoError::InvalidKey,
            "{kem:?}"
        );
        assert_eq!(
            public_key(kem, &sk).unwrap_err(),
            CryptoError::InvalidKey,
            "{kem:?}"
        );
    }
}

/// ML-KEM decapsulation rejects implicitly (FIPS 203 Algorithm 18): a tampered ciphertext
/// yields an unrelated secret, so the AEAD open fails, opaquely.
#[test]
fn a_tampered_enc_or_ciphertext_fails_to_open() {
    for kem in KEMS {
        let kp = key_pair(kem);
        let (mut enc, mut s) =
            setup_base_s(alg(kem), &kp.public_key.0, b"info", &counter()).unwrap();
        let mut ct = s.seal(b"aad", b"pt").unwrap();
        let mut r = setup_base_r(alg(kem), &enc, &kp.private_key, b"info").unwrap();
        ct[0] ^= 1;
        assert_eq!(
            r.open(b"aad", &ct).unwrap_err(),
            CryptoError::DecryptionFailed
        );
        ct[0] ^= 1;
        // A failed open leaves the sequence number: the untampered ciphertext still opens.
        assert_eq!(r.open(b"aad", &ct).unwrap().as_bytes(), b"pt");

        enc[0] ^= 1;
        let mut r = setup_base_r(alg(kem), &enc, &kp.private_key, b"info").unwrap();
        assert_eq!(
            r.open(b"aad", &ct).unwrap_err(),
            CryptoError::DecryptionFailed,
            "{kem:?}"
        );
    }
}

#[test]
fn a_failing_random_source_is_reported() {
    for kem in KEMS {
        let kp = key_pair(kem);
        assert_eq!(
            encap(kem, &kp.public_key.0, &Broken).unwrap_err(),
            CryptoError::Random
        );
        assert_eq!(
            setup_base_s(alg(kem), &kp.public_key.0, b"", &Broken).unwrap_err(),
            CryptoError::Random
        );
    }
}

#[test]
fn an_export_longer_than_255_hashes_is_refused() {
    let kem = KemId::MLKEM768_X25519;
    let kp = key_pair(kem);
    let (enc, s) = setup_base_s(alg(kem), &kp.public_key.0, b"", &counter()).unwrap();
    let r = setup_base_r(alg(kem), &enc, &kp.private_key, b"").unwrap();
    assert_eq!(s.export(b"", 255 * 32).unwrap().len(), 255 * 32);
    assert_eq!(
        s.export(b"", 255 * 32 + 1).unwrap_err(),
        CryptoError::InvalidLength
    );
    assert_eq!(
        r.export(b"", 255 * 32 + 1).unwrap_err(),
        CryptoError::InvalidLength
    );
}
