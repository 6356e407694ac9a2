//! The signature algorithms a certificate may be signed with, and the comparison of a
//! certificate's subject public key with an MLS signature key (RFC 9420 §5.1.1, §5.3.1).

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5912::{
    ECDSA_WITH_SHA_256, ECDSA_WITH_SHA_384, ID_EC_PUBLIC_KEY, SECP_256_R_1, SECP_384_R_1,
};
use const_oid::db::rfc8410::ID_ED_25519;
use ecdsa::signature::Verifier;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

/// Why a signature was not verified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SignatureFailure {
    /// The algorithm, its parameters or the issuer's key type is not supported.
    Unsupported,
    /// The signature or the issuer's key is malformed, or the signature is wrong.
    Invalid,
}

/// The named curve of an `id-ecPublicKey` key (RFC 5480 §2.1.1), if that is what `spki` is.
fn ec_curve(spki: &SubjectPublicKeyInfoOwned) -> Option<ObjectIdentifier> {
    if spki.algorithm.oid != ID_EC_PUBLIC_KEY {
        return None;
    }
    spki.algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
}

/// The key bytes of a BIT STRING, refusing one with unused bits.
fn key_bytes(spki: &SubjectPublicKeyInfoOwned) -> Result<&[u8], SignatureFailure> {
    spki.subject_public_key
        .as_bytes()
        .ok_or(SignatureFailure::Invalid)
}

/// Verifies `signature` over `message` with the issuer key `issuer`, for the signature
/// algorithm `algorithm`: Ed25519 (RFC 8410), ECDSA P-256 with SHA-256 or ECDSA P-384 with
/// SHA-384 (RFC 5758 §3.2; the parameters are absent, and the key must be on the curve the
/// hash goes with).
pub(crate) fn verify_signature(
    algorithm: &AlgorithmIdentifierOwned,
    issuer: &SubjectPublicKeyInfoOwned,
    message: &[u8],
    signature: &[u8],
) -> Result<(), SignatureFailure> {
    if algorithm.parameters.is_some() {
        return Err(SignatureFailure::Unsupported);
    }
    let oid = algorithm.oid;
    if oid == ID_ED_25519 {
        if issuer.algorithm.oid != ID_ED_25519 || issuer.algorithm.parameters.is_some() {
            return Err(SignatureFailure::Unsupported);
        }
        let key: &[u8; 32] = key_bytes(issuer)?
            .try_into()
            .map_err(|_| SignatureFailure::Invalid)?;
        let sig: &[u8; 64] = signature
            .try_into()
            .map_err(|_| SignatureFailure::Invalid)?;
        let key =
            ed25519_dalek::VerifyingKey::from_bytes(key).map_err(|_| SignatureFailure::Invalid)?;
        let sig = ed25519_dalek::Signature::from_bytes(sig);
        return key
            .verify_strict(message, &sig)
            .map_err(|_| SignatureFailure::Invalid);
    }
    let curve = ec_curve(issuer);
    if oid == ECDSA_WITH_SHA_256 && curve == Some(SECP_256_R_1) {
        let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(key_bytes(issuer)?)
            .map_err(|_| SignatureFailure::Invalid)?;
        let sig = p256::ecdsa::DerSignature::from_bytes(signature)
            .map_err(|_| SignatureFailure::Invalid)?;
        return key
            .verify(message, &sig)
            .map_err(|_| SignatureFailure::Invalid);
    }
    if oid == ECDSA_WITH_SHA_384 && curve == Some(SECP_384_R_1) {
        let key = p384::ecdsa::VerifyingKey::from_sec1_bytes(key_bytes(issuer)?)
            .map_err(|_| SignatureFailure::Invalid)?;
        let sig = p384::ecdsa::DerSignature::from_bytes(signature)
            .map_err(|_| SignatureFailure::Invalid)?;
        return key
            .verify(message, &sig)
            .map_err(|_| SignatureFailure::Invalid);
    }
    Err(SignatureFailure::Unsupported)
}

/// Whether the subject public key `spki` of the end-entity certificate is the MLS
/// signature key `signature_key` (RFC 9420 §5.3.1). MLS encodes ECDSA keys as uncompressed
/// SEC1 points and EdDSA keys raw (§5.1.1), as their SubjectPublicKeyInfo does; a P-256 or
/// P-384 certificate key in compressed form is compared by its point. Other keys compare
/// byte for byte.
pub(crate) fn key_matches(spki: &SubjectPublicKeyInfoOwned, signature_key: &[u8]) -> bool {
    let Some(cert_key) = spki.subject_public_key.as_bytes() else {
        return false;
    };
    match ec_curve(spki) {
        Some(c) if c == SECP_256_R_1 => {
            match (
                p256::PublicKey::from_sec1_bytes(cert_key),
                p256::PublicKey::from_sec1_bytes(signature_key),
            ) {
                (Ok(a), Ok(b)) => a == b && is_uncompressed(signature_key),
                _ => false,
            }
        }
        Some(c) if c == SECP_384_R_1 => {
            match (
                p384::PublicKey::from_sec1_bytes(cert_key),
                p384::PublicKey::from_sec1_bytes(signature_key),
            ) {
                (Ok(a), Ok(b)) => a == b && is_uncompressed(signature_key),
                _ => false,
            }
        }
        _ => cert_key == signature_key,
    }
}

/// RFC 9420 §5.1.1: an ECDSA `SignaturePublicKey` is an uncompressed point (tag 0x04).
fn is_uncompressed(point: &[u8]) -> bool {
    point.first() == Some(&0x04)
}
