//! Equivalence of [`super::ed25519_strict::verify`] with ed25519-dalek's
//! `VerifyingKey::verify_strict` (the reference, called as the provider called it before):
//! the same verdict, and the same error, on valid signatures, every small-order encoding as R
//! and as A (with signatures that satisfy the cofactorless equation, so that only the
//! small-order rule can refuse them), non-canonical s, non-canonical and undecodable R and A,
//! mixed-order keys, the ed25519-speccheck cases of Chalkias, Garillot and Nikolaenko,
//! "Taming the Many EdDSAs" (2020), and random mutations of valid signatures.

use alloc::vec::Vec;

use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha512};

use super::ed25519_strict::{SMALL_ORDER_ENCODINGS, verify};
use crate::error::CryptoError;

/// The field prime p = 2^255 - 19, little-endian.
const P: [u8; 32] = {
    let mut p = [0xff; 32];
    p[0] = 0xed;
    p[31] = 0x7f;
    p
};

/// The group order ℓ = 2^252 + 27742317777372353535851937790883648493, little-endian.
const L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// The provider's Ed25519 verification before this module: `verify_strict`.
fn reference(pk: &[u8], msg: &[u8], sig: &[u8]) -> Result<(), CryptoError> {
    let pk = VerifyingKey::try_from(pk).map_err(|_| CryptoError::InvalidKey)?;
    let sig = Signature::from_slice(sig).map_err(|_| CryptoError::InvalidSignature)?;
    pk.verify_strict(msg, &sig)
        .map_err(|_| CryptoError::InvalidSignature)
}

/// Asserts both verifications give the same result; returns whether they accepted.
fn same(pk: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    let new = verify(pk, msg, sig);
    let old = reference(pk, msg, sig);
    assert_eq!(
        new,
        old,
        "pk {} msg {} sig {}",
        hex::encode(pk),
        hex::encode(msg),
        hex::encode(sig)
    );
    new.is_ok()
}

/// The lenient cofactorless check (`Verifier::verify`: canonical s, R compared as bytes, no
/// small-order rejection): shows that a constructed signature satisfies the equation.
fn lenient(pk: &[u8; 32], msg: &[u8], sig: &[u8; 64]) -> bool {
    VerifyingKey::from_bytes(pk)
        .map(|k| k.verify(msg, &Signature::from_bytes(sig)).is_ok())
        .unwrap_or(false)
}

/// 32 deterministic bytes per (label, index).
fn bytes32(label: &str, i: u64) -> [u8; 32] {
    let h = Sha512::new()
        .chain_update(label.as_bytes())
        .chain_update(i.to_le_bytes())
        .finalize();
    let mut out = [0u8; 32];
    out.copy_from_slice(&h[..32]);
    out
}

fn sig_bytes(r: &[u8; 32], s: &[u8; 32]) -> [u8; 64] {
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(r);
    sig[32..].copy_from_slice(s);
    sig
}

/// Little-endian 256-bit addition; `None` on overflow.
fn add256(a: &[u8; 32], b: &[u8; 32]) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for i in 0..32 {
        let t = u16::from(a[i]) + u16::from(b[i]) + carry;
        out[i] = t as u8;
        carry = t >> 8;
    }
    (carry == 0).then_some(out)
}

/// k = SHA-512(R || A || M) mod ℓ.
fn challenge(r: &[u8; 32], a: &[u8; 32], msg: &[u8]) -> Scalar {
    let h: [u8; 64] = Sha512::new()
        .chain_update(r)
        .chain_update(a)
        .chain_update(msg)
        .finalize()
        .into();
    Scalar::from_bytes_mod_order_wide(&h)
}

