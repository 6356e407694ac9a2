//! [`X509CredentialValidator`]: melos's [`CredentialValidator`] for `x509` credentials
//! (RFC 9420 §5.3, §5.3.1, §5.3.2).

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use der::Encode;
use melos::crypto::SignaturePublicKey;
use melos::group::{CredentialUse, CredentialValidator};
use melos::messages::{Credential, CredentialType};
use x509_cert::Certificate;
use x509_cert::ext::pkix::SubjectAltName;

use crate::error::X509Error;
use crate::path::{Limits, TrustAnchor, parse_leaf, validate_path};

/// The time certificates are validated at, in seconds since the UNIX epoch (sans-I/O: the
/// application supplies it).
#[derive(Clone)]
pub enum ValidationTime {
    /// Always this time.
    Fixed(u64),
    /// The time this function returns, asked at each validation.
    Clock(Arc<dyn Fn() -> u64 + Send + Sync>),
}

impl ValidationTime {
    /// The time now.
    pub fn now(&self) -> u64 {
        match self {
            ValidationTime::Fixed(t) => *t,
            ValidationTime::Clock(f) => f(),
        }
    }
}

impl fmt::Debug for ValidationTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValidationTime::Fixed(t) => f.debug_tuple("Fixed").field(t).finish(),
            ValidationTime::Clock(_) => f.write_str("Clock(..)"),
        }
    }
}

/// Maps an end-entity certificate to the application's identity of the client, or `None`
/// when it carries none the application recognises.
pub type IdentityMapper = Arc<dyn Fn(&Certificate) -> Option<Vec<u8>> + Send + Sync>;

/// Called with the reason of every refusal by [`CredentialValidator::validate`], whose
/// answer is only a `bool`.
pub type RejectionHook = Arc<dyn Fn(&X509Error, CredentialUse) + Send + Sync>;

/// The default identity of an end-entity certificate: the DER encoding of its `subject`
/// followed by the value of its subjectAltName extension, if any (the subject's DER
/// encoding delimits itself, so two different pairs never give the same bytes).
pub fn default_identity(cert: &Certificate) -> Option<Vec<u8>> {
    let tbs = cert.tbs_certificate();
    let mut identity = tbs.subject().to_der().ok()?;
    if let Some(ext) = tbs
        .extensions()
        .and_then(|exts| exts.iter().find(|e| e.extn_id == san_oid()))
    {
        identity.extend_from_slice(ext.extn_value.as_bytes());
    }
    Some(identity)
}

fn san_oid() -> const_oid::ObjectIdentifier {
    <SubjectAltName as const_oid::AssociatedOid>::OID
}

/// A [`CredentialValidator`] for `x509` credentials (RFC 9420 §5.3): each chain is
/// validated to one of the trust anchors at the [`ValidationTime`], and the end-entity
/// certificate's public key must be the leaf's signature key (§5.3.1). See the crate
/// documentation for the checks.
///
/// `basic` credentials are refused unless [`allow_basic`](Self::allow_basic) is set; every
/// other credential type is refused.
#[derive(Clone)]
pub struct X509CredentialValidator {
    anchors: Vec<TrustAnchor>,
    time: ValidationTime,
    limits: Limits,
    allow_basic: bool,
    identity: Option<IdentityMapper>,
    on_reject: Option<RejectionHook>,
}

impl fmt::Debug for X509CredentialValidator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("X509CredentialValidator")
            .field("anchors", &self.anchors.len())
            .field("time", &self.time)
            .field("limits", &self.limits)
            .field("allow_basic", &self.allow_basic)
            .field("custom_identity", &self.identity.is_some())
            .field("rejection_hook", &self.on_reject.is_some())
            .finish()
    }
}

impl X509CredentialValidator {
    /// A validator trusting `anchors`, validating at `time`, with the default [`Limits`],
    /// the [`default_identity`] and no `basic` credentials.
    pub fn new(anchors: Vec<TrustAnchor>, time: ValidationTime) -> Self {
        X509CredentialValidator {
            anchors,
            time,
            limits: Limits::default(),
            allow_basic: false,
            identity: None,
            on_reject: None,
        }
    }

    /// This validator with the size limits `limits`.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// This validator accepting `basic` credentials too (their identity is the
    /// application's business, RFC 9420 §5.3) when `allow` is true.
    pub fn allow_basic(mut self, allow: bool) -> Self {
        self.allow_basic = allow;
        self
    }

