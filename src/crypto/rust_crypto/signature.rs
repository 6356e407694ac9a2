//! Signatures (RFC 9420 §5.1.1, §5.1.2): Ed25519 and Ed448 (RFC 8032, pure, empty context)
//! and ECDSA over P-256/P-384/P-521 with SHA-256/384/512 (deterministic nonces, RFC 6979).
//!
//! Key and signature encodings follow RFC 9420 §5.1.1 and §5.1.2: EdDSA keys are the raw
//! RFC 8032 seeds and public keys, ECDSA private keys are big-endian scalars, ECDSA public
//! keys are uncompressed SEC1 points (`0x04 || X || Y`) and ECDSA signatures are DER-encoded
//! `Ecdsa-Sig-Value`s. With the feature `pq`, ML-DSA-44/65/87 ([`super::mldsa`]).

use alloc::vec::Vec;

use zeroize::Zeroizing;

use crate::crypto::{RandomSource, SignaturePrivateKey, SignatureScheme};
use crate::error::CryptoError;

/// How many random candidates key generation tries before giving up: an ECDSA candidate is
/// rejected only when it is zero or not below the group order, which for every curve here
/// happens with probability below 2^-32.
const ECDSA_KEYGEN_ATTEMPTS: usize = 128;

/// A fresh key pair: `(private, public)`.
pub(crate) fn generate(
    scheme: SignatureScheme,
    random: &dyn RandomSource,
) -> Result<(SignaturePrivateKey, Vec<u8>), CryptoError> {
    #[cfg(feature = "pq")]
    if super::mldsa::is_mldsa(scheme) {
        return super::mldsa::generate(scheme, random);
    }
    let (len, top_mask) = match scheme {
        SignatureScheme::ED25519 => (32, 0xff),
        SignatureScheme::ED448 => (57, 0xff),
        SignatureScheme::ECDSA_SECP256R1_SHA256 => (32, 0xff),
        SignatureScheme::ECDSA_SECP384R1_SHA384 => (48, 0xff),
        // The P-521 order is just below 2^521: keep only the low bit of the top byte.
        SignatureScheme::ECDSA_SECP521R1_SHA512 => (66, 0x01),
        _ => return Err(CryptoError::Unsupported),
    };
    for _ in 0..ECDSA_KEYGEN_ATTEMPTS {
        let mut bytes = Zeroizing::new(vec![0u8; len]);
        random.fill(&mut bytes)?;
        if let Some(first) = bytes.first_mut() {
            *first &= top_mask;
        }
        let sk = SignaturePrivateKey::new(bytes.to_vec());
        // EdDSA seeds are always valid; an ECDSA scalar of zero or above the order is rejected
        // here and redrawn.
        if let Ok(pk) = public_key(scheme, &sk) {
            return Ok((sk, pk));
        }
    }
    Err(CryptoError::Random)
}

/// The public key of `sk`.
pub(crate) fn public_key(
    scheme: SignatureScheme,
    sk: &SignaturePrivateKey,
) -> Result<Vec<u8>, CryptoError> {
    #[cfg(feature = "pq")]
    if super::mldsa::is_mldsa(scheme) {
        return super::mldsa::public_key(scheme, sk);
    }
    let sk = sk.as_bytes();
    match scheme {
        SignatureScheme::ED25519 => ed25519::public_key(sk),
        SignatureScheme::ED448 => ed448::public_key(sk),
        SignatureScheme::ECDSA_SECP256R1_SHA256 => ecdsa_p256::public_key(sk),
        SignatureScheme::ECDSA_SECP384R1_SHA384 => ecdsa_p384::public_key(sk),
        SignatureScheme::ECDSA_SECP521R1_SHA512 => ecdsa_p521::public_key(sk),
        _ => Err(CryptoError::Unsupported),
    }
}

/// Signs `msg` with `sk`. Only ML-DSA (hedged, FIPS 204 Algorithm 2) draws from `random`;
/// EdDSA and the RFC 6979 ECDSA signatures are deterministic.
pub(crate) fn sign(
    scheme: SignatureScheme,
    sk: &SignaturePrivateKey,
    msg: &[u8],
    random: &dyn RandomSource,
) -> Result<Vec<u8>, CryptoError> {
    #[cfg(feature = "pq")]
    if super::mldsa::is_mldsa(scheme) {
        return super::mldsa::sign(scheme, sk, msg, random);
    }
    #[cfg(not(feature = "pq"))]
    let _ = random;
    let sk = sk.as_bytes();
    match scheme {
        SignatureScheme::ED25519 => ed25519::sign(sk, msg),
        SignatureScheme::ED448 => ed448::sign(sk, msg),
        SignatureScheme::ECDSA_SECP256R1_SHA256 => ecdsa_p256::sign(sk, msg),
        SignatureScheme::ECDSA_SECP384R1_SHA384 => ecdsa_p384::sign(sk, msg),
        SignatureScheme::ECDSA_SECP521R1_SHA512 => ecdsa_p521::sign(sk, msg),
        _ => Err(CryptoError::Unsupported),
    }
}

