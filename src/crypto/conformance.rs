//! Provider conformance suite: checks any [`CryptoProvider`] or [`CipherSuiteProvider`]
//! against known answers and round trips, so an alternative backend (hardware, platform
//! library) can be tested the same way as the default one.
//!
//! ```
//! # #[cfg(feature = "getrandom")] {
//! use melos::crypto::conformance::check_provider;
//! use melos::crypto::rust_crypto::RustCrypto;
//!
//! let checks = check_provider(&RustCrypto::new()).unwrap();
//! assert!(checks > 0);
//! # }
//! ```
//!
//! Per suite it checks: the sizes `Nh`, `Nk`, `Nn` against [`CipherSuite::components`]
//! (RFC 9420 §5.1); `Hash("abc")` (FIPS 180-4 examples); HMAC (RFC 4231 test case 2); HKDF
//! (RFC 5869 test case 1 for SHA-256, consistency for the other hashes, too-long output
//! rejected); AEAD round trip with tampered ciphertext, wrong AAD and wrong key length
//! rejected; HPKE (RFC 9180) seal/open round trip, wrong key and tampered ciphertext rejected,
//! exporter sender/receiver agreement; batched HPKE seal (`hpke_seal_batch`) opened by
//! `hpke_open` with fresh ephemeral keys and a malformed key rejected; `DeriveKeyPair`
//! determinism and agreement with `kem_public_key`; sign/verify round trip with tampered message and garbage signatures and
//! keys rejected; random output that differs between draws; and the labeled operations of
//! RFC 9420 §5 on top of the provider.

use alloc::vec::Vec;
use core::fmt;

use super::labels;
use super::{
    CipherSuite, CipherSuiteProvider, CryptoProvider, HashId, HpkePrivateKey, HpkePublicKey,
};
use crate::error::{CryptoError, Error};

/// A failed conformance check: the suite, the check, and the provider's error if it returned
/// one where success was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConformanceFailure {
    /// The suite under test.
    pub suite: CipherSuite,
    /// A short name of the check that failed.
    pub check: &'static str,
    /// The error the provider returned, if the failure was an unexpected error.
    pub error: Option<CryptoError>,
}

impl fmt::Display for ConformanceFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "suite {:?}: check `{}` failed", self.suite, self.check)?;
        if let Some(e) = self.error {
            write!(f, " ({e})")?;
        }
        Ok(())
    }
}

impl core::error::Error for ConformanceFailure {}

/// Runs [`check_suite`] on every suite the provider reports as supported, and checks that
/// each suite's [`CipherSuiteProvider::backend_cipher_suites`] holds that suite and only
/// supported ones; returns the total number of checks that passed.
pub fn check_provider(provider: &dyn CryptoProvider) -> Result<usize, ConformanceFailure> {
    let mut total = 0usize;
    let supported = provider.supported_cipher_suites();
    for &suite in &supported {
        let fail = |check| ConformanceFailure {
            suite,
            check,
            error: None,
        };
        let cs = provider
            .cipher_suite_provider(suite)
            .ok_or(fail("cipher_suite_provider"))?;
        if cs.cipher_suite() != suite {
            return Err(fail("cipher_suite"));
        }
        // The suites listed in the default capabilities (RFC 9420 §7.2): this one, and only
        // suites the provider implements.
        let backend = cs.backend_cipher_suites();
        if !backend.contains(&suite) || backend.iter().any(|s| !supported.contains(s)) {
            return Err(fail("backend_cipher_suites"));
        }
        total = total.saturating_add(1);
        total = total.saturating_add(check_suite(cs)?);
    }
    Ok(total)
}

/// Runs every check on one suite; returns the number of checks that passed.
///
/// The suite must be one of RFC 9420 §17.1 (its expected sizes and hash come from
/// [`CipherSuite::components`]).
pub fn check_suite(cs: &dyn CipherSuiteProvider) -> Result<usize, ConformanceFailure> {
    let mut c = Checker {
        cs,
        suite: cs.cipher_suite(),
        passed: 0,
    };
    c.sizes()?;
    c.hash_kats()?;
    c.hkdf()?;
    c.aead()?;
    c.hpke()?;
    c.hpke_batch()?;
    c.signatures()?;
    c.random()?;
    c.labels()?;
    Ok(c.passed)
}

struct Checker<'a> {
    cs: &'a dyn CipherSuiteProvider,
    suite: CipherSuite,
    passed: usize,
}

