//! Unit tests of the default provider. Interoperability with other implementations is
//! checked by the IETF `crypto-basics` vectors (tests/vectors.rs).

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};

use super::RustCrypto;
use crate::crypto::conformance::{check_provider, check_suite};
use crate::crypto::{
    CipherSuite, CipherSuiteProvider, CryptoProvider, HpkePrivateKey, RandomSource,
    SignaturePrivateKey,
};
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

/// OS randomness when available, else the counter source.
fn default_provider() -> RustCrypto {
    #[cfg(feature = "getrandom")]
    return RustCrypto::new();
    #[cfg(not(feature = "getrandom"))]
    return RustCrypto::with_random_source(Box::new(Counter(AtomicU32::new(0))));
}

/// Always fails.
struct Broken;

impl RandomSource for Broken {
    fn fill(&self, _: &mut [u8]) -> Result<(), CryptoError> {
        Err(CryptoError::Random)
    }
}

/// Returns the same bytes on every draw.
struct Fixed(Vec<u8>);

impl RandomSource for Fixed {
    fn fill(&self, out: &mut [u8]) -> Result<(), CryptoError> {
        for (o, b) in out.iter_mut().zip(self.0.iter().cycle()) {
            *o = *b;
        }
        Ok(())
    }
}

fn each_suite(provider: &RustCrypto, mut f: impl FnMut(&dyn CipherSuiteProvider)) {
    for suite in CipherSuite::ALL {
        f(provider
            .cipher_suite_provider(suite)
            .expect("every RFC 9420 suite is supported"));
    }
}

#[test]
fn conformance_all_seven_suites() {
    let provider = default_provider();
    // With the feature `pq` the eleven post-quantum suites follow the seven.
    assert_eq!(
        provider.supported_cipher_suites().get(..7),
        Some(&CipherSuite::ALL[..])
    );
    let checks = check_provider(&provider).unwrap_or_else(|f| panic!("{f}"));
    assert!(checks >= 7 * 50, "only {checks} checks ran");
}

#[test]
fn conformance_with_a_caller_supplied_source() {
    let provider = RustCrypto::with_random_source(Box::new(Counter(AtomicU32::new(0))));
    each_suite(&provider, |cs| {
        check_suite(cs).unwrap_or_else(|f| panic!("{f}"));
    });
}

#[test]
fn unknown_suites_are_not_provided() {
    let provider = default_provider();
    for s in [0x0000, 0x0008, 0x0a0a, 0xffff] {
        assert!(provider.cipher_suite_provider(CipherSuite(s)).is_none());
        assert_eq!(
            provider.suite(CipherSuite(s)).err(),
            Some(crate::Error::UnsupportedCipherSuite(CipherSuite(s)))
        );
    }
}

#[test]
fn failing_random_source_is_an_error_not_a_panic() {
    let provider = RustCrypto::with_random_source(Box::new(Broken));
    let good = default_provider();
    each_suite(&provider, |cs| {
        let kp = cs
            .kem_derive_key_pair(&[7; 64])
            .expect("derive needs no randomness");
        let pk = kp.public_key.as_bytes();
        assert_eq!(cs.hpke_seal(pk, b"", b"", b"pt"), Err(CryptoError::Random));
        assert_eq!(
            cs.hpke_export_sender(pk, b"", b"", 32).err(),
            Some(CryptoError::Random)
        );
        assert_eq!(cs.kem_generate_key_pair().err(), Some(CryptoError::Random));
        assert_eq!(
            cs.signature_generate_key_pair().err(),
            Some(CryptoError::Random)
        );
        assert_eq!(cs.random_bytes(&mut [0; 4]), Err(CryptoError::Random));
        // Operations without randomness still work.
        let ct = good
            .cipher_suite_provider(cs.cipher_suite())
            .expect("supported")
            .hpke_seal(pk, b"", b"", b"pt")
            .expect("seal");
        assert_eq!(
            cs.hpke_open(&ct, &kp.private_key, b"", b"")
                .expect("open")
                .as_bytes(),
            b"pt"
        );
    });
}

#[test]
fn hpke_ephemeral_key_is_derive_key_pair_of_drawn_bytes() {
    // RFC 9180 §4: GenerateKeyPair() may be DeriveKeyPair(random(Nsk)); with a fixed source
    // the encapsulation is therefore the public key derived from those bytes.
    let ikm: Vec<u8> = (1..=66).collect();
    let provider = RustCrypto::with_random_source(Box::new(Fixed(ikm.clone())));
    each_suite(&provider, |cs| {
        let recipient = cs.kem_derive_key_pair(b"recipient").expect("derive");
        let ct = cs
            .hpke_seal(recipient.public_key.as_bytes(), b"", b"", b"")
            .expect("seal");
        let nsk = super::hpke::private_key_len(cs.cipher_suite()).expect("known");
        let eph = cs.kem_derive_key_pair(&ikm[..nsk]).expect("derive");
        assert_eq!(ct.kem_output, eph.public_key.0, "{:?}", cs.cipher_suite());
        assert_eq!(cs.kem_generate_key_pair().expect("generate"), eph);
    });
}

