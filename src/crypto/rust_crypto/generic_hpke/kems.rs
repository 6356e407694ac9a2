//! The KDFs and DHKEMs of the RFC 9420 cipher suites (RFC 9420 §5.1, §17.1) for the generic
//! HPKE of [`super::hpke`]: HKDF-SHA256/384/512 (RFC 9180 §7.2) and DHKEM(X25519), DHKEM(X448),
//! DHKEM(P-256), DHKEM(P-384), DHKEM(P-521) (RFC 9180 §7.1).

use alloc::vec::Vec;

use zeroize::Zeroizing;

use super::hpke::{Kdf, Kem};
use crate::crypto::Secret;
use crate::error::CryptoError;

/// `HKDF-SHA256` (RFC 9180 §7.2, `kdf_id` 0x0001).
pub(super) struct HkdfSha256;

impl Kdf for HkdfSha256 {
    const ID: u16 = 0x0001;
    type Hash = sha2::Sha256;
}

/// `HKDF-SHA384` (RFC 9180 §7.2, `kdf_id` 0x0002).
pub(super) struct HkdfSha384;

impl Kdf for HkdfSha384 {
    const ID: u16 = 0x0002;
    type Hash = sha2::Sha384;
}

/// `HKDF-SHA512` (RFC 9180 §7.2, `kdf_id` 0x0003).
pub(super) struct HkdfSha512;

impl Kdf for HkdfSha512 {
    const ID: u16 = 0x0003;
    type Hash = sha2::Sha512;
}

/// Length of an X25519 scalar or u-coordinate (RFC 7748 §5).
const X25519_LEN: usize = 32;

/// `DHKEM(X25519, HKDF-SHA256)` (RFC 9180 §7.1, `kem_id` 0x0020).
pub(super) struct DhKemX25519;

impl Kem for DhKemX25519 {
    const ID: u16 = 0x0020;
    const N_SECRET: usize = 32;
    const N_PK: usize = X25519_LEN;
    const N_SK: usize = X25519_LEN;
    type Kdf = HkdfSha256;

    /// The X25519 function of RFC 7748 §5, see [`x25519`].
    fn raw_dh(sk: &[u8], pk: &[u8]) -> Result<Secret, CryptoError> {
        let sk: Zeroizing<[u8; X25519_LEN]> =
            Zeroizing::new(sk.try_into().map_err(|_| CryptoError::InvalidKey)?);
        let pk: [u8; X25519_LEN] = pk.try_into().map_err(|_| CryptoError::InvalidKey)?;
        let out = Zeroizing::new(x25519(*sk, pk));
        Ok(Secret::from_slice(out.as_slice()))
    }

    /// `X25519(sk, 9)` (RFC 7748 §6.1), through the fixed-base Edwards multiplication, which
    /// is several times faster than the ladder.
    fn raw_public_key(sk: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let sk: [u8; X25519_LEN] = sk.try_into().map_err(|_| CryptoError::InvalidKey)?;
        // `StaticSecret` zeroizes on drop; the array it was built from is a copy that
        // `Zeroizing` clears.
        let sk = Zeroizing::new(sk);
        let secret = x25519_dalek::StaticSecret::from(*sk);
        Ok(x25519_dalek::PublicKey::from(&secret).as_bytes().to_vec())
    }
}

/// `X25519(k, u)` (RFC 7748 §5): the u-coordinate of `[clamp(k)] P` for a point `P` with
/// u-coordinate `u` (the top bit of `u` masked, non-canonical values reduced).
///
/// When `u` is the u-coordinate of a point on curve25519 itself (every honest public key),
/// the multiplication runs on the birationally equivalent Edwards curve, whose constant-time
/// variable-base multiplication has a vectorised (AVX2) backend and is about a quarter
/// faster than the Montgomery ladder; `u` and `-P` give the same u-coordinate, so the sign
/// chosen for the Edwards point does not matter, and the clamped scalar (a multiple of the
/// cofactor) sends low-order points to the identity, whose u-coordinate is 0 as the ladder's.
/// Points on the quadratic twist and `u = -1` (no Edwards image) go through the ladder, so
/// the result is always exactly RFC 7748's; whether `u` is on the curve is public.
pub(crate) fn x25519(k: [u8; X25519_LEN], u: [u8; X25519_LEN]) -> [u8; X25519_LEN] {
    use curve25519_dalek::montgomery::MontgomeryPoint;
    match MontgomeryPoint(u).to_edwards(0) {
        Some(p) => p.mul_clamped(k).to_montgomery().to_bytes(),
        None => x25519_dalek::x25519(k, u),
    }
}

/// Length of an X448 scalar or u-coordinate (RFC 7748 §5).
const X448_LEN: usize = 56;

/// `DHKEM(X448, HKDF-SHA512)` (RFC 9180 §7.1, `kem_id` 0x0021).
pub(super) struct DhKemX448;

impl Kem for DhKemX448 {
    const ID: u16 = 0x0021;
    const N_SECRET: usize = 64;
    const N_PK: usize = X448_LEN;
    const N_SK: usize = X448_LEN;
    type Kdf = HkdfSha512;

