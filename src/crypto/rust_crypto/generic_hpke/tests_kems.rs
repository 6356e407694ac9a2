//! Tests of the X25519 and NIST-curve instances of the generic DHKEM ([`super::kems`]):
//! `DeriveKeyPair` and `Encap`/`Decap` agree with the `hpke` crate's implementations of the
//! same KEMs (RFC 9180 §4.1, §7.1.3), and invalid public keys are rejected (§7.1.4).

use alloc::vec::Vec;

use ::hpke::kem::{DhP256HkdfSha256, DhP384HkdfSha384, DhP521HkdfSha512, X25519HkdfSha256};
use ::hpke::{Deserializable, Kem as CrateKem, Serializable};

use super::hpke::{self, Kem};
use super::kems::{DhKemP256, DhKemP384, DhKemP521, DhKemX25519};
use crate::error::CryptoError;

/// `DeriveKeyPair` of the generic KEM `K` and of the `hpke` crate's `C` agree on many IKMs,
/// and the crate's `Decap` of the generic `Encap` gives the same shared secret. The crate
/// serializes X25519 private keys clamped (RFC 7748 §5), so for X25519 (`clamped_sk`) only
/// the public keys are compared.
fn agrees_with_crate<K: Kem, C: CrateKem>(clamped_sk: bool) {
    for i in 0u8..64 {
        let ikm: Vec<u8> = (0..K::N_SK)
            .map(|j| (j as u8).wrapping_mul(31) ^ i)
            .collect();
        let (sk, pk) = hpke::derive_key_pair::<K>(&ikm).unwrap();
        let (csk, cpk) = C::derive_keypair(&ikm);
        if !clamped_sk {
            assert_eq!(sk.as_bytes(), csk.to_bytes().as_slice(), "sk, ikm {i}");
        }
        assert_eq!(pk.as_bytes(), cpk.to_bytes().as_slice(), "pk, ikm {i}");
        assert_eq!(pk.as_bytes().len(), K::N_PK);

        // Our Encap, the crate's Decap.
        let (shared, enc) = hpke::encap::<K>(pk.as_bytes(), &[i; 80][..K::N_SK]).unwrap();
        let c_enc = C::EncappedKey::from_bytes(&enc).unwrap();
        let c_shared = C::decap(&csk, None, &c_enc).unwrap();
        assert_eq!(shared.as_bytes(), c_shared.0.as_slice());
        assert_eq!(shared.len(), K::N_SECRET);
        // Our Decap agrees.
        let ours = hpke::decap::<K>(&enc, sk.as_bytes()).unwrap();
        assert_eq!(ours, shared);
    }
}

#[test]
fn x25519_agrees_with_the_hpke_crate() {
    agrees_with_crate::<DhKemX25519, X25519HkdfSha256>(true);
}

#[test]
fn p256_agrees_with_the_hpke_crate() {
    agrees_with_crate::<DhKemP256, DhP256HkdfSha256>(false);
}

#[test]
fn p384_agrees_with_the_hpke_crate() {
    agrees_with_crate::<DhKemP384, DhP384HkdfSha384>(false);
}

#[test]
fn p521_agrees_with_the_hpke_crate() {
    agrees_with_crate::<DhKemP521, DhP521HkdfSha512>(false);
}

/// Public keys that are not valid uncompressed points of the curve: every `Encap` to them is
/// [`CryptoError::InvalidKey`] (RFC 9180 §7.1.4), never a panic.
fn rejects_invalid_points<K: Kem>() {
    let (_, pk) = hpke::derive_key_pair::<K>(&[7u8; 66][..K::N_SK]).unwrap();
    let pk = pk.as_bytes();
    let coordinates = pk.get(1..).unwrap();
    let half = coordinates.len() / 2;
    let mut not_on_curve = pk.to_vec();
    *not_on_curve.last_mut().unwrap() ^= 1;
    let mut compressed = vec![0x02 | (pk[K::N_PK - 1] & 1)];
    compressed.extend_from_slice(&coordinates[..half]);
    let mut hybrid = pk.to_vec();
    hybrid[0] = 0x06 | (pk[K::N_PK - 1] & 1);
    let mut zeros = vec![0u8; K::N_PK];
    zeros[0] = 0x04;
    let bad: [Vec<u8>; 8] = [
        Vec::new(),
        vec![0x00],
        not_on_curve,
        compressed,
        hybrid,
        zeros,
        vec![0xff; K::N_PK],
        pk[..K::N_PK - 1].to_vec(),
    ];
    for (i, b) in bad.iter().enumerate() {
        assert_eq!(
            hpke::encap::<K>(b, &[1u8; 66][..K::N_SK]).err(),
            Some(CryptoError::InvalidKey),
            "bad key {i}"
        );
        assert_eq!(
            hpke::decap::<K>(b, &[1u8; 66][..K::N_SK]).err(),
            Some(CryptoError::InvalidKey),
            "bad enc {i}"
        );
    }
    // The valid key works.
    assert!(hpke::encap::<K>(pk, &[1u8; 66][..K::N_SK]).is_ok());
}

