//! Tests of the post-quantum suites in the RustCrypto provider (feature `pq`).

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};

use super::validate_public_key;
use crate::crypto::conformance::check_provider;
use crate::crypto::rust_crypto::RustCrypto;
use crate::crypto::{CipherSuite, CryptoProvider, KemId, PqSuite, RandomSource};
use crate::error::{CryptoError, Error};

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

fn provider() -> RustCrypto {
    RustCrypto::with_random_source(Box::new(Counter(AtomicU32::new(1))))
}

#[test]
fn all_eleven_suites_at_their_default_values() {
    let p = provider();
    let supported = p.supported_cipher_suites();
    assert_eq!(supported.len(), 18);
    for s in PqSuite::ALL {
        assert!(supported.contains(&s.default_code_point()));
        let cs = p.cipher_suite_provider(s.default_code_point()).unwrap();
        assert_eq!(cs.components(), Some(s.components()));
        assert_eq!(cs.backend_cipher_suites(), supported);
        assert_eq!(p.pq_code_point(s), Some(s.default_code_point()));
    }
}

#[test]
fn every_pq_suite_passes_the_conformance_checks() {
    check_provider(&provider()).unwrap();
}

#[test]
fn hpke_and_signatures_round_trip_in_every_pq_suite() {
    let p = provider();
    for s in PqSuite::ALL {
        let cs = p.cipher_suite_provider(s.default_code_point()).unwrap();
        let kp = cs.kem_generate_key_pair().unwrap();
        cs.kem_validate_public_key(kp.public_key.as_bytes())
            .unwrap();
        assert_eq!(
            cs.kem_public_key(&kp.private_key).unwrap(),
            kp.public_key.as_bytes()
        );
        let ct = cs
            .hpke_seal(kp.public_key.as_bytes(), b"info", b"aad", b"pt")
            .unwrap();
        let pt = cs.hpke_open(&ct, &kp.private_key, b"info", b"aad").unwrap();
        assert_eq!(pt.as_bytes(), b"pt");
        assert_eq!(
            cs.hpke_open(&ct, &kp.private_key, b"info", b"other")
                .map(|_| ()),
            Err(CryptoError::DecryptionFailed)
        );
        let (enc, a) = cs
            .hpke_export_sender(kp.public_key.as_bytes(), b"info", b"ctx", 32)
            .unwrap();
        let b = cs
            .hpke_export_receiver(&enc, &kp.private_key, b"info", b"ctx", 32)
            .unwrap();
        assert_eq!(a.as_bytes(), b.as_bytes());
        let d1 = cs.kem_derive_key_pair(&[7u8; 48]).unwrap();
        let d2 = cs.kem_derive_key_pair(&[7u8; 48]).unwrap();
        assert_eq!(d1, d2);

        let sig_kp = cs.signature_generate_key_pair().unwrap();
        let sig = cs.sign(&sig_kp.private_key, b"msg").unwrap();
        cs.verify(sig_kp.public_key.as_bytes(), b"msg", &sig)
            .unwrap();
        assert_eq!(
            cs.verify(sig_kp.public_key.as_bytes(), b"msh", &sig),
            Err(CryptoError::InvalidSignature)
        );
    }
}

#[test]
fn code_points_can_be_registered_at_run_time() {
    let mut p = provider();
    for s in PqSuite::ALL {
        if let Some(openmls) = s.openmls_code_point() {
            p = p.with_pq_code_point(s, openmls).unwrap();
        }
    }
    let tbd7 = PqSuite::MLS_128_MLKEM768_AES256GCM_SHA384_P256;
    assert_eq!(p.pq_code_point(tbd7), Some(CipherSuite(0x0050)));
    let cs = p.cipher_suite_provider(CipherSuite(0x0050)).unwrap();
    assert_eq!(cs.cipher_suite(), CipherSuite(0x0050));
    assert_eq!(cs.components(), Some(tbd7.components()));
    assert!(p.cipher_suite_provider(tbd7.default_code_point()).is_none());
    // TBD3 has no OpenMLS value and keeps its default.
    let tbd3 = PqSuite::MLS_128_MLKEM768P256_AES128GCM_SHA256_P256;
    assert_eq!(p.pq_code_point(tbd3), Some(tbd3.default_code_point()));
    assert_eq!(p.supported_cipher_suites().len(), 18);
    check_provider(&p).unwrap();
    // Registering the value a suite already has is allowed.
    let p = p.with_pq_code_point(tbd7, CipherSuite(0x0050)).unwrap();
    assert_eq!(p.pq_code_point(tbd7), Some(CipherSuite(0x0050)));
}

#[test]
fn a_value_in_use_is_refused() {
    let tbd1 = PqSuite::MLS_128_MLKEM768X25519_AES128GCM_SHA256_Ed25519;
    let err = provider()
        .with_pq_code_point(
            tbd1,
            CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519,
        )
        .map(|_| ())
        .unwrap_err();
    assert_eq!(
        err,
        Error::CipherSuiteValueInUse(CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519)
    );
    let tbd2 = PqSuite::MLS_128_MLKEM768X25519_AES256GCM_SHA384_Ed25519;
    let err = provider()
        .with_pq_code_point(tbd1, tbd2.default_code_point())
        .map(|_| ())
        .unwrap_err();
    assert_eq!(err, Error::CipherSuiteValueInUse(tbd2.default_code_point()));
}

