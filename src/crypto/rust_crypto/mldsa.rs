//! ML-DSA-44/65/87 (FIPS 204) for `SignWithLabel`/`VerifyWithLabel` (RFC 9420 §5.1.2), the
//! signature algorithms of the last three suites of draft-ietf-mls-pq-ciphersuites (§3,
//! "mldsa44", "mldsa65", "mldsa87": TLS `SignatureScheme` 0x0904, 0x0905, 0x0906 of
//! draft-ietf-tls-mldsa). Feature `pq`.
//!
//! Encodings (draft-ietf-tls-mldsa §2, FIPS 204 §7.2):
//! - a public key is the FIPS 204 `pkEncode` output (1,312, 1,952 or 2,592 bytes);
//! - a signature is the FIPS 204 `sigEncode` output (2,420, 3,309 or 4,627 bytes);
//! - a private key is the 32-byte seed `ξ` of `ML-DSA.KeyGen_internal` (FIPS 204
//!   Algorithm 6), the seed form RFC 9881 §6 recommends; MLS never transmits it.
//!
//! Signing is pure ML-DSA (not HashML-DSA) with an empty context string, in the hedged
//! variant of `ML-DSA.Sign` (FIPS 204 Algorithm 2): the 32-byte `rnd` comes from the
//! provider's [`RandomSource`]. Verification refuses a key or signature of the wrong length
//! and a signature whose hint or `z` encoding is malformed (FIPS 204 Algorithm 27 returns ⊥)
//! with the opaque [`CryptoError::InvalidKey`] / [`CryptoError::InvalidSignature`].

use alloc::vec::Vec;

use ml_dsa::signature::Verifier;
use ml_dsa::{EncodedVerifyingKey, MlDsa44, MlDsa65, MlDsa87, MlDsaParams, Signature};
use ml_dsa::{KeyExport, Keypair, Seed, SigningKey, VerifyingKey};
use zeroize::Zeroizing;

use super::random::LatchingRng;
use crate::crypto::{RandomSource, SignaturePrivateKey, SignatureScheme};
use crate::error::CryptoError;

/// Length of a private key: the seed `ξ` (FIPS 204 Algorithm 1).
pub(crate) const SEED_LEN: usize = 32;

/// Whether `scheme` is one of the ML-DSA schemes.
pub(crate) fn is_mldsa(scheme: SignatureScheme) -> bool {
    matches!(
        scheme,
        SignatureScheme::MLDSA44 | SignatureScheme::MLDSA65 | SignatureScheme::MLDSA87
    )
}

/// Runs `$body` with `$P` set to the parameter set of `$scheme`.
macro_rules! with_params {
    ($scheme:expr, |$P:ident| $body:expr) => {
        match $scheme {
            SignatureScheme::MLDSA44 => {
                type $P = MlDsa44;
                $body
            }
            SignatureScheme::MLDSA65 => {
                type $P = MlDsa65;
                $body
            }
            SignatureScheme::MLDSA87 => {
                type $P = MlDsa87;
                $body
            }
            _ => Err(CryptoError::Unsupported),
        }
    };
}

/// A fresh key pair `(seed, pkEncode(pk))` from a seed drawn from `random` (FIPS 204
/// Algorithm 1).
pub(crate) fn generate(
    scheme: SignatureScheme,
    random: &dyn RandomSource,
) -> Result<(SignaturePrivateKey, Vec<u8>), CryptoError> {
    let mut seed = Zeroizing::new([0u8; SEED_LEN]);
    random.fill(seed.as_mut_slice())?;
    let sk = SignaturePrivateKey::new(seed.to_vec());
    let pk = public_key(scheme, &sk)?;
    Ok((sk, pk))
}

/// The encoded public key of the seed `sk`.
pub(crate) fn public_key(
    scheme: SignatureScheme,
    sk: &SignaturePrivateKey,
) -> Result<Vec<u8>, CryptoError> {
    with_params!(scheme, |P| Ok(signing_key::<P>(sk.as_bytes())?
        .verifying_key()
        .to_bytes()
        .to_vec()))
}

/// `ML-DSA.Sign(sk, msg, ctx = "")`, hedged with `rnd` from `random`.
pub(crate) fn sign(
    scheme: SignatureScheme,
    sk: &SignaturePrivateKey,
    msg: &[u8],
    random: &dyn RandomSource,
) -> Result<Vec<u8>, CryptoError> {
    with_params!(scheme, |P| sign_with::<P>(sk.as_bytes(), msg, random))
}

/// `ML-DSA.Verify(pk, msg, sig, ctx = "")`.
pub(crate) fn verify(
    scheme: SignatureScheme,
    pk: &[u8],
    msg: &[u8],
    sig: &[u8],
) -> Result<(), CryptoError> {
    with_params!(scheme, |P| verify_with::<P>(pk, msg, sig))
}

fn signing_key<P: MlDsaParams>(seed: &[u8]) -> Result<SigningKey<P>, CryptoError> {
    let seed = Seed::try_from(seed).map_err(|_| CryptoError::InvalidKey)?;
    Ok(SigningKey::<P>::from_seed(&seed))
}

fn sign_with<P: MlDsaParams>(
    seed: &[u8],
    msg: &[u8],
    random: &dyn RandomSource,
) -> Result<Vec<u8>, CryptoError> {
    let sk = signing_key::<P>(seed)?;
    let mut rng = LatchingRng::new(random);
    let sig = sk.expanded_key().sign_randomized(msg, &[], &mut rng);
    // Besides a failed draw (latched: `Random`), ML-DSA signing fails only if its rejection
    // sampling loop gives up, which FIPS 204 §6.2 bounds far below 2^-128 per call.
    let sig = rng.finish(sig)?.map_err(|_| CryptoError::Random)?;
    Ok(sig.encode().to_vec())
}

fn verify_with<P: MlDsaParams>(pk: &[u8], msg: &[u8], sig: &[u8]) -> Result<(), CryptoError> {
    let pk = EncodedVerifyingKey::<P>::try_from(pk).map_err(|_| CryptoError::InvalidKey)?;
    let pk = VerifyingKey::<P>::decode(&pk);
    let sig = Signature::<P>::try_from(sig).map_err(|_| CryptoError::InvalidSignature)?;
    pk.verify(msg, &sig)
        .map_err(|_| CryptoError::InvalidSignature)
}

#[cfg(test)]
#[path = "tests_mldsa.rs"]
mod tests;