#[test]
fn small_order_encodings_are_derived() {
    // The eight small-order points: distinct, each of small order.
    let mut points: Vec<EdwardsPoint> = Vec::new();
    for t in EIGHT_TORSION {
        assert!(t.is_small_order());
        assert!(!points.contains(&t));
        points.push(t);
    }
    // The decoder reads y from the low 255 bits reduced mod p, and x's sign from bit 255. So
    // the only strings that can decode to a point with coordinate y are y and y + p (when
    // below 2^255), each with either sign bit: enumerate them all and keep those that decode
    // to a small-order point.
    let mut derived: Vec<[u8; 32]> = Vec::new();
    for t in &points {
        let mut y = t.compress().to_bytes();
        y[31] &= 0x7f;
        let mut candidates = vec![y];
        if let Some(y_plus_p) = add256(&y, &P).filter(|v| v[31] & 0x80 == 0) {
            candidates.push(y_plus_p);
        }
        for c in candidates {
            for sign in [0u8, 0x80] {
                let mut enc = c;
                enc[31] |= sign;
                let decoded = CompressedEdwardsY(enc).decompress();
                if decoded.is_some_and(|q| q.is_small_order()) && !derived.contains(&enc) {
                    derived.push(enc);
                }
            }
        }
    }
    derived.sort();
    let mut listed = SMALL_ORDER_ENCODINGS.to_vec();
    listed.sort();
    assert_eq!(derived.len(), 14);
    assert_eq!(derived, listed);
    // The canonical encodings of the eight points are among them.
    for t in &points {
        assert!(SMALL_ORDER_ENCODINGS.contains(&t.compress().to_bytes()));
    }
}

#[test]
fn valid_signatures_are_accepted() {
    for i in 0..200u64 {
        let key = SigningKey::from_bytes(&bytes32("key", i));
        let msg: Vec<u8> = (0..(i * 7) % 300).map(|j| (j as u8) ^ (i as u8)).collect();
        let sig = key.sign(&msg).to_bytes();
        assert!(same(key.verifying_key().as_bytes(), &msg, &sig));
        // The same signature on another message, or under another key, is refused.
        assert!(!same(key.verifying_key().as_bytes(), b"other", &sig));
        let other = SigningKey::from_bytes(&bytes32("other", i));
        assert!(!same(other.verifying_key().as_bytes(), &msg, &sig));
    }
}

#[test]
fn small_order_r_is_refused_even_when_the_equation_holds() {
    // A mixed-order key A = [a]B + T (T of order 8) is not weak. With s = k·a the
    // cofactorless equation gives [s]B - [k]A = -[k]T, a small-order point: a message whose
    // k makes it equal R's point is found by trying messages.
    let a = Scalar::from_bytes_mod_order(bytes32("a", 0));
    let t = EIGHT_TORSION[1];
    let big_a = (ED25519_BASEPOINT_POINT * a + t).compress().to_bytes();
    let mut forged = 0;
    for r in SMALL_ORDER_ENCODINGS {
        let canonical = CompressedEdwardsY(r)
            .decompress()
            .is_some_and(|p| p.compress().to_bytes() == r);
        let mut found = false;
        for i in 0..2000u64 {
            let msg = i.to_le_bytes();
            let k = challenge(&r, &big_a, &msg);
            let s = (k * a).to_bytes();
            let sig = sig_bytes(&r, &s);
            assert!(!same(&big_a, &msg, &sig));
            if lenient(&big_a, &msg, &sig) {
                // Only the small-order rule refuses this one.
                assert!(canonical);
                found = true;
                break;
            }
        }
        if canonical {
            assert!(found, "no forgery found for R = {}", hex::encode(r));
            forged += 1;
        }
        // Other s values with this R.
        for s in [[0u8; 32], bytes32("s", 1), {
            let mut s = bytes32("s", 2);
            s[31] &= 0x0f;
            s
        }] {
            for msg in [&b""[..], b"msg"] {
                same(&big_a, msg, &sig_bytes(&r, &s));
            }
        }
    }
    assert_eq!(forged, 8);
}