impl Checker<'_> {
    /// Counts a check that holds, fails one that does not.
    fn check(&mut self, check: &'static str, holds: bool) -> Result<(), ConformanceFailure> {
        if holds {
            self.passed = self.passed.saturating_add(1);
            Ok(())
        } else {
            Err(ConformanceFailure {
                suite: self.suite,
                check,
                error: None,
            })
        }
    }

    /// Unwraps a result that must succeed (not counted on its own).
    fn ok<T, E: Into<Option<CryptoError>>>(
        &self,
        check: &'static str,
        r: Result<T, E>,
    ) -> Result<T, ConformanceFailure> {
        r.map_err(|e| ConformanceFailure {
            suite: self.suite,
            check,
            error: e.into(),
        })
    }

    fn hash_id(&self) -> Result<HashId, ConformanceFailure> {
        self.ok(
            "suite has components",
            self.cs.components().ok_or(None::<CryptoError>),
        )
        .map(|(_, _, hash, _)| hash)
    }

    fn sizes(&mut self) -> Result<(), ConformanceFailure> {
        let (_, aead, hash, _) = self.ok(
            "suite has components",
            self.cs.components().ok_or(None::<CryptoError>),
        )?;
        self.check("hash_len", hash.output_len() == Some(self.cs.hash_len()))?;
        self.check(
            "aead_key_len",
            aead.key_len() == Some(self.cs.aead_key_len()),
        )?;
        self.check(
            "aead_nonce_len",
            aead.nonce_len() == Some(self.cs.aead_nonce_len()),
        )
    }

    fn hash_kats(&mut self) -> Result<(), ConformanceFailure> {
        let (abc, hmac) = match self.hash_id()? {
            HashId::SHA256 => (SHA256_ABC, HMAC_SHA256),
            HashId::SHA384 => (SHA384_ABC, HMAC_SHA384),
            _ => (SHA512_ABC, HMAC_SHA512),
        };
        let got = self.ok("hash", self.cs.hash(b"abc"))?;
        self.check("hash(\"abc\") known answer", got == unhex(abc))?;
        let got = self.ok("mac", self.cs.mac(b"Jefe", b"what do ya want for nothing?"))?;
        self.check("HMAC RFC 4231 case 2", got == unhex(hmac))
    }

    fn hkdf(&mut self) -> Result<(), ConformanceFailure> {
        let cs = self.cs;
        let nh = cs.hash_len();
        if self.hash_id()? == HashId::SHA256 {
            let prk = self.ok(
                "kdf_extract",
                cs.kdf_extract(&unhex(HKDF_SALT), &[0x0b; 22]),
            )?;
            self.check(
                "HKDF-Extract RFC 5869 case 1",
                prk.as_bytes() == unhex(HKDF_PRK),
            )?;
            let okm = self.ok(
                "kdf_expand",
                cs.kdf_expand(prk.as_bytes(), &[&[0xf0, 0xf1], HKDF_INFO_TAIL], 42),
            )?;
            self.check(
                "HKDF-Expand RFC 5869 case 1",
                okm.as_bytes() == unhex(HKDF_OKM),
            )?;
        }
        let prk = self.ok(
            "kdf_extract",
            cs.kdf_extract(b"salt", b"input keying material"),
        )?;
        self.check("kdf_extract length", prk.len() == nh)?;
        let prk = prk.as_bytes();
        let whole = self.ok("kdf_expand", cs.kdf_expand(prk, &[b"context info"], 100))?;
        let parts = self.ok(
            "kdf_expand",
            cs.kdf_expand(prk, &[b"context", b"", b" info"], 100),
        )?;
        self.check(
            "kdf_expand info parts concatenate",
            whole == parts && whole.len() == 100,
        )?;
        let short = self.ok("kdf_expand", cs.kdf_expand(prk, &[b"context info"], 7))?;
        self.check(
            "kdf_expand prefix property",
            whole.as_bytes().get(..7) == Some(short.as_bytes()),
        )?;
        let too_long = nh.saturating_mul(255).saturating_add(1);
        self.check(
            "kdf_expand rejects > 255*Nh",
            cs.kdf_expand(prk, &[], too_long).is_err(),
        )
    }

    fn aead(&mut self) -> Result<(), ConformanceFailure> {
        let cs = self.cs;
        let key: Vec<u8> = (0..=255u8).cycle().take(cs.aead_key_len()).collect();
        let nonce: Vec<u8> = (0..=255u8)
            .cycle()
            .take(cs.aead_nonce_len())
            .map(|b| b ^ 0xa5)
            .collect();
        let (aad, pt) = (b"associated data".as_slice(), b"attack at dawn".as_slice());
        let ct = self.ok("aead_seal", cs.aead_seal(&key, &nonce, aad, pt))?;
        self.check(
            "aead ciphertext length",
            ct.len() == pt.len().saturating_add(16),
        )?;
        let opened = self.ok("aead_open", cs.aead_open(&key, &nonce, aad, &ct))?;
        self.check("aead round trip", opened.as_bytes() == pt)?;
        self.check(
            "aead rejects tampered ciphertext",
            cs.aead_open(&key, &nonce, aad, &flip(&ct)).is_err(),
        )?;
        self.check(
            "aead rejects wrong aad",
            cs.aead_open(&key, &nonce, b"other", &ct).is_err(),
        )?;
        self.check(
            "aead rejects truncated ciphertext",
            cs.aead_open(&key, &nonce, aad, &[0; 3]).is_err(),
        )?;
        self.check(
            "aead rejects wrong key length",
            cs.aead_seal(&[0; 5], &nonce, aad, pt).is_err(),
        )?;
        self.check(
            "aead rejects wrong nonce length",
            cs.aead_seal(&key, &[0; 5], aad, pt).is_err(),
        )
    }

    fn hpke(&mut self) -> Result<(), ConformanceFailure> {
        let cs = self.cs;
        let ikm = [0x42u8; 64];
        let kp = self.ok("kem_derive_key_pair", cs.kem_derive_key_pair(&ikm))?;
        let again = self.ok("kem_derive_key_pair", cs.kem_derive_key_pair(&ikm))?;
        self.check("DeriveKeyPair deterministic", kp == again)?;
        let pk = self.ok("kem_public_key", cs.kem_public_key(&kp.private_key))?;
        self.check(
            "DeriveKeyPair matches kem_public_key",
            pk == kp.public_key.0,
        )?;
        let other = self.ok("kem_derive_key_pair", cs.kem_derive_key_pair(&[0x43; 64]))?;
        self.check(
            "DeriveKeyPair depends on ikm",
            other.public_key != kp.public_key,
        )?;
        let fresh = self.ok("kem_generate_key_pair", cs.kem_generate_key_pair())?;
        let pk = self.ok("kem_public_key", cs.kem_public_key(&fresh.private_key))?;
        self.check("generated key pair matches", pk == fresh.public_key.0)?;

        let (info, aad, pt) = (
            b"info".as_slice(),
            b"aad".as_slice(),
            b"hpke plaintext".as_slice(),
        );
        let ct = self.ok(
            "hpke_seal",
            cs.hpke_seal(kp.public_key.as_bytes(), info, aad, pt),
        )?;
        let opened = self.ok("hpke_open", cs.hpke_open(&ct, &kp.private_key, info, aad))?;
        self.check("hpke round trip", opened.as_bytes() == pt)?;
        self.check(
            "hpke rejects wrong key",
            cs.hpke_open(&ct, &other.private_key, info, aad).is_err(),
        )?;
        self.check(
            "hpke rejects wrong info",
            cs.hpke_open(&ct, &kp.private_key, b"x", aad).is_err(),
        )?;
        self.check(
            "hpke rejects wrong aad",
            cs.hpke_open(&ct, &kp.private_key, info, b"x").is_err(),
        )?;
        let mut bad = ct.clone();
        bad.ciphertext = flip(&bad.ciphertext);
        self.check(
            "hpke rejects tampered ciphertext",
            cs.hpke_open(&bad, &kp.private_key, info, aad).is_err(),
        )?;
        let mut bad = ct.clone();
        bad.kem_output.truncate(3);
        self.check(
            "hpke rejects malformed enc",
            cs.hpke_open(&bad, &kp.private_key, info, aad).is_err(),
        )?;
        let garbage = HpkePrivateKey::new(vec![0xff; 3]);
        self.check(
            "hpke rejects malformed private key",
            cs.hpke_open(&ct, &garbage, info, aad).is_err(),
        )?;
        self.check(
            "hpke_seal rejects malformed public key",
            cs.hpke_seal(&[1, 2, 3], info, aad, pt).is_err(),
        )?;

        let (enc, sent) = self.ok(
            "hpke_export_sender",
            cs.hpke_export_sender(kp.public_key.as_bytes(), info, b"ctx", 32),
        )?;
        let got = self.ok(
            "hpke_export_receiver",
            cs.hpke_export_receiver(&enc, &kp.private_key, info, b"ctx", 32),
        )?;
        self.check(
            "hpke export sender/receiver agree",
            sent == got && sent.len() == 32,
        )?;
        let wrong = cs.hpke_export_receiver(&enc, &other.private_key, info, b"ctx", 32);
        self.check(
            "hpke export differs for another key",
            wrong.map_or(true, |w| w != sent),
        )
    }

    /// `hpke_seal_batch`: three recipients sealed in one call open with `hpke_open`, each with
    /// a fresh ephemeral key; an empty batch is empty; an invalid recipient key is an error.
    fn hpke_batch(&mut self) -> Result<(), ConformanceFailure> {
        let cs = self.cs;
        let mut kps = Vec::with_capacity(3);
        for ikm in [[0x51u8; 64], [0x52; 64], [0x53; 64]] {
            kps.push(self.ok("kem_derive_key_pair", cs.kem_derive_key_pair(&ikm))?);
        }
        let info: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        let pts: [&[u8]; 3] = [b"first", b"", b"third plaintext"];
        let recipients: Vec<(&HpkePublicKey, &[u8])> = kps
            .iter()
            .zip(pts)
            .map(|(kp, pt)| (&kp.public_key, pt))
            .collect();
        let cts = self.ok(
            "hpke_seal_batch",
            cs.hpke_seal_batch(&info, b"aad", &recipients),
        )?;
        self.check("hpke_seal_batch count", cts.len() == kps.len())?;
        for ((kp, pt), ct) in kps.iter().zip(pts).zip(&cts) {
            let opened = self.ok(
                "hpke_open of hpke_seal_batch",
                cs.hpke_open(ct, &kp.private_key, &info, b"aad"),
            )?;
            self.check("hpke_seal_batch round trip", opened.as_bytes() == pt)?;
        }
        let distinct = cts.iter().enumerate().all(|(i, a)| {
            cts.iter()
                .skip(i.saturating_add(1))
                .all(|b| a.kem_output != b.kem_output)
        });
        self.check("hpke_seal_batch fresh ephemeral keys", distinct)?;
        let empty = self.ok("hpke_seal_batch", cs.hpke_seal_batch(&info, b"", &[]))?;
        self.check("hpke_seal_batch of nothing", empty.is_empty())?;
        let garbage = HpkePublicKey(vec![1, 2, 3]);
        let with_garbage = [recipients.first().copied(), Some((&garbage, &b"x"[..]))];
        let with_garbage: Vec<(&HpkePublicKey, &[u8])> =
            with_garbage.into_iter().flatten().collect();
        self.check(
            "hpke_seal_batch rejects malformed public key",
            cs.hpke_seal_batch(&info, b"", &with_garbage).is_err(),
        )
    }

    fn signatures(&mut self) -> Result<(), ConformanceFailure> {
        let cs = self.cs;
        let kp = self.ok(
            "signature_generate_key_pair",
            cs.signature_generate_key_pair(),
        )?;
        let pk = self.ok(
            "signature_public_key",
            cs.signature_public_key(&kp.private_key),
        )?;
        self.check("signature_public_key matches", pk == kp.public_key.0)?;
        let pk = pk.as_slice();
        let msg = b"message to be signed";
        let sig = self.ok("sign", cs.sign(&kp.private_key, msg))?;
        self.ok("verify", cs.verify(pk, msg, &sig))?;
        self.check("sign/verify round trip", true)?;
        self.check(
            "verify rejects tampered message",
            cs.verify(pk, b"message to be signeD", &sig).is_err(),
        )?;
        self.check(
            "verify rejects tampered signature",
            cs.verify(pk, msg, &flip(&sig)).is_err(),
        )?;
        for garbage in [
            &[][..],
            &[0u8; 8][..],
            &[0xffu8; 64][..],
            &[0x30u8; 200][..],
        ] {
            self.check(
                "verify rejects garbage signature",
                cs.verify(pk, msg, garbage).is_err(),
            )?;
            self.check(
                "verify rejects garbage public key",
                cs.verify(garbage, msg, &sig).is_err(),
            )?;
        }
        let other = self.ok(
            "signature_generate_key_pair",
            cs.signature_generate_key_pair(),
        )?;
        self.check(
            "verify rejects another key",
            cs.verify(other.public_key.as_bytes(), msg, &sig).is_err(),
        )?;
        self.check(
            "generated key pairs differ",
            other.public_key != kp.public_key,
        )?;
        let batch = [(pk, &msg[..], sig.as_slice())];
        self.ok("verify_batch", cs.verify_batch(&batch))?;
        self.check("verify_batch", true)
    }

    fn random(&mut self) -> Result<(), ConformanceFailure> {
        let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
        self.ok("random_bytes", self.cs.random_bytes(&mut a))?;
        self.ok("random_bytes", self.cs.random_bytes(&mut b))?;
        self.check("random draws differ", a != b)?;
        let s = self.ok("random_secret", self.cs.random_secret(17))?;
        self.check("random_secret length", s.len() == 17)
    }

    fn labels(&mut self) -> Result<(), ConformanceFailure> {
        let cs = self.cs;
        let secret = vec![0x11u8; cs.hash_len()];
        let out = self.ok(
            "expand_with_label",
            labels::expand_with_label(cs, &secret, b"test", b"ctx", 17).map_err(label_err),
        )?;
        // KDFLabel = uint16 length || opaque label<V> = "MLS 1.0 test" || opaque context<V>.
        let kdf_label = [&[0x00, 0x11, 0x0c][..], b"MLS 1.0 test", &[0x03], b"ctx"].concat();
        let direct = self.ok("kdf_expand", cs.kdf_expand(&secret, &[&kdf_label], 17))?;
        self.check(
            "expand_with_label encodes KDFLabel",
            out == direct && out.len() == 17,
        )?;
        let derived = self.ok(
            "derive_secret",
            labels::derive_secret(cs, &secret, b"test").map_err(label_err),
        )?;
        self.check("derive_secret length", derived.len() == cs.hash_len())?;

        let kp = self.ok("kem_derive_key_pair", cs.kem_derive_key_pair(b"labels ikm"))?;
        let pk = kp.public_key.as_bytes();
        let ct = self.ok(
            "encrypt_with_label",
            labels::encrypt_with_label(cs, pk, b"L", b"C", b"pt").map_err(label_err),
        )?;
        let pt = self.ok(
            "decrypt_with_label",
            labels::decrypt_with_label(cs, &kp.private_key, b"L", b"C", &ct).map_err(label_err),
        )?;
        self.check(
            "encrypt/decrypt_with_label round trip",
            pt.as_bytes() == b"pt",
        )?;
        self.check(
            "decrypt_with_label rejects another label",
            labels::decrypt_with_label(cs, &kp.private_key, b"M", b"C", &ct).is_err(),
        )?;
        let pt = self.ok(
            "decrypt_with_label_and_public_key",
            labels::decrypt_with_label_and_public_key(cs, &kp.private_key, pk, b"L", b"C", &ct)
                .map_err(label_err),
        )?;
        self.check(
            "hpke_open_with_public_key opens what hpke_open opens",
            pt.as_bytes() == b"pt",
        )?;

        let skp = self.ok(
            "signature_generate_key_pair",
            cs.signature_generate_key_pair(),
        )?;
        let spk = skp.public_key.as_bytes();
        let sig = self.ok(
            "sign_with_label",
            labels::sign_with_label(cs, &skp.private_key, b"L", b"C").map_err(label_err),
        )?;
        self.ok(
            "verify_with_label",
            labels::verify_with_label(cs, spk, b"L", b"C", &sig).map_err(label_err),
        )?;
        self.check(
            "verify_with_label rejects another label",
            labels::verify_with_label(cs, spk, b"M", b"C", &sig).is_err(),
        )
    }
}

