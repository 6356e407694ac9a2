//! Tests of the batched `SealBase` ([`CipherSuiteProvider::hpke_seal_batch`], RFC 9180 §5.1,
//! §6.1) of the default provider in all seven suites: the output opens with the ordinary
//! `hpke_open` and `DecryptWithLabel` (RFC 9420 §5.1.3), equals sequential `hpke_seal` calls
//! given the same randomness, and invalid recipient keys are errors.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};

use super::RustCrypto;
use crate::crypto::labels;
use crate::crypto::{
    CipherSuite, CipherSuiteProvider, CryptoProvider, HpkeKeyPair, HpkePublicKey, RandomSource,
};
use crate::error::{CryptoError, Error};

/// A deterministic byte stream (the same for every provider built with the same start).
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

fn counter_provider(start: u32) -> RustCrypto {
    RustCrypto::with_random_source(Box::new(Counter(AtomicU32::new(start))))
}

fn cs(provider: &RustCrypto, suite: CipherSuite) -> &dyn CipherSuiteProvider {
    provider.cipher_suite_provider(suite).unwrap()
}

fn key_pairs(cs: &dyn CipherSuiteProvider, n: u8) -> Vec<HpkeKeyPair> {
    (0..n)
        .map(|i| cs.kem_derive_key_pair(&[i; 32]).unwrap())
        .collect()
}

/// An `info` as large as a small group's EncryptContext.
fn big_info() -> Vec<u8> {
    (0..10_000u32).map(|i| (i % 251) as u8).collect()
}

#[test]
fn batch_opens_with_hpke_open_in_every_suite() {
    let provider = counter_provider(1);
    let info = big_info();
    for suite in CipherSuite::ALL {
        let cs = cs(&provider, suite);
        let kps = key_pairs(cs, 3);
        let pts: [&[u8]; 3] = [b"first", b"", &[0xab; 300]];
        let recipients: Vec<(&HpkePublicKey, &[u8])> = kps
            .iter()
            .zip(pts)
            .map(|(kp, pt)| (&kp.public_key, pt))
            .collect();
        let cts = cs.hpke_seal_batch(&info, b"aad", &recipients).unwrap();
        assert_eq!(cts.len(), 3, "{suite:?}");
        for ((kp, pt), ct) in kps.iter().zip(pts).zip(&cts) {
            let opened = cs.hpke_open(ct, &kp.private_key, &info, b"aad").unwrap();
            assert_eq!(opened.as_bytes(), pt, "{suite:?}");
            // Opens only with the right info, aad and key.
            assert!(cs.hpke_open(ct, &kp.private_key, b"other", b"aad").is_err());
            assert!(cs.hpke_open(ct, &kp.private_key, &info, b"").is_err());
        }
        assert!(
            cs.hpke_open(&cts[0], &kps[1].private_key, &info, b"aad")
                .is_err()
        );
        // A fresh ephemeral key per recipient.
        assert_ne!(cts[0].kem_output, cts[1].kem_output);
        assert_ne!(cts[1].kem_output, cts[2].kem_output);
        assert_ne!(cts[0].kem_output, cts[2].kem_output);
    }
}

#[test]
fn batch_opens_with_decrypt_with_label_in_every_suite() {
    let provider = RustCrypto::with_random_source(Box::new(Counter(AtomicU32::new(99))));
    let context = big_info();
    for suite in CipherSuite::ALL {
        let cs = cs(&provider, suite);
        let kps = key_pairs(cs, 3);
        let pts: [&[u8]; 3] = [b"group secrets 0", b"group secrets 1", b"group secrets 2"];
        let recipients: Vec<(&HpkePublicKey, &[u8])> = kps
            .iter()
            .zip(pts)
            .map(|(kp, pt)| (&kp.public_key, pt))
            .collect();
        let cts = labels::encrypt_with_label_batch(cs, b"Welcome", &context, &recipients).unwrap();
        for ((kp, pt), ct) in kps.iter().zip(pts).zip(&cts) {
            let opened =
                labels::decrypt_with_label(cs, &kp.private_key, b"Welcome", &context, ct).unwrap();
            assert_eq!(opened.as_bytes(), pt, "{suite:?}");
            assert!(
                labels::decrypt_with_label(cs, &kp.private_key, b"Welcom", &context, ct).is_err()
            );
        }
    }
}