#[test]
fn small_order_a_is_refused_even_when_the_equation_holds() {
    for a in SMALL_ORDER_ENCODINGS {
        let a_point = CompressedEdwardsY(a).decompress().expect("decodes");
        // [k]A is one of the eight torsion points: guess it, set R = [s]B - guess, and try
        // messages until k makes the guess right.
        let mut found = false;
        'outer: for i in 0..4000u64 {
            let s = Scalar::from_bytes_mod_order(bytes32("s", i));
            let guess = EIGHT_TORSION[(i % 8) as usize];
            let r = (ED25519_BASEPOINT_POINT * s - guess).compress().to_bytes();
            for j in 0..4u64 {
                let msg = [i.to_le_bytes(), j.to_le_bytes()].concat();
                let sig = sig_bytes(&r, &s.to_bytes());
                assert!(!same(&a, &msg, &sig));
                if challenge(&r, &a, &msg) * a_point == guess {
                    if a_point.compress().to_bytes() == a {
                        // Canonical A: the lenient check accepts; only the weak-key rule
                        // refuses.
                        assert!(lenient(&a, &msg, &sig));
                    }
                    found = true;
                    break 'outer;
                }
            }
        }
        assert!(found, "no forgery found for A = {}", hex::encode(a));
        // Small-order R together with small-order A, s = 0 (speccheck case 0's shape).
        for r in SMALL_ORDER_ENCODINGS {
            assert!(!same(&a, b"", &sig_bytes(&r, &[0u8; 32])));
        }
    }
}

#[test]
fn non_canonical_s_is_refused() {
    for i in 0..50u64 {
        let key = SigningKey::from_bytes(&bytes32("key", i));
        let pk = key.verifying_key().to_bytes();
        let sig = key.sign(b"message").to_bytes();
        let mut r = [0u8; 32];
        r.copy_from_slice(&sig[..32]);
        let mut s = [0u8; 32];
        s.copy_from_slice(&sig[32..]);
        // s + ℓ satisfies the equation with a reduced s but is not canonical.
        let s_plus_l = add256(&s, &L).expect("s + l < 2^256");
        assert!(!same(&pk, b"message", &sig_bytes(&r, &s_plus_l)));
        for bit in 253..256 {
            let mut high = s;
            high[bit / 8] |= 1 << (bit % 8);
            assert!(!same(&pk, b"message", &sig_bytes(&r, &high)));
        }
        assert!(!same(&pk, b"message", &sig_bytes(&r, &L)));
        assert!(!same(&pk, b"message", &sig_bytes(&r, &[0xff; 32])));
        let mut l_minus_1 = L;
        l_minus_1[0] -= 1;
        assert!(!same(&pk, b"message", &sig_bytes(&r, &l_minus_1)));
    }
}

