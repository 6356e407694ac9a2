//! Certification path validation (RFC 5280 §6.1, reduced to what an MLS credential needs)
//! of the chain of an `x509` credential (RFC 9420 §5.3): end-entity certificate first,
//! each next certificate the issuer of the one before, up to a trust anchor.

use alloc::vec::Vec;

use const_oid::{AssociatedOid, ObjectIdentifier};
use der::{Decode, Encode};
use x509_cert::Certificate;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, KeyUsage, SubjectAltName, SubjectKeyIdentifier,
};

use crate::algorithm::{SignatureFailure, key_matches, verify_signature};
use crate::error::X509Error;

/// The size limits on a received chain, checked before any certificate is parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// The most certificates in a chain (end-entity certificate included). Default 8.
    pub max_chain_len: usize,
    /// The largest DER certificate, in bytes. Default 16 KiB.
    pub max_certificate_size: usize,
    /// The most bytes of all certificates of a chain together. Default 64 KiB.
    pub max_chain_size: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_chain_len: 8,
            max_certificate_size: 16 * 1024,
            max_chain_size: 64 * 1024,
        }
    }
}

/// A trusted root (RFC 5280 §6.1.1 (d)): a certificate whose subject and public key are
/// trusted as given. Its validity period and extensions are not checked; a chain may end
/// with the anchor's own certificate (byte for byte, and then nothing after it) or with a
/// certificate it issued.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustAnchor {
    der: Vec<u8>,
    cert: Certificate,
}

impl TrustAnchor {
    /// The anchor of the DER certificate `der`; [`X509Error::MalformedTrustAnchor`] unless
    /// it is one canonical DER certificate.
    pub fn from_der(der: &[u8]) -> Result<Self, X509Error> {
        let cert = decode_canonical(der).ok_or(X509Error::MalformedTrustAnchor)?;
        Ok(TrustAnchor {
            der: der.to_vec(),
            cert,
        })
    }

    /// The anchor's certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.cert
    }
}

/// The certificate in `der`, if `der` is exactly its canonical DER encoding (the
/// signature covers the `tbsCertificate` as re-encoded here).
fn decode_canonical(der: &[u8]) -> Option<Certificate> {
    let cert = Certificate::from_der(der).ok()?;
    let again = cert.to_der().ok()?;
    (again == der).then_some(cert)
}

/// The extensions this validator understands; a critical extension outside them refuses
/// the certificate (RFC 5280 §4.2).
const UNDERSTOOD: [ObjectIdentifier; 5] = [
    BasicConstraints::OID,
    KeyUsage::OID,
    SubjectAltName::OID,
    SubjectKeyIdentifier::OID,
    AuthorityKeyIdentifier::OID,
];

/// One parsed certificate of the chain with the extensions path validation reads.
struct Parsed {
    cert: Certificate,
    basic_constraints: Option<BasicConstraints>,
    key_usage: Option<KeyUsage>,
}

fn parse(index: usize, der: &[u8]) -> Result<Parsed, X509Error> {
    let cert = decode_canonical(der).ok_or(X509Error::Malformed { index })?;
    let tbs = cert.tbs_certificate();
    if tbs.signature() != cert.signature_algorithm() {
        return Err(X509Error::SignatureAlgorithmMismatch { index });
    }
    let extensions = tbs.extensions().map(|e| e.as_slice()).unwrap_or(&[]);
    let mut oids: Vec<ObjectIdentifier> = extensions.iter().map(|e| e.extn_id).collect();
    oids.sort_unstable();
    if oids.windows(2).any(|w| w.first() == w.get(1)) {
        return Err(X509Error::BadExtension { index });
    }
    if extensions
        .iter()
        .any(|e| e.critical && !UNDERSTOOD.contains(&e.extn_id))
    {
        return Err(X509Error::UnknownCriticalExtension { index });
    }
    let bad = |_| X509Error::BadExtension { index };
    let basic_constraints = tbs
        .get_extension::<BasicConstraints>()
        .map_err(bad)?
        .map(|(_, v)| v);
    let key_usage = tbs
        .get_extension::<KeyUsage>()
        .map_err(bad)?
        .map(|(_, v)| v);
    Ok(Parsed {
        cert,
        basic_constraints,
        key_usage,
    })
}

/// Parses only the end-entity certificate of `chain` (within `limits`), for identity
/// comparisons.
pub(crate) fn parse_leaf(chain: &[&[u8]], limits: &Limits) -> Result<Certificate, X509Error> {
    check_sizes(chain, limits)?;
    let leaf = chain.first().ok_or(X509Error::EmptyChain)?;
    Ok(parse(0, leaf)?.cert)
}

fn check_sizes(chain: &[&[u8]], limits: &Limits) -> Result<(), X509Error> {
    if chain.is_empty() {
        return Err(X509Error::EmptyChain);
    }
    if chain.len() > limits.max_chain_len {
        return Err(X509Error::ChainTooLong {
            len: chain.len(),
            max: limits.max_chain_len,
        });
    }
    let mut total = 0usize;
    for (index, der) in chain.iter().enumerate() {
        if der.len() > limits.max_certificate_size {
            return Err(X509Error::CertificateTooLarge { index });
        }
        total = total.saturating_add(der.len());
    }
    if total > limits.max_chain_size {
        return Err(X509Error::ChainTooLarge);
    }
    Ok(())
}

