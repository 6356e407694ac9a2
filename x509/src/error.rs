//! The errors of X.509 credential validation: one variant per check.

use core::fmt;

/// Why an `x509` credential (RFC 9420 §5.3) was refused, or a trust anchor could not be
/// used. `index` is the position of the certificate in the credential's chain, the
/// end-entity certificate being 0.
///
/// Through [`melos::group::CredentialValidator`] every refusal becomes
/// [`melos::GroupError::CredentialRejected`] (or `ExternalSenderCredentialRejected`); use
/// [`X509CredentialValidator::check`](crate::X509CredentialValidator::check) or a
/// rejection hook to learn which check failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum X509Error {
    /// RFC 9420 §5.3: an `x509` credential carries at least the end-entity certificate.
    EmptyChain,
    /// The chain has more certificates than the validator's limit.
    ChainTooLong {
        /// The number of certificates in the chain.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// One certificate is larger than the validator's limit.
    CertificateTooLarge {
        /// The certificate's position in the chain.
        index: usize,
    },
    /// The certificates of the chain together are larger than the validator's limit.
    ChainTooLarge,
    /// A certificate is not a DER-encoded X.509 certificate (RFC 5280 §4.1), or it has bytes
    /// after its end, or it is not in the canonical DER form its signature must cover.
    Malformed {
        /// The certificate's position in the chain.
        index: usize,
    },
    /// A trust anchor given to the validator is not a DER-encoded X.509 certificate.
    MalformedTrustAnchor,
    /// A certificate carries the same extension twice (RFC 5280 §4.2), or an extension
    /// this validator reads (basic constraints, key usage) does not decode.
    BadExtension {
        /// The certificate's position in the chain.
        index: usize,
    },
    /// A certificate carries a critical extension this validator does not process
    /// (RFC 5280 §4.2: such a certificate "MUST" be rejected).
    UnknownCriticalExtension {
        /// The certificate's position in the chain.
        index: usize,
    },
    /// The certificate's outer `signatureAlgorithm` differs from the `signature` field of
    /// its `tbsCertificate` (RFC 5280 §4.1.1.2).
    SignatureAlgorithmMismatch {
        /// The certificate's position in the chain.
        index: usize,
    },
    /// The certificate is signed with an algorithm, or by an issuer key, this validator
    /// does not verify: Ed25519, ECDSA P-256 with SHA-256 and ECDSA P-384 with SHA-384
    /// are supported.
    UnsupportedAlgorithm {
        /// The certificate's position in the chain.
        index: usize,
    },
    /// The certificate's signature does not verify under its issuer's public key.
    BadSignature {
        /// The certificate's position in the chain.
        index: usize,
    },
    /// The certificate's `issuer` is not the `subject` of the next certificate of the chain
    /// (RFC 9420 §5.3: "each subsequent certificate in the chain MUST be the issuer of the
    /// previous one").
    IssuerMismatch {
        /// The certificate's position in the chain.
        index: usize,
    },
    /// The chain does not end at, or under, one of the validator's trust anchors: no anchor
    /// is, or has the subject of, the last certificate's issuer.
    UnknownIssuer,
    /// A certificate follows a trust anchor's own certificate in the chain: the anchor must
    /// be the chain's last certificate (RFC 9420 §5.3: each next certificate is the
    /// issuer of the one before, and nothing issues a trust anchor here).
    CertificateAfterTrustAnchor {
        /// The position of the first certificate after the anchor.
        index: usize,
    },
    /// The certificate is not valid yet at the validation time (`notBefore`, RFC 5280
    /// §4.1.2.5).
    NotYetValid {
        /// The certificate's position in the chain.
        index: usize,
    },
    /// The certificate has expired at the validation time (`notAfter`, RFC 5280 §4.1.2.5).
    Expired {
        /// The certificate's position in the chain.
        index: usize,
    },
    /// An issuing certificate lacks basic constraints with `cA` TRUE (RFC 5280 §4.2.1.9).
    NotACa {
        /// The issuing certificate's position in the chain.
        index: usize,
    },
    /// An issuing certificate's `pathLenConstraint` is smaller than the number of
    /// intermediate certificates below it (RFC 5280 §4.2.1.9).
    PathLenExceeded {
        /// The issuing certificate's position in the chain.
        index: usize,
    },
    /// An issuing certificate has a key usage extension without `keyCertSign` (RFC 5280
    /// §4.2.1.3).
    NotACertSigner {
        /// The issuing certificate's position in the chain.
        index: usize,
    },
    /// The end-entity certificate has a key usage extension without `digitalSignature`,
    /// but its key signs MLS messages (RFC 5280 §4.2.1.3).
    LeafNotForSigning,
    /// The public key of the end-entity certificate is not the leaf's (or external
    /// sender's) signature key (RFC 9420 §5.3.1: "the signature key in the LeafNode MUST
    /// match the public key in the leaf certificate").
    KeyMismatch,
    /// The application's identity mapping found no identity in the end-entity certificate
    /// (see [`X509CredentialValidator::with_identity_mapper`]).
    ///
    /// [`X509CredentialValidator::with_identity_mapper`]:
    ///     crate::X509CredentialValidator::with_identity_mapper
    NoIdentity,
    /// A credential of a type this validator does not accept (`basic` unless allowed, or
    /// any type other than `x509`).
    CredentialTypeNotAllowed,
}