#[test]
fn key_and_signature_encodings() {
    let provider = default_provider();
    // (suite, KEM public key length, signature public key length, signature length or 0 for
    // variable-length DER)
    let expected = [
        (1, 32, 32, 64),
        (2, 65, 65, 0),
        (3, 32, 32, 64),
        (4, 56, 57, 114),
        (5, 133, 133, 0),
        (6, 56, 57, 114),
        (7, 97, 97, 0),
    ];
    for (suite, kem_pk, sig_pk, sig_len) in expected {
        let cs = provider
            .cipher_suite_provider(CipherSuite(suite))
            .expect("supported");
        let kp = cs.kem_generate_key_pair().expect("generate");
        assert_eq!(kp.public_key.0.len(), kem_pk, "suite {suite}");
        let skp = cs.signature_generate_key_pair().expect("generate");
        assert_eq!(skp.public_key.0.len(), sig_pk, "suite {suite}");
        let sig = cs.sign(&skp.private_key, b"m").expect("sign");
        if sig_len == 0 {
            assert_eq!(skp.public_key.0.first(), Some(&0x04), "uncompressed SEC1");
            assert_eq!(sig.first(), Some(&0x30), "DER SEQUENCE");
            // A compressed point of the same key is refused (RFC 9420 §5.1.1).
            let mut compressed = skp.public_key.0[..sig_pk.div_ceil(2)].to_vec();
            compressed[0] = 0x02 | (skp.public_key.0[sig_pk - 1] & 1);
            assert_eq!(
                cs.verify(&compressed, b"m", &sig),
                Err(CryptoError::InvalidKey)
            );
        } else {
            assert_eq!(sig.len(), sig_len, "suite {suite}");
        }
    }
}

#[test]
fn malformed_inputs_are_errors() {
    let provider = default_provider();
    each_suite(&provider, |cs| {
        let nh = cs.hash_len();
        assert_eq!(
            cs.kdf_expand(&[1; 4], &[], 16).err(),
            Some(CryptoError::InvalidLength)
        );
        assert_eq!(
            cs.kdf_expand(&vec![1; nh], &[], 255 * nh).map(|s| s.len()),
            Ok(255 * nh)
        );
        assert!(cs.aead_open(&[0; 3], &[0; 12], b"", &[0; 32]).is_err());
        assert!(
            cs.aead_open(&vec![0; cs.aead_key_len()], &[0; 12], b"", &[])
                .is_err()
        );
        let kp = cs.kem_derive_key_pair(b"ikm").expect("derive");
        let (enc, _) = cs
            .hpke_export_sender(kp.public_key.as_bytes(), b"", b"", 8)
            .expect("export");
        let too_long = 255 * nh + 1;
        assert!(
            cs.hpke_export_sender(kp.public_key.as_bytes(), b"", b"", too_long)
                .is_err()
        );
        assert!(
            cs.hpke_export_receiver(&enc, &kp.private_key, b"", b"", too_long)
                .is_err()
        );
        assert!(
            cs.hpke_export_receiver(&enc[1..], &kp.private_key, b"", b"", 8)
                .is_err()
        );
        assert!(cs.kem_public_key(&HpkePrivateKey::new(vec![])).is_err());
        for bad in [vec![], vec![0xff; 200]] {
            assert!(
                cs.sign(&SignaturePrivateKey::new(bad.clone()), b"m")
                    .is_err()
            );
            assert!(
                cs.signature_public_key(&SignaturePrivateKey::new(bad))
                    .is_err()
            );
        }
    });
}

#[test]
fn ecdsa_rejects_out_of_range_scalars() {
    let provider = default_provider();
    for (suite, len) in [(2, 32), (5, 66), (7, 48)] {
        let cs = provider
            .cipher_suite_provider(CipherSuite(suite))
            .expect("supported");
        for sk in [vec![0; len], vec![0xff; len]] {
            let sk = SignaturePrivateKey::new(sk);
            assert_eq!(cs.signature_public_key(&sk), Err(CryptoError::InvalidKey));
        }
    }
}