#[test]
fn non_canonical_and_undecodable_r_and_a() {
    let key = SigningKey::from_bytes(&bytes32("key", 7));
    let pk = key.verifying_key().to_bytes();
    let sig = key.sign(b"message").to_bytes();
    let mut s = [0u8; 32];
    s.copy_from_slice(&sig[32..]);
    let mut r_valid = [0u8; 32];
    r_valid.copy_from_slice(&sig[..32]);
    let mut decodable_non_canonical = 0;
    // Every y below 2^255 congruent to 0..=18 has a second, non-canonical representative
    // y + p; with either sign bit.
    for y in 0u8..=18 {
        let mut canonical = [0u8; 32];
        canonical[0] = y;
        let non_canonical = add256(&canonical, &P).expect("fits");
        for base in [canonical, non_canonical] {
            for sign in [0u8, 0x80] {
                let mut enc = base;
                enc[31] |= sign;
                if CompressedEdwardsY(enc).decompress().is_some() && base == non_canonical {
                    decodable_non_canonical += 1;
                }
                // As R, with a valid s; as A, with the valid signature.
                same(&pk, b"message", &sig_bytes(&enc, &s));
                same(&enc, b"message", &sig);
                same(&enc, b"message", &sig_bytes(&enc, &s));
            }
        }
    }
    assert!(decodable_non_canonical > 6, "{decodable_non_canonical}");
    // A valid point as R, but the wrong one: its negation, and R of another signature.
    let mut negated = r_valid;
    negated[31] ^= 0x80;
    assert!(!same(&pk, b"message", &sig_bytes(&negated, &s)));
    let other = key.sign(b"other").to_bytes();
    let mut r_other = [0u8; 32];
    r_other.copy_from_slice(&other[..32]);
    assert!(!same(&pk, b"message", &sig_bytes(&r_other, &s)));
    // Undecodable R and A: search y values that are not on the curve.
    let mut undecodable = 0;
    for i in 0..64u64 {
        let enc = bytes32("y", i);
        if CompressedEdwardsY(enc).decompress().is_none() {
            undecodable += 1;
            assert!(!same(&pk, b"message", &sig_bytes(&enc, &s)));
            assert_eq!(verify(&enc, b"message", &sig), Err(CryptoError::InvalidKey));
            same(&enc, b"message", &sig);
        }
    }
    assert!(undecodable > 10);
    // Wrong lengths.
    same(&pk[..31], b"message", &sig);
    same(&pk, b"message", &sig[..63]);
    same(&pk, b"message", &[sig.as_slice(), &[0]].concat());
}

#[test]
fn mixed_order_keys_agree() {
    // A = [a]B + T with T of order 8, signed with a: s = r + k·a verifies cofactorlessly
    // exactly when [k]T = 0, i.e. k ≡ 0 mod 8. verify_strict accepts those (the key is not
    // weak): both verdicts must occur and agree.
    let a = Scalar::from_bytes_mod_order(bytes32("a", 1));
    let (mut accepted, mut refused) = (0, 0);
    for (ti, t) in EIGHT_TORSION.iter().enumerate().skip(1) {
        let big_a = (ED25519_BASEPOINT_POINT * a + t).compress().to_bytes();
        for i in 0..64u64 {
            let nonce = Scalar::from_bytes_mod_order(bytes32("r", i + 100 * ti as u64));
            let r = (ED25519_BASEPOINT_POINT * nonce).compress().to_bytes();
            let msg = i.to_le_bytes();
            let k = challenge(&r, &big_a, &msg);
            let s = (nonce + k * a).to_bytes();
            if same(&big_a, &msg, &sig_bytes(&r, &s)) {
                accepted += 1;
            } else {
                refused += 1;
            }
        }
    }
    assert!(accepted > 10 && refused > 10, "{accepted} {refused}");
}