impl fmt::Display for X509Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            X509Error::EmptyChain => f.write_str("the x509 credential has no certificate"),
            X509Error::ChainTooLong { len, max } => write!(
                f,
                "the certificate chain has {len} certificates, more than the limit of {max}"
            ),
            X509Error::CertificateTooLarge { index } => {
                write!(
                    f,
                    "certificate {index} of the chain is larger than the limit"
                )
            }
            X509Error::ChainTooLarge => {
                f.write_str("the certificate chain is larger in total than the limit")
            }
            X509Error::Malformed { index } => write!(
                f,
                "certificate {index} of the chain is not a canonical DER X.509 certificate"
            ),
            X509Error::MalformedTrustAnchor => {
                f.write_str("a trust anchor is not a canonical DER X.509 certificate")
            }
            X509Error::BadExtension { index } => write!(
                f,
                "certificate {index} of the chain has a repeated or undecodable extension"
            ),
            X509Error::UnknownCriticalExtension { index } => write!(
                f,
                "certificate {index} of the chain has a critical extension that is not understood"
            ),
            X509Error::SignatureAlgorithmMismatch { index } => write!(
                f,
                "certificate {index} of the chain names two different signature algorithms"
            ),
            X509Error::UnsupportedAlgorithm { index } => write!(
                f,
                "certificate {index} of the chain is signed with an unsupported algorithm or key"
            ),
            X509Error::BadSignature { index } => write!(
                f,
                "the signature of certificate {index} of the chain does not verify under its issuer's key"
            ),
            X509Error::IssuerMismatch { index } => write!(
                f,
                "the issuer of certificate {index} of the chain is not the subject of the next one"
            ),
            X509Error::UnknownIssuer => {
                f.write_str("the certificate chain does not lead to a trusted root")
            }
            X509Error::CertificateAfterTrustAnchor { index } => write!(
                f,
                "certificate {index} of the chain comes after a trusted root, which must be last"
            ),
            X509Error::NotYetValid { index } => {
                write!(f, "certificate {index} of the chain is not valid yet")
            }
            X509Error::Expired { index } => {
                write!(f, "certificate {index} of the chain has expired")
            }
            X509Error::NotACa { index } => write!(
                f,
                "certificate {index} of the chain issues a certificate but is not a CA"
            ),
            X509Error::PathLenExceeded { index } => write!(
                f,
                "certificate {index} of the chain has more intermediates below it than its path length allows"
            ),
            X509Error::NotACertSigner { index } => write!(
                f,
                "certificate {index} of the chain issues a certificate but its key usage forbids it"
            ),
            X509Error::LeafNotForSigning => f.write_str(
                "the end-entity certificate's key usage does not allow digital signatures",
            ),
            X509Error::KeyMismatch => f.write_str(
                "the end-entity certificate's public key is not the member's signature key",
            ),
            X509Error::NoIdentity => f.write_str(
                "the end-entity certificate carries no identity the application recognises",
            ),
            X509Error::CredentialTypeNotAllowed => {
                f.write_str("the credential type is not accepted by this validator")
            }
        }
    }
}

impl core::error::Error for X509Error {}