/// RFC 5280 §4.1.2.5: the certificate is valid from `notBefore` to `notAfter`, both
/// included; `now` is seconds since the UNIX epoch.
fn check_validity(index: usize, cert: &Certificate, now: u64) -> Result<(), X509Error> {
    let validity = cert.tbs_certificate().validity();
    if now < validity.not_before.to_unix_duration().as_secs() {
        return Err(X509Error::NotYetValid { index });
    }
    if now > validity.not_after.to_unix_duration().as_secs() {
        return Err(X509Error::Expired { index });
    }
    Ok(())
}

/// The checks on certificate `index` of the chain as the issuer of the certificate before
/// it, with `index - 1` intermediates below it (RFC 5280 §4.2.1.9, §4.2.1.3).
fn check_issuer_constraints(index: usize, issuer: &Parsed) -> Result<(), X509Error> {
    let Some(bc) = issuer.basic_constraints.as_ref().filter(|bc| bc.ca) else {
        return Err(X509Error::NotACa { index });
    };
    let below = index.saturating_sub(1);
    if let Some(max) = bc.path_len_constraint
        && below > usize::from(max)
    {
        return Err(X509Error::PathLenExceeded { index });
    }
    if let Some(ku) = &issuer.key_usage
        && !ku.key_cert_sign()
    {
        return Err(X509Error::NotACertSigner { index });
    }
    Ok(())
}

/// Verifies the signature of certificate `index` under the public key of `issuer`.
fn check_signature(
    index: usize,
    cert: &Certificate,
    issuer: &Certificate,
) -> Result<(), X509Error> {
    let tbs = cert
        .tbs_certificate()
        .to_der()
        .map_err(|_| X509Error::Malformed { index })?;
    let signature = cert
        .signature()
        .as_bytes()
        .ok_or(X509Error::BadSignature { index })?;
    verify_signature(
        cert.signature_algorithm(),
        issuer.tbs_certificate().subject_public_key_info(),
        &tbs,
        signature,
    )
    .map_err(|f| match f {
        SignatureFailure::Unsupported => X509Error::UnsupportedAlgorithm { index },
        SignatureFailure::Invalid => X509Error::BadSignature { index },
    })
}

/// Validates `chain` (DER certificates, end-entity first) against `anchors` at time `now`
/// (seconds since the UNIX epoch) and checks that the end-entity certificate's key is
/// `signature_key` (RFC 9420 §5.3, §5.3.1). Returns the end-entity certificate.
///
/// The path ends at the last certificate, which is either (byte for byte) a trust anchor or
/// issued by one; no certificate may follow an anchor's own certificate.
pub(crate) fn validate_path(
    anchors: &[TrustAnchor],
    chain: &[&[u8]],
    signature_key: &[u8],
    now: u64,
    limits: &Limits,
) -> Result<Certificate, X509Error> {
    check_sizes(chain, limits)?;
    let anchor_at = chain
        .iter()
        .position(|der| anchors.iter().any(|a| a.der.as_slice() == *der));
    if let Some(at) = anchor_at
        && at.saturating_add(1) < chain.len()
    {
        return Err(X509Error::CertificateAfterTrustAnchor {
            index: at.saturating_add(1),
        });
    }
    // The certificates validated here: those before the anchor, or all of them.
    let own = chain.get(..anchor_at.unwrap_or(chain.len())).unwrap_or(&[]);
    let mut parsed = Vec::with_capacity(own.len());
    for (index, der) in own.iter().enumerate() {
        parsed.push(parse(index, der)?);
    }

    // The end-entity certificate: its key is the member's signature key (§5.3.1).
    let leaf_cert = match (parsed.first(), anchor_at) {
        (Some(p), _) => &p.cert,
        (None, Some(_)) => anchors
            .iter()
            .find(|a| chain.first() == Some(&a.der.as_slice()))
            .map(|a| &a.cert)
            .ok_or(X509Error::UnknownIssuer)?,
        (None, None) => return Err(X509Error::EmptyChain),
    };
    if !key_matches(
        leaf_cert.tbs_certificate().subject_public_key_info(),
        signature_key,
    ) {
        return Err(X509Error::KeyMismatch);
    }
    if let Some(ku) = parsed.first().and_then(|p| p.key_usage.as_ref())
        && !ku.digital_signature()
    {
        return Err(X509Error::LeafNotForSigning);
    }

    for (index, p) in parsed.iter().enumerate() {
        check_validity(index, &p.cert, now)?;
        let issuer_name = p.cert.tbs_certificate().issuer();
        let next = index.saturating_add(1);
        if let Some(issuer) = parsed.get(next) {
            if issuer.cert.tbs_certificate().subject() != issuer_name {
                return Err(X509Error::IssuerMismatch { index });
            }
            check_issuer_constraints(next, issuer)?;
            check_signature(index, &p.cert, &issuer.cert)?;
        } else if let Some(at) = anchor_at {
            // The next certificate of the chain is a trust anchor.
            let anchor = anchors
                .iter()
                .find(|a| chain.get(at) == Some(&a.der.as_slice()))
                .ok_or(X509Error::UnknownIssuer)?;
            if anchor.cert.tbs_certificate().subject() != issuer_name {
                return Err(X509Error::IssuerMismatch { index });
            }
            check_signature(index, &p.cert, &anchor.cert)?;
        } else {
            // The last certificate: one of the anchors must have issued it.
            let mut failure = X509Error::UnknownIssuer;
            let candidates = anchors
                .iter()
                .filter(|a| a.cert.tbs_certificate().subject() == issuer_name);
            let mut verified = false;
            for anchor in candidates {
                match check_signature(index, &p.cert, &anchor.cert) {
                    Ok(()) => {
                        verified = true;
                        break;
                    }
                    Err(e) => failure = e,
                }
            }
            if !verified {
                return Err(failure);
            }
        }
    }
    Ok(leaf_cert.clone())
}