/// RFC 9180 §7.1.4: keys that cannot be encapsulated to are refused, generated keys pass.
#[test]
fn kem_public_keys_are_validated() {
    let p = default_provider();
    for suite in 1..=7u16 {
        let cs = crate::crypto::CryptoProvider::suite(&p, crate::CipherSuite(suite)).unwrap();
        let good = cs.kem_generate_key_pair().unwrap().public_key;
        assert_eq!(
            cs.kem_validate_public_key(good.as_bytes()),
            Ok(()),
            "suite {suite}"
        );
        let n = good.as_bytes().len();
        let bad: [Vec<u8>; 4] = [
            Vec::new(),
            alloc::vec![0u8; n],
            good.as_bytes()[..n - 1].to_vec(),
            [good.as_bytes(), &[0u8][..]].concat(),
        ];
        for (i, b) in bad.iter().enumerate() {
            assert_eq!(
                cs.kem_validate_public_key(b),
                Err(CryptoError::InvalidKey),
                "suite {suite}, bad key {i}"
            );
        }
    }
    // Low-order X25519 u-coordinates (1, and the order-8 point) and X448's u = 1.
    let x25519 = crate::crypto::CryptoProvider::suite(&p, crate::CipherSuite(1)).unwrap();
    let mut one = [0u8; 32];
    one[0] = 1;
    assert!(x25519.kem_validate_public_key(&one).is_err());
    let order8 = [
        0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4,
        0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49,
        0xb8, 0x00,
    ];
    assert!(x25519.kem_validate_public_key(&order8).is_err());
    let x448 = crate::crypto::CryptoProvider::suite(&p, crate::CipherSuite(4)).unwrap();
    let mut one = [0u8; 56];
    one[0] = 1;
    assert!(x448.kem_validate_public_key(&one).is_err());
}

/// The X25519 low-order list agrees with the DH check: every entry (and its bit-255
/// variant) gives an all-zero DH output, and random keys pass both.
#[test]
fn x25519_low_order_list_matches_the_dh_check() {
    use super::generic_hpke::{validate_public_key, x25519_dh_check};
    let p = default_provider();
    let cs = crate::crypto::CryptoProvider::suite(&p, crate::CipherSuite(1)).unwrap();
    let low: [&str; 7] = [
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
        "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ];
    for h in low {
        let mut k: Vec<u8> = (0..32)
            .map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        for high in [false, true] {
            if let Some(last) = k.last_mut() {
                *last = if high { *last | 0x80 } else { *last & 0x7f };
            }
            assert_eq!(
                x25519_dh_check(&k),
                Err(CryptoError::InvalidKey),
                "{h} {high}"
            );
            assert_eq!(
                validate_public_key(0x0020, &k),
                Err(CryptoError::InvalidKey)
            );
        }
    }
    let mut buf = [0u8; 32];
    for _ in 0..200 {
        cs.random_bytes(&mut buf).unwrap();
        assert_eq!(x25519_dh_check(&buf), Ok(()));
        assert_eq!(validate_public_key(0x0020, &buf), Ok(()));
    }
}

/// `hpke_open_with_public_key` (one scalar multiplication instead of two, for the DHKEM
/// suites) opens exactly what `hpke_open` opens, in every suite; with a public key that is
/// not the private key's, or a tampered `enc`, it fails opaquely. The IETF `crypto-basics`
/// vectors check it too (tools/melos-vectors).
#[test]
fn hpke_open_with_public_key_matches_hpke_open() {
    let provider = default_provider();
    each_suite(&provider, |cs| {
        let kp = cs.kem_derive_key_pair(b"open with public key").unwrap();
        let other = cs.kem_derive_key_pair(b"another key pair").unwrap();
        let pk = kp.public_key.as_bytes();
        for pt in [&b""[..], b"path secret", &[7u8; 300][..]] {
            let ct = cs.hpke_seal(pk, b"info", b"aad", pt).unwrap();
            let plain = cs.hpke_open(&ct, &kp.private_key, b"info", b"aad").unwrap();
            let with_pk = cs
                .hpke_open_with_public_key(&ct, &kp.private_key, pk, b"info", b"aad")
                .unwrap();
            assert_eq!(plain.as_bytes(), pt);
            assert_eq!(with_pk.as_bytes(), pt);
            let wrong = cs.hpke_open_with_public_key(
                &ct,
                &kp.private_key,
                other.public_key.as_bytes(),
                b"info",
                b"aad",
            );
            assert_eq!(wrong.err(), Some(CryptoError::DecryptionFailed));
            let short = cs.hpke_open_with_public_key(
                &ct,
                &kp.private_key,
                &pk[..pk.len() - 1],
                b"info",
                b"aad",
            );
            assert_eq!(short.err(), Some(CryptoError::DecryptionFailed));
            let mut bad_enc = ct.clone();
            if let Some(b) = bad_enc.kem_output.get_mut(1) {
                *b ^= 0x40;
            }
            let tampered =
                cs.hpke_open_with_public_key(&bad_enc, &kp.private_key, pk, b"info", b"aad");
            assert_eq!(tampered.err(), Some(CryptoError::DecryptionFailed));
            let other_info =
                cs.hpke_open_with_public_key(&ct, &kp.private_key, pk, b"inf0", b"aad");
            assert_eq!(other_info.err(), Some(CryptoError::DecryptionFailed));
        }
    });
}
