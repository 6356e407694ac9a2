//! Certificates made in the tests: deterministic Ed25519 / P-256 / P-384 keys, a
//! `BuilderProfile` that sets exactly the names and extensions a test asks for, and a
//! signer wrapper that may claim a different signature algorithm.

#![allow(dead_code)]

use std::str::FromStr;

use const_oid::AssociatedOid;
use const_oid::ObjectIdentifier;
use const_oid::db::rfc5912::{
    ECDSA_WITH_SHA_256, ECDSA_WITH_SHA_384, ID_EC_PUBLIC_KEY, SECP_256_R_1, SECP_384_R_1,
};
use const_oid::db::rfc8410::ID_ED_25519;
use der::Encode;
use der::asn1::{Any, BitString, OctetString};
use signature::{Keypair, Signer};
use spki::{
    AlgorithmIdentifierOwned, Document, DynSignatureAlgorithmIdentifier, EncodePublicKey,
    SignatureBitStringEncoding, SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef,
};
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::certificate::TbsCertificate;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

/// The validation time of the tests (2027-01-15).
pub const NOW: u64 = 1_800_000_000;
/// A validity period around [`NOW`].
pub const VALID: (u64, u64) = (1_700_000_000, 1_900_000_000);

/// A key of one of the three supported algorithms, from a seed byte.
#[derive(Clone)]
pub enum Key {
    Ed25519(ed25519_dalek::SigningKey),
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
}

impl Key {
    pub fn ed25519(seed: u8) -> Self {
        Key::Ed25519(ed25519_dalek::SigningKey::from_bytes(&[seed; 32]))
    }
    pub fn p256(seed: u8) -> Self {
        Key::P256(p256::ecdsa::SigningKey::from_slice(&[seed; 32]).unwrap())
    }
    pub fn p384(seed: u8) -> Self {
        Key::P384(p384::ecdsa::SigningKey::from_slice(&[seed; 48]).unwrap())
    }

    /// The public key as MLS encodes a `SignaturePublicKey` (RFC 9420 §5.1.1).
    pub fn mls_public(&self) -> Vec<u8> {
        match self {
            Key::Ed25519(k) => k.verifying_key().to_bytes().to_vec(),
            Key::P256(k) => k.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
            Key::P384(k) => k.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
        }
    }

    pub fn spki(&self) -> SubjectPublicKeyInfoOwned {
        let ec = |curve: ObjectIdentifier| AlgorithmIdentifierOwned {
            oid: ID_EC_PUBLIC_KEY,
            parameters: Some(Any::encode_from(&curve).unwrap()),
        };
        let algorithm = match self {
            Key::Ed25519(_) => AlgorithmIdentifierOwned {
                oid: ID_ED_25519,
                parameters: None,
            },
            Key::P256(_) => ec(SECP_256_R_1),
            Key::P384(_) => ec(SECP_384_R_1),
        };
        SubjectPublicKeyInfoOwned {
            algorithm,
            subject_public_key: BitString::from_bytes(&self.mls_public()).unwrap(),
        }
    }

    fn signature_oid(&self) -> ObjectIdentifier {
        match self {
            Key::Ed25519(_) => ID_ED_25519,
            Key::P256(_) => ECDSA_WITH_SHA_256,
            Key::P384(_) => ECDSA_WITH_SHA_384,
        }
    }

    fn sign(&self, msg: &[u8]) -> Vec<u8> {
        match self {
            Key::Ed25519(k) => k.sign(msg).to_bytes().to_vec(),
            Key::P256(k) => {
                let s: p256::ecdsa::Signature = k.sign(msg);
                s.to_der().as_bytes().to_vec()
            }
            Key::P384(k) => {
                let s: p384::ecdsa::Signature = k.sign(msg);
                s.to_der().as_bytes().to_vec()
            }
        }
    }
}

/// A signer for the certificate builder: `key`, claiming `claimed` as the signature
/// algorithm when set.
pub struct TestSigner {
    pub key: Key,
    pub claimed: Option<ObjectIdentifier>,
}

#[derive(Clone)]
pub struct TestPublic(SubjectPublicKeyInfoOwned);

impl EncodePublicKey for TestPublic {
    fn to_public_key_der(&self) -> spki::Result<Document> {
        Ok(Document::encode_msg(&self.0)?)
    }
}

impl Keypair for TestSigner {
    type VerifyingKey = TestPublic;
    fn verifying_key(&self) -> TestPublic {
        TestPublic(self.key.spki())
    }
}

impl DynSignatureAlgorithmIdentifier for TestSigner {
    fn signature_algorithm_identifier(&self) -> spki::Result<AlgorithmIdentifierOwned> {
        Ok(AlgorithmIdentifierOwned {
            oid: self.claimed.unwrap_or(self.key.signature_oid()),
            parameters: None,
        })
    }
}

pub struct TestSignature(Vec<u8>);

impl SignatureBitStringEncoding for TestSignature {
    fn to_bitstring(&self) -> der::Result<BitString> {
        BitString::from_bytes(&self.0)
    }
}

impl Signer<TestSignature> for TestSigner {
    fn try_sign(&self, msg: &[u8]) -> Result<TestSignature, signature::Error> {
        Ok(TestSignature(self.key.sign(msg)))
    }
}

