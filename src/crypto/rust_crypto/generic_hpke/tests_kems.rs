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