/// The crypto error inside a labeled-operation error, if any.
fn label_err(e: Error) -> Option<CryptoError> {
    match e {
        Error::Crypto(c) => Some(c),
        _ => None,
    }
}

/// A copy of `data` with the low bit of its last byte flipped.
fn flip(data: &[u8]) -> Vec<u8> {
    let mut out = data.to_vec();
    if let Some(b) = out.last_mut() {
        *b ^= 1;
    }
    out
}

/// Decodes a hex constant of this file (all well-formed; a malformed one decodes short and
/// fails its check).
fn unhex(s: &str) -> Vec<u8> {
    s.as_bytes()
        .chunks(2)
        .map_while(|pair| {
            core::str::from_utf8(pair)
                .ok()
                .and_then(|p| u8::from_str_radix(p, 16).ok())
        })
        .collect()
}

const SHA256_ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const SHA384_ABC: &str = "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed\
                          8086072ba1e7cc2358baeca134c825a7";
const SHA512_ABC: &str = "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
                          2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";
const HMAC_SHA256: &str = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
const HMAC_SHA384: &str = "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e\
                           8e2240ca5e69e2c78b3239ecfab21649";
const HMAC_SHA512: &str = "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554\
                           9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737";
const HKDF_SALT: &str = "000102030405060708090a0b0c";
/// RFC 5869 case 1 info is f0..f9; the check passes it as two parts, `f0f1` and this tail.
const HKDF_INFO_TAIL: &[u8] = &[0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9];
const HKDF_PRK: &str = "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5";
const HKDF_OKM: &str = "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf\
                        34007208d5b887185865";