    /// This validator with `mapper` as the identity of an end-entity certificate: a chain
    /// whose end-entity certificate maps to `None` is refused ([`X509Error::NoIdentity`]),
    /// and a successor credential must map to the same identity (RFC 9420 §5.3.2).
    pub fn with_identity_mapper(mut self, mapper: IdentityMapper) -> Self {
        self.identity = Some(mapper);
        self
    }

    /// This validator calling `hook` with the reason of every refusal of
    /// [`CredentialValidator::validate`].
    pub fn with_rejection_hook(mut self, hook: RejectionHook) -> Self {
        self.on_reject = Some(hook);
        self
    }

    /// The trust anchors.
    pub fn anchors(&self) -> &[TrustAnchor] {
        &self.anchors
    }

    fn identity_of(&self, cert: &Certificate) -> Option<Vec<u8>> {
        match &self.identity {
            Some(f) => f(cert),
            None => default_identity(cert),
        }
    }

    /// Validates the certificate chain `chain` (DER, end-entity first) at time `now`
    /// (seconds since the UNIX epoch) for the signature key `signature_key` (RFC 9420
    /// §5.1.1 encoding), and returns the end-entity certificate.
    pub fn verify_chain(
        &self,
        chain: &[&[u8]],
        signature_key: &[u8],
        now: u64,
    ) -> Result<Certificate, X509Error> {
        let leaf = validate_path(&self.anchors, chain, signature_key, now, &self.limits)?;
        if self.identity_of(&leaf).is_none() {
            return Err(X509Error::NoIdentity);
        }
        Ok(leaf)
    }

    /// Validates `credential` for `signature_key` at the validator's time: what
    /// [`CredentialValidator::validate`] answers, with the reason of a refusal.
    pub fn check(
        &self,
        credential: &Credential,
        signature_key: &SignaturePublicKey,
    ) -> Result<(), X509Error> {
        match credential {
            Credential::X509(certs) => {
                let chain = der_chain(certs);
                self.verify_chain(&chain, &signature_key.0, self.time.now())
                    .map(|_| ())
            }
            Credential::Basic(_) if self.allow_basic => Ok(()),
            _ => Err(X509Error::CredentialTypeNotAllowed),
        }
    }

    /// The application identity of `credential` (RFC 9420 §5.3.2): the identity mapping of
    /// an `x509` credential's end-entity certificate, or a `basic` credential's identity
    /// when those are allowed. The chain is not validated here.
    pub fn identity(&self, credential: &Credential) -> Result<Vec<u8>, X509Error> {
        match credential {
            Credential::X509(certs) => {
                let leaf = parse_leaf(&der_chain(certs), &self.limits)?;
                self.identity_of(&leaf).ok_or(X509Error::NoIdentity)
            }
            Credential::Basic(id) if self.allow_basic => Ok(id.clone()),
            _ => Err(X509Error::CredentialTypeNotAllowed),
        }
    }
}

fn der_chain(certs: &[melos::messages::Certificate]) -> Vec<&[u8]> {
    certs.iter().map(|c| c.cert_data.as_slice()).collect()
}

impl CredentialValidator for X509CredentialValidator {
    fn validate(
        &self,
        credential: &Credential,
        signature_key: &SignaturePublicKey,
        usage: CredentialUse,
    ) -> bool {
        match self.check(credential, signature_key) {
            Ok(()) => true,
            Err(e) => {
                if let Some(hook) = &self.on_reject {
                    hook(&e, usage);
                }
                false
            }
        }
    }

    /// RFC 9420 §5.3.2: the successor must carry the same identity ([`Self::identity`]);
    /// an `x509` credential never succeeds a `basic` one or the other way round.
    fn valid_successor(&self, predecessor: &Credential, successor: &Credential) -> bool {
        if predecessor.credential_type() != successor.credential_type() {
            return false;
        }
        match (self.identity(predecessor), self.identity(successor)) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        }
    }

    /// `x509`, and `basic` when allowed.
    fn supported_credential_types(&self) -> Vec<CredentialType> {
        let mut types = alloc::vec![CredentialType::X509];
        if self.allow_basic {
            types.push(CredentialType::BASIC);
        }
        types
    }
}