/// Given the same random stream, the batch is byte-identical to one `hpke_seal` per
/// recipient (`GenerateKeyPair` is `DeriveKeyPair(random(Nsk))` in both paths).
#[test]
fn batch_equals_sequential_seals_with_the_same_randomness() {
    for suite in CipherSuite::ALL {
        let (a, b) = (counter_provider(7), counter_provider(7));
        let (cs_a, cs_b) = (cs(&a, suite), cs(&b, suite));
        let kps = key_pairs(cs_a, 4);
        let info = big_info();
        let pts: [&[u8]; 4] = [b"a", b"bb", b"ccc", b"dddd"];
        let recipients: Vec<(&HpkePublicKey, &[u8])> = kps
            .iter()
            .zip(pts)
            .map(|(kp, pt)| (&kp.public_key, pt))
            .collect();
        let batch = cs_a.hpke_seal_batch(&info, b"x", &recipients).unwrap();
        let sequential: Vec<_> = recipients
            .iter()
            .map(|(pk, pt)| cs_b.hpke_seal(pk.as_bytes(), &info, b"x", pt).unwrap())
            .collect();
        assert_eq!(batch, sequential, "{suite:?}");
    }
}

#[test]
fn empty_batch_is_empty() {
    let provider = counter_provider(0);
    for suite in CipherSuite::ALL {
        assert_eq!(
            cs(&provider, suite).hpke_seal_batch(b"info", b"", &[]),
            Ok(Vec::new())
        );
    }
}

/// Recipient keys that do not deserialize or are invalid for the KEM (RFC 9180 §7.1.4): wrong
/// lengths, the all-zero string (a low-order point of X25519/X448, not a SEC1 point) and, for
/// the NIST curves (`Npk` of 65 or more), an uncompressed encoding of a point not on the curve.
fn invalid_keys(npk: usize) -> Vec<HpkePublicKey> {
    let mut keys = vec![
        HpkePublicKey(Vec::new()),
        HpkePublicKey(vec![1, 2, 3]),
        HpkePublicKey(vec![0; npk]),
        HpkePublicKey(vec![0xff; npk + 1]),
        HpkePublicKey(vec![0xff; npk - 1]),
    ];
    if npk >= 65 {
        let mut not_on_curve = vec![0x04u8; npk];
        not_on_curve[1] = 0x01;
        keys.push(HpkePublicKey(not_on_curve));
    }
    keys
}

#[test]
fn invalid_recipient_key_is_an_error_not_a_panic() {
    let provider = counter_provider(3);
    for suite in CipherSuite::ALL {
        let cs = cs(&provider, suite);
        let good = key_pairs(cs, 1).remove(0);
        let npk = good.public_key.as_bytes().len();
        for bad in invalid_keys(npk) {
            let recipients = [(&good.public_key, &b"pt"[..]), (&bad, &b"pt"[..])];
            assert_eq!(
                cs.hpke_seal_batch(b"info", b"", &recipients).err(),
                Some(CryptoError::InvalidKey),
                "{suite:?} {bad:?}"
            );
            let via_label = labels::encrypt_with_label_batch(cs, b"L", b"C", &recipients);
            assert_eq!(
                via_label.err(),
                Some(Error::Crypto(CryptoError::InvalidKey))
            );
        }
    }
}

#[test]
fn failing_random_source_fails_the_batch() {
    let provider = RustCrypto::with_random_source(Box::new(Broken));
    let keys = counter_provider(0);
    for suite in CipherSuite::ALL {
        let kp = key_pairs(cs(&keys, suite), 1).remove(0);
        let recipients = [(&kp.public_key, &b"pt"[..])];
        assert_eq!(
            cs(&provider, suite)
                .hpke_seal_batch(b"info", b"", &recipients)
                .err(),
            Some(CryptoError::Random)
        );
    }
}

/// Many recipients (split over cores with `parallel`): the order of the output is the order
/// of the recipients.
#[test]
fn large_batch_keeps_recipient_order() {
    let provider = counter_provider(11);
    let cs = cs(
        &provider,
        CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519,
    );
    let kps = key_pairs(cs, 200);
    let pts: Vec<[u8; 2]> = (0..200u16).map(u16::to_be_bytes).collect();
    let recipients: Vec<(&HpkePublicKey, &[u8])> = kps
        .iter()
        .zip(&pts)
        .map(|(kp, pt)| (&kp.public_key, &pt[..]))
        .collect();
    let cts = cs.hpke_seal_batch(b"info", b"", &recipients).unwrap();
    assert_eq!(cts.len(), 200);
    for ((kp, pt), ct) in kps.iter().zip(&pts).zip(&cts) {
        let opened = cs.hpke_open(ct, &kp.private_key, b"info", b"").unwrap();
        assert_eq!(opened.as_bytes(), pt);
    }
}