    /// The X448 function of RFC 7748 §5 (the scalar is clamped by it; non-canonical
    /// u-coordinates are reduced modulo p).
    fn raw_dh(sk: &[u8], pk: &[u8]) -> Result<Secret, CryptoError> {
        let sk: Zeroizing<[u8; X448_LEN]> =
            Zeroizing::new(sk.try_into().map_err(|_| CryptoError::InvalidKey)?);
        let pk: [u8; X448_LEN] = pk.try_into().map_err(|_| CryptoError::InvalidKey)?;
        let out = Zeroizing::new(x448::x448_unchecked(*sk, pk));
        Ok(Secret::from_slice(out.as_slice()))
    }

    /// `X448(sk, 5)` (RFC 7748 §6.2).
    fn raw_public_key(sk: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let sk: Zeroizing<[u8; X448_LEN]> =
            Zeroizing::new(sk.try_into().map_err(|_| CryptoError::InvalidKey)?);
        Ok(x448::x448_unchecked(*sk, x448::X448_BASEPOINT_BYTES).to_vec())
    }
}

/// SEC1 tag of an uncompressed point, the only form `SerializePublicKey` produces and
/// `DeserializePublicKey` accepts for the NIST curves (RFC 9180 §7.1.1).
const UNCOMPRESSED: u8 = 0x04;

/// A DHKEM over a NIST curve (RFC 9180 §7.1): private keys are big-endian scalars in
/// `[1, n)`, public keys uncompressed SEC1 points, `DH` the x-coordinate of `skX * pkY`.
macro_rules! nist_kem {
    (
        $(#[$m:meta])*
        $name:ident, $curve:ident, id: $id:literal, n_secret: $ns:literal, n_pk: $npk:literal,
        n_sk: $nsk:literal, kdf: $kdf:ty, bitmask: $mask:literal
    ) => {
        $(#[$m])*
        pub(super) struct $name;

        impl Kem for $name {
            const ID: u16 = $id;
            const N_SECRET: usize = $ns;
            const N_PK: usize = $npk;
            const N_SK: usize = $nsk;
            const REJECT_ZERO_DH: bool = false;
            type Kdf = $kdf;

            /// ECDH (SP 800-56A §5.7.1.2); `pk` must be an uncompressed point on the curve
            /// other than the identity (RFC 9180 §7.1.4), else [`CryptoError::InvalidKey`].
            fn raw_dh(sk: &[u8], pk: &[u8]) -> Result<Secret, CryptoError> {
                if pk.first() != Some(&UNCOMPRESSED) {
                    return Err(CryptoError::InvalidKey);
                }
                let pk = $curve::PublicKey::from_sec1_bytes(pk)
                    .map_err(|_| CryptoError::InvalidKey)?;
                let sk = $curve::SecretKey::from_slice(sk).map_err(|_| CryptoError::InvalidKey)?;
                let shared = sk.diffie_hellman(&pk);
                Ok(Secret::from_slice(shared.raw_secret_bytes().as_slice()))
            }

            fn raw_public_key(sk: &[u8]) -> Result<Vec<u8>, CryptoError> {
                use $curve::elliptic_curve::sec1::ToSec1Point;
                let sk = $curve::SecretKey::from_slice(sk).map_err(|_| CryptoError::InvalidKey)?;
                Ok(sk.public_key().to_sec1_point(false).as_bytes().to_vec())
            }

            /// RFC 9180 §7.1.3 for the NIST curves:
            ///
            /// ```text
            /// while sk == 0 or sk >= order:
            ///   if counter > 255: raise DeriveKeyPairError
            ///   bytes = LabeledExpand(dkp_prk, "candidate", I2OSP(counter, 1), Nsk)
            ///   bytes[0] = bytes[0] & bitmask
            ///   sk = OS2IP(bytes)
            ///   counter = counter + 1
            /// ```
            fn derive_private_key(dkp_prk: &[u8]) -> Result<Secret, CryptoError> {
                let suite_id = super::hpke::kem_suite_id::<Self>();
                for counter in 0u8..=255 {
                    let candidate = super::hpke::labeled_expand::<Self::Kdf>(
                        &suite_id,
                        dkp_prk,
                        b"candidate",
                        &[&[counter]],
                        Self::N_SK,
                    )?;
                    let mut bytes = Zeroizing::new(candidate.as_bytes().to_vec());
                    if let Some(first) = bytes.first_mut() {
                        *first &= $mask;
                    }
                    if $curve::SecretKey::from_slice(&bytes).is_ok() {
                        return Ok(Secret::new(core::mem::take(&mut *bytes)));
                    }
                }
                // DeriveKeyPairError: 256 rejected candidates (probability below 2^-8000).
                Err(CryptoError::InvalidKey)
            }
        }
    };
}

nist_kem!(
    /// `DHKEM(P-256, HKDF-SHA256)` (RFC 9180 §7.1, `kem_id` 0x0010).
    DhKemP256, p256, id: 0x0010, n_secret: 32, n_pk: 65, n_sk: 32, kdf: HkdfSha256,
    bitmask: 0xff
);
nist_kem!(
    /// `DHKEM(P-384, HKDF-SHA384)` (RFC 9180 §7.1, `kem_id` 0x0011).
    DhKemP384, p384, id: 0x0011, n_secret: 48, n_pk: 97, n_sk: 48, kdf: HkdfSha384,
    bitmask: 0xff
);
nist_kem!(
    /// `DHKEM(P-521, HKDF-SHA512)` (RFC 9180 §7.1, `kem_id` 0x0012).
    DhKemP521, p521, id: 0x0012, n_secret: 64, n_pk: 133, n_sk: 66, kdf: HkdfSha512,
    bitmask: 0x01
);