/// The ed25519-speccheck cases 0-9 (novifinancial/ed25519-speccheck, cases.json):
/// (message, A, signature). verify_strict accepts none of them but case 3 (mixed-order A
/// and R, cofactorless equation holds) and refuses 0-2 (small-order A or R), 4-5 (equation
/// holds only with the cofactor), 6-7 (s not below ℓ) and 8-9 (non-canonical R = p).
const SPECCHECK: [(&str, &str, &str); 10] = [
    (
        "8c93255d71dcab10e8f379c26200f3c7bd5f09d9bc3068d3ef4edeb4853022b6",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a0000000000000000000000000000000000000000000000000000000000000000",
    ),
    (
        "9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
        "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43a5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04",
    ),
    (
        "aebf3f2601a0c8c5d39cc7d8911642f740b78168218da8471772b35f9d35b9ab",
        "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa8c4bd45aecaca5b24fb97bc10ac27ac8751a7dfe1baff8b953ec9f5833ca260e",
    ),
    (
        "9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79",
        "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
        "9046a64750444938de19f227bb80485e92b83fdb4b6506c160484c016cc1852f87909e14428a7a1d62e9f22f3d3ad7802db02eb2e688b6c52fcd6648a98bd009",
    ),
    (
        "e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c",
        "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
        "160a1cb0dc9c0258cd0a7d23e94d8fa878bcb1925f2c64246b2dee1796bed5125ec6bc982a269b723e0668e540911a9a6a58921d6925e434ab10aa7940551a09",
    ),
    (
        "e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c",
        "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
        "21122a84e0b5fca4052f5b1235c80a537878b38f3142356b2c2384ebad4668b7e40bc836dac0f71076f9abe3a53f9c03c1ceeeddb658d0030494ace586687405",
    ),
    (
        "85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40",
        "442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623",
        "e96f66be976d82e60150baecff9906684aebb1ef181f67a7189ac78ea23b6c0e547f7690a0e2ddcd04d87dbc3490dc19b3b3052f7ff0538cb68afb369ba3a514",
    ),
    (
        "85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40",
        "442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623",
        "8ce5b96c8f26d0ab6c47958c9e68b937104cd36e13c33566acd2fe8d38aa19427e71f98a473474f2f13f06f97c20d58cc3f54b8bd0d272f42b695dd7e89a8c22",
    ),
    (
        "fdaebc429f4a735932a160da1301080c13280eea8bc280d1b392c6b9e6ba3a5a",
        "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f454d370c8d9fc323a41450f8d513eafeb5b0697390c1e505a0d4ddc71f566607",
    ),
    (
        "84b698d39be126ff55fe45079e6c8bf64a0d7db6994560b4e96b7021eb39c1a1",
        "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f084d5b99c2a9463d9c8bd5026916996984eeec87ddf1d3be329006ace1b37b09",
    ),
];

#[test]
fn speccheck_cases_agree() {
    let verdicts: Vec<bool> = SPECCHECK
        .iter()
        .map(|(msg, pk, sig)| {
            same(
                &hex::decode(pk).unwrap(),
                &hex::decode(msg).unwrap(),
                &hex::decode(sig).unwrap(),
            )
        })
        .collect();
    let accepted: Vec<usize> = (0..verdicts.len()).filter(|&i| verdicts[i]).collect();
    assert_eq!(accepted, [3]);
}

/// A small deterministic generator (xorshift64*) for the mutation test.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn random_mutations_agree() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut accepted = 0;
    for i in 0..3000u64 {
        let key = SigningKey::from_bytes(&bytes32("mut", i % 40));
        let mut pk = key.verifying_key().to_bytes();
        let mut msg: Vec<u8> = (0..rng.below(64)).map(|_| rng.next() as u8).collect();
        let mut sig = key.sign(&msg).to_bytes();
        // 0-3 mutations, each a bit flip, a byte set, or a splice of a special value.
        for _ in 0..rng.below(4) {
            match rng.below(8) {
                0 => {
                    let j = rng.below(64);
                    sig[j] ^= 1 << rng.below(8);
                }
                1 => {
                    let j = rng.below(32);
                    pk[j] ^= 1 << rng.below(8);
                }
                2 => {
                    if !msg.is_empty() {
                        let j = rng.below(msg.len());
                        msg[j] ^= 1 << rng.below(8);
                    } else {
                        msg.push(0);
                    }
                }
                3 => {
                    let e = SMALL_ORDER_ENCODINGS[rng.below(14)];
                    sig[..32].copy_from_slice(&e);
                }
                4 => pk = SMALL_ORDER_ENCODINGS[rng.below(14)],
                5 => {
                    let mut s = [0u8; 32];
                    s.copy_from_slice(&sig[32..]);
                    if let Some(t) = add256(&s, &L) {
                        sig[32..].copy_from_slice(&t);
                    }
                }
                6 => sig[31] ^= 0x80,
                _ => {
                    let j = rng.below(64);
                    sig[j] = rng.next() as u8;
                }
            }
        }
        if same(&pk, &msg, &sig) {
            accepted += 1;
        }
    }
    // The unmutated draws (about a quarter) verify.
    assert!(accepted > 500, "{accepted}");
}