/// Verifies `sig` over `msg` under `pk`: [`CryptoError::InvalidKey`] for a malformed key,
/// [`CryptoError::InvalidSignature`] for anything else that does not verify.
pub(crate) fn verify(
    scheme: SignatureScheme,
    pk: &[u8],
    msg: &[u8],
    sig: &[u8],
) -> Result<(), CryptoError> {
    #[cfg(feature = "pq")]
    if super::mldsa::is_mldsa(scheme) {
        return super::mldsa::verify(scheme, pk, msg, sig);
    }
    match scheme {
        SignatureScheme::ED25519 => ed25519::verify(pk, msg, sig),
        SignatureScheme::ED448 => ed448::verify(pk, msg, sig),
        SignatureScheme::ECDSA_SECP256R1_SHA256 => ecdsa_p256::verify(pk, msg, sig),
        SignatureScheme::ECDSA_SECP384R1_SHA384 => ecdsa_p384::verify(pk, msg, sig),
        SignatureScheme::ECDSA_SECP521R1_SHA512 => ecdsa_p521::verify(pk, msg, sig),
        _ => Err(CryptoError::Unsupported),
    }
}

mod ed25519 {
    use alloc::vec::Vec;

    use ed25519_dalek::{Signer, SigningKey};

    use crate::error::CryptoError;

    fn signing_key(sk: &[u8]) -> Result<SigningKey, CryptoError> {
        SigningKey::try_from(sk).map_err(|_| CryptoError::InvalidKey)
    }

    pub(super) fn public_key(sk: &[u8]) -> Result<Vec<u8>, CryptoError> {
        Ok(signing_key(sk)?.verifying_key().to_bytes().to_vec())
    }

    pub(super) fn sign(sk: &[u8], msg: &[u8]) -> Result<Vec<u8>, CryptoError> {
        Ok(signing_key(sk)?.sign(msg).to_bytes().to_vec())
    }

    /// Strict verification: accepts exactly what ed25519-dalek's `verify_strict` accepts,
    /// without its decompression of R ([`super::super::ed25519_strict`]).
    pub(super) fn verify(pk: &[u8], msg: &[u8], sig: &[u8]) -> Result<(), CryptoError> {
        super::super::ed25519_strict::verify(pk, msg, sig)
    }
}

mod ed448 {
    use alloc::vec::Vec;

    use ed448_goldilocks::{Signature, SigningKey, VerifyingKey};

    use crate::error::CryptoError;

    fn signing_key(sk: &[u8]) -> Result<SigningKey, CryptoError> {
        SigningKey::try_from(sk).map_err(|_| CryptoError::InvalidKey)
    }

    pub(super) fn public_key(sk: &[u8]) -> Result<Vec<u8>, CryptoError> {
        Ok(signing_key(sk)?.verifying_key().to_bytes().to_vec())
    }

    pub(super) fn sign(sk: &[u8], msg: &[u8]) -> Result<Vec<u8>, CryptoError> {
        Ok(signing_key(sk)?.sign_raw(msg).to_bytes().to_vec())
    }

    pub(super) fn verify(pk: &[u8], msg: &[u8], sig: &[u8]) -> Result<(), CryptoError> {
        let pk: [u8; 57] = <[u8; 57]>::try_from(pk).map_err(|_| CryptoError::InvalidKey)?;
        let pk = VerifyingKey::from_bytes(&pk).map_err(|_| CryptoError::InvalidKey)?;
        let sig = Signature::from_slice(sig).map_err(|_| CryptoError::InvalidSignature)?;
        pk.verify_raw(&sig, msg)
            .map_err(|_| CryptoError::InvalidSignature)
    }
}

/// One ECDSA module per curve; the `ecdsa` generics need long where-clauses, a macro is
/// shorter.
macro_rules! ecdsa_curve {
    ($module:ident, $curve:ident) => {
        mod $module {
            use alloc::vec::Vec;

            use $curve::ecdsa::signature::{Signer, Verifier};
            use $curve::ecdsa::{DerSignature, SigningKey, VerifyingKey};

            use crate::error::CryptoError;

            /// SEC1 tag of an uncompressed point (RFC 9420 §5.1.1 requires this form).
            const UNCOMPRESSED: u8 = 0x04;

            fn signing_key(sk: &[u8]) -> Result<SigningKey, CryptoError> {
                SigningKey::from_slice(sk).map_err(|_| CryptoError::InvalidKey)
            }

            pub(super) fn public_key(sk: &[u8]) -> Result<Vec<u8>, CryptoError> {
                Ok(signing_key(sk)?
                    .verifying_key()
                    .to_sec1_point(false)
                    .as_bytes()
                    .to_vec())
            }

            pub(super) fn sign(sk: &[u8], msg: &[u8]) -> Result<Vec<u8>, CryptoError> {
                let sig: DerSignature = signing_key(sk)?.sign(msg);
                Ok(sig.as_bytes().to_vec())
            }

            pub(super) fn verify(pk: &[u8], msg: &[u8], sig: &[u8]) -> Result<(), CryptoError> {
                if pk.first() != Some(&UNCOMPRESSED) {
                    return Err(CryptoError::InvalidKey);
                }
                let pk = VerifyingKey::from_sec1_bytes(pk).map_err(|_| CryptoError::InvalidKey)?;
                let sig =
                    DerSignature::from_bytes(sig).map_err(|_| CryptoError::InvalidSignature)?;
                pk.verify(msg, &sig)
                    .map_err(|_| CryptoError::InvalidSignature)
            }
        }
    };
}

ecdsa_curve!(ecdsa_p256, p256);
ecdsa_curve!(ecdsa_p384, p384);
ecdsa_curve!(ecdsa_p521, p521);