/// Exactly the names and extensions a test asks for.
pub struct Profile {
    subject: Name,
    issuer: Name,
    extensions: Vec<Extension>,
}

impl BuilderProfile for Profile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }
    fn get_subject(&self) -> Name {
        self.subject.clone()
    }
    fn build_extensions(
        &self,
        _spk: SubjectPublicKeyInfoRef<'_>,
        _issuer_spk: SubjectPublicKeyInfoRef<'_>,
        _tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        Ok(self.extensions.clone())
    }
}

pub fn extension<T: Encode>(oid: ObjectIdentifier, critical: bool, value: &T) -> Extension {
    Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(value.to_der().unwrap()).unwrap(),
    }
}

pub fn basic_constraints(ca: bool, path_len: Option<u8>) -> Extension {
    let bc = BasicConstraints {
        ca,
        path_len_constraint: path_len,
    };
    extension(BasicConstraints::OID, true, &bc)
}

pub fn key_usage(usage: KeyUsage) -> Extension {
    extension(KeyUsage::OID, true, &usage)
}

/// The extensions of a CA certificate: CA, no path length limit, keyCertSign.
pub fn ca_extensions() -> Vec<Extension> {
    vec![
        basic_constraints(true, None),
        key_usage(KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign)),
    ]
}

/// The extensions of an end-entity certificate: not a CA, digitalSignature.
pub fn leaf_extensions() -> Vec<Extension> {
    vec![
        basic_constraints(false, None),
        key_usage(KeyUsage(KeyUsages::DigitalSignature.into())),
    ]
}

fn time(t: u64) -> Time {
    let dt = der::DateTime::from_unix_duration(std::time::Duration::from_secs(t)).unwrap();
    Time::from(dt)
}

/// A certificate for `subject` with `subject_key`, issued by `issuer` with `issuer_key`.
pub fn issue(
    subject: &str,
    subject_key: &Key,
    issuer: &str,
    issuer_signer: &TestSigner,
    extensions: Vec<Extension>,
    validity: (u64, u64),
) -> Vec<u8> {
    issue_spki(
        subject,
        subject_key.spki(),
        issuer,
        issuer_signer,
        extensions,
        validity,
    )
}

/// The SubjectPublicKeyInfo of the raw Ed25519 public key `key` (RFC 8410).
pub fn ed25519_spki(key: &[u8]) -> SubjectPublicKeyInfoOwned {
    SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned {
            oid: ID_ED_25519,
            parameters: None,
        },
        subject_public_key: BitString::from_bytes(key).unwrap(),
    }
}

/// A certificate for `subject` with the public key `spki`, issued by `issuer`.
pub fn issue_spki(
    subject: &str,
    spki: SubjectPublicKeyInfoOwned,
    issuer: &str,
    issuer_signer: &TestSigner,
    extensions: Vec<Extension>,
    validity: (u64, u64),
) -> Vec<u8> {
    let profile = Profile {
        subject: Name::from_str(subject).unwrap(),
        issuer: Name::from_str(issuer).unwrap(),
        extensions,
    };
    let builder = CertificateBuilder::new(
        profile,
        SerialNumber::new(&[0x01, subject.len() as u8]).unwrap(),
        Validity::new(time(validity.0), time(validity.1)),
        spki,
    )
    .unwrap();
    let cert = builder.build::<_, TestSignature>(issuer_signer).unwrap();
    cert.to_der().unwrap()
}

pub fn signer(key: &Key) -> TestSigner {
    TestSigner {
        key: key.clone(),
        claimed: None,
    }
}

/// A root, an intermediate and an end-entity certificate with their keys.
pub struct Pki {
    pub root_key: Key,
    pub root: Vec<u8>,
    pub inter_key: Key,
    pub inter: Vec<u8>,
    pub leaf_key: Key,
    pub leaf: Vec<u8>,
}

pub const ROOT: &str = "CN=Test Root,O=melos";
pub const INTER: &str = "CN=Test Intermediate,O=melos";
pub const LEAF: &str = "CN=alice,O=melos";

impl Pki {
    /// root (`root_key`) -> intermediate (`inter_key`) -> leaf (`leaf_key`), all valid.
    pub fn new(root_key: Key, inter_key: Key, leaf_key: Key) -> Self {
        let root = issue(
            ROOT,
            &root_key,
            ROOT,
            &signer(&root_key),
            ca_extensions(),
            VALID,
        );
        let inter = issue(
            INTER,
            &inter_key,
            ROOT,
            &signer(&root_key),
            ca_extensions(),
            VALID,
        );
        let leaf = issue(
            LEAF,
            &leaf_key,
            INTER,
            &signer(&inter_key),
            leaf_extensions(),
            VALID,
        );
        Pki {
            root_key,
            root,
            inter_key,
            inter,
            leaf_key,
            leaf,
        }
    }

    /// An all-Ed25519 hierarchy.
    pub fn ed25519() -> Self {
        Pki::new(Key::ed25519(1), Key::ed25519(2), Key::ed25519(3))
    }

    /// A leaf certificate for `subject` with `key`, issued by the intermediate.
    pub fn leaf_for(&self, subject: &str, key: &Key, validity: (u64, u64)) -> Vec<u8> {
        issue(
            subject,
            key,
            INTER,
            &signer(&self.inter_key),
            leaf_extensions(),
            validity,
        )
    }
}