#[test]
fn a_grease_value_is_refused() {
    let tbd1 = PqSuite::MLS_128_MLKEM768X25519_AES128GCM_SHA256_Ed25519;
    let err = provider()
        .with_pq_code_point(tbd1, CipherSuite(0x1a1a))
        .map(|_| ())
        .unwrap_err();
    assert_eq!(err, Error::CipherSuiteValueInUse(CipherSuite(0x1a1a)));
}

/// A valid public key of `kem`.
fn valid_key(kem: KemId) -> Vec<u8> {
    let p = provider();
    let s = PqSuite::ALL
        .into_iter()
        .find(|s| s.components().0 == kem)
        .unwrap();
    let cs = p.cipher_suite_provider(s.default_code_point()).unwrap();
    cs.kem_generate_key_pair()
        .unwrap()
        .public_key
        .as_bytes()
        .to_vec()
}

const KEMS: [(KemId, usize); 5] = [
    (KemId::ML_KEM_768, 1184),
    (KemId::ML_KEM_1024, 1568),
    (KemId::MLKEM768_X25519, 1216),
    (KemId::MLKEM768_P256, 1249),
    (KemId::MLKEM1024_P384, 1665),
];

#[test]
fn valid_keys_pass() {
    for (kem, len) in KEMS {
        let pk = valid_key(kem);
        assert_eq!(pk.len(), len);
        validate_public_key(kem, &pk).unwrap();
    }
}

#[test]
fn wrong_length_is_refused() {
    for (kem, _) in KEMS {
        let pk = valid_key(kem);
        assert_eq!(
            validate_public_key(kem, &pk[..pk.len() - 1]),
            Err(CryptoError::InvalidKey),
            "{kem:?}"
        );
        let mut long = pk.clone();
        long.push(0);
        assert_eq!(
            validate_public_key(kem, &long),
            Err(CryptoError::InvalidKey)
        );
        assert_eq!(validate_public_key(kem, &[]), Err(CryptoError::InvalidKey));
    }
}

#[test]
fn coefficient_not_below_q_fails_the_modulus_check() {
    for (kem, _) in KEMS {
        let mut pk = valid_key(kem);
        // The first coefficient: 0xFFF = 4095 >= 3329.
        pk[0] = 0xff;
        pk[1] |= 0x0f;
        assert_eq!(
            validate_public_key(kem, &pk),
            Err(CryptoError::InvalidKey),
            "{kem:?}"
        );
        // Exactly q = 3329 = 0xD01 in the second coefficient of the last triple of `t`.
        let mut pk = valid_key(kem);
        let k = if matches!(kem, KemId::ML_KEM_1024 | KemId::MLKEM1024_P384) {
            4
        } else {
            3
        };
        let last = 384 * k - 3;
        pk[last + 1] = (pk[last + 1] & 0x0f) | 0x10;
        pk[last + 2] = 0xd0;
        assert_eq!(
            validate_public_key(kem, &pk),
            Err(CryptoError::InvalidKey),
            "{kem:?}"
        );
        // The encapsulation refuses the same key.
        let p = provider();
        let s = PqSuite::ALL
            .into_iter()
            .find(|s| s.components().0 == kem)
            .unwrap();
        let cs = p.cipher_suite_provider(s.default_code_point()).unwrap();
        assert_eq!(
            cs.hpke_seal(&pk, b"", b"", b"").map(|_| ()),
            Err(CryptoError::InvalidKey)
        );
    }
}

#[test]
fn hybrid_point_off_the_curve_is_refused() {
    for (kem, mlkem_len) in [(KemId::MLKEM768_P256, 1184), (KemId::MLKEM1024_P384, 1568)] {
        let mut pk = valid_key(kem);
        // Flip a bit of the y coordinate: no longer on the curve.
        let last = pk.len() - 1;
        pk[last] ^= 1;
        assert_eq!(
            validate_public_key(kem, &pk),
            Err(CryptoError::InvalidKey),
            "{kem:?}"
        );
        // A compressed point padded to length.
        let mut pk = valid_key(kem);
        pk[mlkem_len] = 0x02;
        assert_eq!(
            validate_public_key(kem, &pk),
            Err(CryptoError::InvalidKey),
            "{kem:?}"
        );
        // The all-zero string (the SEC1 identity encoding is one 0x00 byte; here a
        // malformed point).
        let mut pk = valid_key(kem);
        for b in &mut pk[mlkem_len..] {
            *b = 0;
        }
        assert_eq!(
            validate_public_key(kem, &pk),
            Err(CryptoError::InvalidKey),
            "{kem:?}"
        );
    }
}

#[test]
fn xwing_x25519_part_of_wrong_length_is_refused() {
    let pk = valid_key(KemId::MLKEM768_X25519);
    // The ML-KEM-768 key alone, without its 32-byte X25519 part.
    assert_eq!(
        validate_public_key(KemId::MLKEM768_X25519, &pk[..1184]),
        Err(CryptoError::InvalidKey)
    );
    assert_eq!(
        validate_public_key(KemId::MLKEM768_X25519, &pk[..1184 + 31]),
        Err(CryptoError::InvalidKey)
    );
}