#[test]
fn nist_invalid_points_are_rejected() {
    rejects_invalid_points::<DhKemP256>();
    rejects_invalid_points::<DhKemP384>();
    rejects_invalid_points::<DhKemP521>();
}

#[test]
fn nist_private_keys_out_of_range_are_rejected() {
    // Zero and all-ones (above the order) are not private keys.
    for sk in [vec![0u8; 32], vec![0xffu8; 32]] {
        assert_eq!(
            hpke::public_key::<DhKemP256>(&sk).err(),
            Some(CryptoError::InvalidKey)
        );
    }
    assert_eq!(
        hpke::public_key::<DhKemP521>(&[0xffu8; 66]).err(),
        Some(CryptoError::InvalidKey)
    );
}

#[test]
fn x25519_low_order_points_are_rejected() {
    // The all-zero point and the point of order 8 with u = 1 give an all-zero DH output.
    let mut one = [0u8; 32];
    one[0] = 1;
    for pk in [[0u8; 32], one] {
        assert_eq!(
            hpke::encap::<DhKemX25519>(&pk, &[5u8; 32]).err(),
            Some(CryptoError::InvalidKey)
        );
    }
}

/// The Edwards-form X25519 of [`super::kems::x25519`] equals the RFC 7748 ladder
/// (`x25519_dalek::x25519`) for honest public keys, points on the twist, the low-order
/// points, `u = -1`, `u = 0`, values with the top bit set and non-canonical values
/// (`p <= u < 2^255`), and matches the RFC 7748 §5.2 test vectors.
#[test]
fn x25519_through_edwards_is_the_ladder() {
    use super::kems::x25519;
    let mut us: Vec<[u8; 32]> = Vec::new();
    // Honest public keys and arbitrary bytes (about half of random u are on the twist).
    for i in 0u8..96 {
        let mut u = [0u8; 32];
        for (j, b) in u.iter_mut().enumerate() {
            *b = (j as u8).wrapping_mul(73).wrapping_add(i.wrapping_mul(151)) ^ 0x5c;
        }
        us.push(u);
        us.push(x25519([i; 32], x25519_dalek::X25519_BASEPOINT_BYTES));
    }
    // p - 1 (= -1), p, p + 1, 2^255 - 1, 0, 1, and the low-order point of order 8 below.
    let mut p_minus_1 = [0xffu8; 32];
    p_minus_1[0] = 0xec;
    p_minus_1[31] = 0x7f;
    let mut p = p_minus_1;
    p[0] = 0xed;
    let mut p_plus_1 = p_minus_1;
    p_plus_1[0] = 0xee;
    let mut top = [0xffu8; 32];
    top[31] = 0xff;
    let mut one = [0u8; 32];
    one[0] = 1;
    let order8 = hex_bytes("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800");
    us.extend([p_minus_1, p, p_plus_1, top, [0u8; 32], one, order8]);
    for (i, u) in us.iter().enumerate() {
        for k in [[0x11u8; 32], [0xa7u8; 32], [i as u8; 32]] {
            assert_eq!(x25519(k, *u), x25519_dalek::x25519(k, *u), "u #{i}");
        }
    }
    // RFC 7748 §5.2.
    let k = hex_bytes("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4");
    let u = hex_bytes("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c");
    let out = hex_bytes("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
    assert_eq!(x25519(k, u), out);
}

fn hex_bytes(s: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
    }
    out
}
