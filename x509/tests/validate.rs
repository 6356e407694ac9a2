//! Path validation of `x509` credentials (RFC 9420 §5.3, RFC 5280 §6.1): a valid chain is
//! accepted, and every check refuses its violating input with its own error.

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use const_oid::AssociatedOid;
use const_oid::db::rfc5912::{ECDSA_WITH_SHA_512, ID_CE_NAME_CONSTRAINTS};
use melos::crypto::SignaturePublicKey;
use melos::group::{CredentialUse, CredentialValidator};
use melos::messages::{Certificate, Credential, CredentialType};
use melos_x509::{
    Limits, TrustAnchor, ValidationTime, X509CredentialValidator, X509Error, default_identity,
};
use x509_cert::ext::pkix::{KeyUsage, KeyUsages, SubjectAltName};

fn validator(roots: &[&[u8]]) -> X509CredentialValidator {
    let anchors = roots
        .iter()
        .map(|r| TrustAnchor::from_der(r).unwrap())
        .collect();
    X509CredentialValidator::new(anchors, ValidationTime::Fixed(NOW))
}

fn credential(chain: &[&[u8]]) -> Credential {
    Credential::X509(
        chain
            .iter()
            .map(|c| Certificate {
                cert_data: c.to_vec(),
            })
            .collect(),
    )
}

/// `chain` checked by a validator trusting `root`, for `key`.
fn check(root: &[u8], chain: &[&[u8]], key: &Key) -> Result<(), X509Error> {
    validator(&[root]).check(&credential(chain), &SignaturePublicKey(key.mls_public()))
}

#[test]
fn valid_chain_is_accepted() {
    let pki = Pki::ed25519();
    let v = validator(&[&pki.root]);
    let key = SignaturePublicKey(pki.leaf_key.mls_public());
    assert_eq!(v.check(&credential(&[&pki.leaf, &pki.inter]), &key), Ok(()));
    assert!(v.validate(
        &credential(&[&pki.leaf, &pki.inter]),
        &key,
        CredentialUse::Add
    ));
    // With the root at the end of the chain too.
    assert_eq!(
        v.check(&credential(&[&pki.leaf, &pki.inter, &pki.root]), &key),
        Ok(())
    );
    // The leaf itself as the trust anchor.
    assert_eq!(check(&pki.leaf, &[&pki.leaf], &pki.leaf_key), Ok(()));
}

#[test]
fn ecdsa_chains_are_accepted() {
    // P-384 root signs a P-256 intermediate, which signs a P-256 leaf.
    let pki = Pki::new(Key::p384(1), Key::p256(2), Key::p256(3));
    assert_eq!(
        check(&pki.root, &[&pki.leaf, &pki.inter], &pki.leaf_key),
        Ok(())
    );
    // P-256 root, Ed25519 intermediate, P-384 leaf.
    let pki = Pki::new(Key::p256(4), Key::ed25519(5), Key::p384(6));
    assert_eq!(
        check(&pki.root, &[&pki.leaf, &pki.inter], &pki.leaf_key),
        Ok(())
    );
}

#[test]
fn expired_leaf_is_refused() {
    let pki = Pki::ed25519();
    let leaf = pki.leaf_for(LEAF, &pki.leaf_key, (1_600_000_000, NOW - 1));
    assert_eq!(
        check(&pki.root, &[&leaf, &pki.inter], &pki.leaf_key),
        Err(X509Error::Expired { index: 0 })
    );
    // The bounds themselves are inside the validity period.
    let leaf = pki.leaf_for(LEAF, &pki.leaf_key, (NOW, NOW));
    assert_eq!(
        check(&pki.root, &[&leaf, &pki.inter], &pki.leaf_key),
        Ok(())
    );
}

#[test]
fn not_yet_valid_leaf_is_refused() {
    let pki = Pki::ed25519();
    let leaf = pki.leaf_for(LEAF, &pki.leaf_key, (NOW + 1, 1_900_000_000));
    assert_eq!(
        check(&pki.root, &[&leaf, &pki.inter], &pki.leaf_key),
        Err(X509Error::NotYetValid { index: 0 })
    );
}

#[test]
fn expired_intermediate_is_refused() {
    let pki = Pki::ed25519();
    let inter = issue(
        INTER,
        &pki.inter_key,
        ROOT,
        &signer(&pki.root_key),
        ca_extensions(),
        (1_600_000_000, NOW - 10),
    );
    assert_eq!(
        check(&pki.root, &[&pki.leaf, &inter], &pki.leaf_key),
        Err(X509Error::Expired { index: 1 })
    );
}

#[test]
fn wrong_root_is_refused() {
    let pki = Pki::ed25519();
    // An unrelated root: no anchor has the intermediate's issuer as subject.
    let other = Pki::new(Key::ed25519(9), Key::ed25519(10), Key::ed25519(11));
    let other_root = issue(
        "CN=Other Root",
        &other.root_key,
        "CN=Other Root",
        &signer(&other.root_key),
        ca_extensions(),
        VALID,
    );
    assert_eq!(
        check(&other_root, &[&pki.leaf, &pki.inter], &pki.leaf_key),
        Err(X509Error::UnknownIssuer)
    );
    // A root with the right name but another key.
    assert_eq!(
        check(&other.root, &[&pki.leaf, &pki.inter], &pki.leaf_key),
        Err(X509Error::BadSignature { index: 1 })
    );
    // No anchors at all.
    let v = X509CredentialValidator::new(Vec::new(), ValidationTime::Fixed(NOW));
    assert_eq!(
        v.check(
            &credential(&[&pki.leaf, &pki.inter]),
            &SignaturePublicKey(pki.leaf_key.mls_public())
        ),
        Err(X509Error::UnknownIssuer)
    );
}

#[test]
fn leaf_key_not_the_signature_key_is_refused() {
    let pki = Pki::ed25519();
    assert_eq!(
        check(&pki.root, &[&pki.leaf, &pki.inter], &Key::ed25519(42)),
        Err(X509Error::KeyMismatch)
    );
    // A P-256 leaf against another P-256 key, and against an Ed25519 key.
    let pki = Pki::new(Key::p256(1), Key::p256(2), Key::p256(3));
    for key in [Key::p256(4), Key::ed25519(3)] {
        assert_eq!(
            check(&pki.root, &[&pki.leaf, &pki.inter], &key),
            Err(X509Error::KeyMismatch)
        );
    }
    // RFC 9420 §5.1.1: the MLS key of an ECDSA suite is the uncompressed point.
    let compressed = match &pki.leaf_key {
        Key::P256(k) => k.verifying_key().to_sec1_point(true).as_bytes().to_vec(),
        _ => unreachable!(),
    };
    assert_eq!(
        validator(&[&pki.root]).check(
            &credential(&[&pki.leaf, &pki.inter]),
            &SignaturePublicKey(compressed)
        ),
        Err(X509Error::KeyMismatch)
    );
}

#[test]
fn intermediate_without_ca_flag_is_refused() {
    let pki = Pki::ed25519();
    for extensions in [
        vec![basic_constraints(false, None)],
        vec![],
        vec![key_usage(KeyUsage(KeyUsages::KeyCertSign.into()))],
    ] {
        let inter = issue(
            INTER,
            &pki.inter_key,
            ROOT,
            &signer(&pki.root_key),
            extensions,
            VALID,
        );
        assert_eq!(
            check(&pki.root, &[&pki.leaf, &inter], &pki.leaf_key),
            Err(X509Error::NotACa { index: 1 })
        );
    }
}

#[test]
fn intermediate_without_key_cert_sign_is_refused() {
    let pki = Pki::ed25519();
    let inter = issue(
        INTER,
        &pki.inter_key,
        ROOT,
        &signer(&pki.root_key),
        vec![
            basic_constraints(true, None),
            key_usage(KeyUsage(KeyUsages::DigitalSignature.into())),
        ],
        VALID,
    );
    assert_eq!(
        check(&pki.root, &[&pki.leaf, &inter], &pki.leaf_key),
        Err(X509Error::NotACertSigner { index: 1 })
    );
}

#[test]
fn path_length_constraint_is_enforced() {
    let pki = Pki::ed25519();
    // root -> inter (pathLen 0) -> sub -> leaf: one intermediate below `inter`.
    let sub_key = Key::ed25519(20);
    let inter = |path_len| {
        issue(
            INTER,
            &pki.inter_key,
            ROOT,
            &signer(&pki.root_key),
            vec![basic_constraints(true, Some(path_len))],
            VALID,
        )
    };
    let sub = issue(
        "CN=Sub CA",
        &sub_key,
        INTER,
        &signer(&pki.inter_key),
        ca_extensions(),
        VALID,
    );
    let leaf = issue(
        LEAF,
        &pki.leaf_key,
        "CN=Sub CA",
        &signer(&sub_key),
        leaf_extensions(),
        VALID,
    );
    assert_eq!(
        check(&pki.root, &[&leaf, &sub, &inter(0)], &pki.leaf_key),
        Err(X509Error::PathLenExceeded { index: 2 })
    );
    assert_eq!(
        check(&pki.root, &[&leaf, &sub, &inter(1)], &pki.leaf_key),
        Ok(())
    );
    // pathLen 0 allows issuing end-entity certificates.
    assert_eq!(
        check(&pki.root, &[&pki.leaf, &inter(0)], &pki.leaf_key),
        Ok(())
    );
}

#[test]
fn leaf_key_usage_without_digital_signature_is_refused() {
    let pki = Pki::ed25519();
    let leaf = issue(
        LEAF,
        &pki.leaf_key,
        INTER,
        &signer(&pki.inter_key),
        vec![key_usage(KeyUsage(KeyUsages::KeyAgreement.into()))],
        VALID,
    );
    assert_eq!(
        check(&pki.root, &[&leaf, &pki.inter], &pki.leaf_key),
        Err(X509Error::LeafNotForSigning)
    );
}

#[test]
fn tampered_signature_is_refused() {
    for pki in [
        Pki::ed25519(),
        Pki::new(Key::p256(1), Key::p256(2), Key::p256(3)),
    ] {
        // The last byte of the DER is inside the signature BIT STRING.
        let mut leaf = pki.leaf.clone();
        *leaf.last_mut().unwrap() ^= 0x01;
        assert_eq!(
            check(&pki.root, &[&leaf, &pki.inter], &pki.leaf_key),
            Err(X509Error::BadSignature { index: 0 })
        );
    }
    // A changed byte of the signed part (in the subject name "alice" -> "alicf").
    let pki = Pki::ed25519();
    let mut leaf = pki.leaf.clone();
    let at = leaf.windows(5).position(|w| w == b"alice").unwrap();
    leaf[at + 4] = b'f';
    assert_eq!(
        check(&pki.root, &[&leaf, &pki.inter], &pki.leaf_key),
        Err(X509Error::BadSignature { index: 0 })
    );
}

#[test]
fn garbage_der_is_refused() {
    let pki = Pki::ed25519();
    let key = &pki.leaf_key;
    let garbage: &[u8] = b"\x30\x03\x02\x01";
    assert_eq!(
        check(&pki.root, &[garbage, &pki.inter], key),
        Err(X509Error::Malformed { index: 0 })
    );
    assert_eq!(
        check(&pki.root, &[&pki.leaf, b"not a certificate"], key),
        Err(X509Error::Malformed { index: 1 })
    );
    // A valid certificate followed by one more byte.
    let mut trailing = pki.leaf.clone();
    trailing.push(0);
    assert_eq!(
        check(&pki.root, &[&trailing, &pki.inter], key),
        Err(X509Error::Malformed { index: 0 })
    );
    // Truncated.
    assert_eq!(
        check(
            &pki.root,
            &[&pki.leaf[..pki.leaf.len() - 1], &pki.inter],
            key
        ),
        Err(X509Error::Malformed { index: 0 })
    );
    assert!(matches!(
        TrustAnchor::from_der(b"\x00"),
        Err(X509Error::MalformedTrustAnchor)
    ));
}

#[test]
fn unsupported_signature_algorithm_is_refused() {
    let pki = Pki::new(Key::p256(1), Key::p256(2), Key::p256(3));
    // Signed with P-256/SHA-256 but claiming ecdsa-with-SHA512.
    let sha512 = TestSigner {
        key: pki.inter_key.clone(),
        claimed: Some(ECDSA_WITH_SHA_512),
    };
    let leaf = issue(
        LEAF,
        &pki.leaf_key,
        INTER,
        &sha512,
        leaf_extensions(),
        VALID,
    );
    assert_eq!(
        check(&pki.root, &[&leaf, &pki.inter], &pki.leaf_key),
        Err(X509Error::UnsupportedAlgorithm { index: 0 })
    );
    // ecdsa-with-SHA256 under a P-384 issuer key: not a supported pair.
    let pki = Pki::new(Key::p256(1), Key::p384(2), Key::p256(3));
    let mismatched = TestSigner {
        key: pki.inter_key.clone(),
        claimed: Some(const_oid::db::rfc5912::ECDSA_WITH_SHA_256),
    };
    let leaf = issue(
        LEAF,
        &pki.leaf_key,
        INTER,
        &mismatched,
        leaf_extensions(),
        VALID,
    );
    assert_eq!(
        check(&pki.root, &[&leaf, &pki.inter], &pki.leaf_key),
        Err(X509Error::UnsupportedAlgorithm { index: 0 })
    );
}

#[test]
fn outer_and_inner_signature_algorithms_must_agree() {
    let pki = Pki::ed25519();
    // The outer AlgorithmIdentifier (the last of the two Ed25519 ones) becomes Ed448.
    let ed25519_alg = [0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70];
    let mut leaf = pki.leaf.clone();
    let at = leaf
        .windows(ed25519_alg.len())
        .rposition(|w| w == ed25519_alg)
        .unwrap();
    leaf[at + 6] = 0x71;
    assert_eq!(
        check(&pki.root, &[&leaf, &pki.inter], &pki.leaf_key),
        Err(X509Error::SignatureAlgorithmMismatch { index: 0 })
    );
}

#[test]
fn issuer_must_be_the_next_certificate() {
    let pki = Pki::ed25519();
    // The intermediate left out.
    assert_eq!(
        check(&pki.root, &[&pki.leaf, &pki.root], &pki.leaf_key),
        Err(X509Error::IssuerMismatch { index: 0 })
    );
    // A leaf whose issuer name is another CA's.
    let leaf = issue(
        LEAF,
        &pki.leaf_key,
        "CN=Someone Else",
        &signer(&pki.inter_key),
        leaf_extensions(),
        VALID,
    );
    assert_eq!(
        check(&pki.root, &[&leaf, &pki.inter], &pki.leaf_key),
        Err(X509Error::IssuerMismatch { index: 0 })
    );
}

#[test]
fn size_limits_are_enforced() {
    let pki = Pki::ed25519();
    let key = SignaturePublicKey(pki.leaf_key.mls_public());
    let v = validator(&[&pki.root]);
    assert_eq!(v.check(&credential(&[]), &key), Err(X509Error::EmptyChain));
    let long: Vec<&[u8]> = vec![pki.inter.as_slice(); 9];
    assert_eq!(
        v.check(&credential(&long), &key),
        Err(X509Error::ChainTooLong { len: 9, max: 8 })
    );
    let mut small = Limits::default();
    small.max_certificate_size = pki.leaf.len() - 1;
    let v2 = validator(&[&pki.root]).with_limits(small);
    assert_eq!(
        v2.check(&credential(&[&pki.leaf, &pki.inter]), &key),
        Err(X509Error::CertificateTooLarge { index: 0 })
    );
    let mut total = Limits::default();
    total.max_chain_size = pki.leaf.len() + pki.inter.len() - 1;
    let v3 = validator(&[&pki.root]).with_limits(total);
    assert_eq!(
        v3.check(&credential(&[&pki.leaf, &pki.inter]), &key),
        Err(X509Error::ChainTooLarge)
    );
    let mut short = Limits::default();
    short.max_chain_len = 1;
    let v4 = validator(&[&pki.root]).with_limits(short);
    assert_eq!(
        v4.check(&credential(&[&pki.leaf, &pki.inter]), &key),
        Err(X509Error::ChainTooLong { len: 2, max: 1 })
    );
}

#[test]
fn unknown_critical_and_repeated_extensions_are_refused() {
    let pki = Pki::ed25519();
    let mut extensions = leaf_extensions();
    // A critical name constraints extension (empty SEQUENCE): not processed here.
    extensions.push(extension(ID_CE_NAME_CONSTRAINTS, true, &der::asn1::Null));
    let leaf = issue(
        LEAF,
        &pki.leaf_key,
        INTER,
        &signer(&pki.inter_key),
        extensions,
        VALID,
    );
    assert_eq!(
        check(&pki.root, &[&leaf, &pki.inter], &pki.leaf_key),
        Err(X509Error::UnknownCriticalExtension { index: 0 })
    );
    // The same extension twice.
    let mut extensions = leaf_extensions();
    extensions.push(basic_constraints(false, None));
    let leaf = issue(
        LEAF,
        &pki.leaf_key,
        INTER,
        &signer(&pki.inter_key),
        extensions,
        VALID,
    );
    assert_eq!(
        check(&pki.root, &[&leaf, &pki.inter], &pki.leaf_key),
        Err(X509Error::BadExtension { index: 0 })
    );
    // A basic constraints extension that does not decode.
    let leaf = issue(
        LEAF,
        &pki.leaf_key,
        INTER,
        &signer(&pki.inter_key),
        vec![extension(
            x509_cert::ext::pkix::BasicConstraints::OID,
            true,
            &der::asn1::Null,
        )],
        VALID,
    );
    assert_eq!(
        check(&pki.root, &[&leaf, &pki.inter], &pki.leaf_key),
        Err(X509Error::BadExtension { index: 0 })
    );
}

#[test]
fn credential_types() {
    let pki = Pki::ed25519();
    let key = SignaturePublicKey(pki.leaf_key.mls_public());
    let basic = Credential::Basic(b"alice".to_vec());
    let other = Credential::Other {
        credential_type: CredentialType(0xF0C1),
        data: vec![1],
    };
    let v = validator(&[&pki.root]);
    assert_eq!(
        v.check(&basic, &key),
        Err(X509Error::CredentialTypeNotAllowed)
    );
    assert_eq!(
        v.check(&other, &key),
        Err(X509Error::CredentialTypeNotAllowed)
    );
    assert_eq!(v.supported_credential_types(), vec![CredentialType::X509]);
    let v = v.allow_basic(true);
    assert_eq!(v.check(&basic, &key), Ok(()));
    assert_eq!(
        v.check(&other, &key),
        Err(X509Error::CredentialTypeNotAllowed)
    );
    assert_eq!(
        v.supported_credential_types(),
        vec![CredentialType::X509, CredentialType::BASIC]
    );
}

#[test]
fn successor_must_keep_the_identity() {
    let pki = Pki::ed25519();
    let v = validator(&[&pki.root]);
    let old = credential(&[&pki.leaf, &pki.inter]);
    // A renewed certificate: same subject, new key and validity.
    let new_key = Key::ed25519(30);
    let renewed = pki.leaf_for(LEAF, &new_key, (NOW, 1_950_000_000));
    assert!(v.valid_successor(&old, &credential(&[&renewed, &pki.inter])));
    let bob = pki.leaf_for("CN=bob,O=melos", &new_key, VALID);
    assert!(!v.valid_successor(&old, &credential(&[&bob, &pki.inter])));
    assert!(!v.valid_successor(&old, &Credential::Basic(b"CN=alice".to_vec())));
    assert!(!v.valid_successor(&old, &credential(&[b"garbage"])));
    // An identity mapper on the subject alternative name only.
    let san_only = validator(&[&pki.root]).with_identity_mapper(Arc::new(|cert| {
        cert.tbs_certificate()
            .extensions()?
            .iter()
            .find(|e| e.extn_id == SubjectAltName::OID)
            .map(|e| e.extn_value.as_bytes().to_vec())
    }));
    // The test leaves have no SAN: no identity.
    assert_eq!(
        san_only.check(&old, &SignaturePublicKey(pki.leaf_key.mls_public())),
        Err(X509Error::NoIdentity)
    );
    assert_eq!(san_only.identity(&old), Err(X509Error::NoIdentity));
    let leaf = <x509_cert::Certificate as der::Decode>::from_der(&pki.leaf).unwrap();
    assert_eq!(v.identity(&old).ok(), default_identity(&leaf));
}

#[test]
fn clock_and_rejection_hook() {
    let pki = Pki::ed25519();
    let now = Arc::new(Mutex::new(NOW));
    let clock = now.clone();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let v = X509CredentialValidator::new(
        vec![TrustAnchor::from_der(&pki.root).unwrap()],
        ValidationTime::Clock(Arc::new(move || *clock.lock().unwrap())),
    )
    .with_rejection_hook(Arc::new(move |e, usage| {
        record.lock().unwrap().push((e.clone(), usage))
    }));
    let cred = credential(&[&pki.leaf, &pki.inter]);
    let key = SignaturePublicKey(pki.leaf_key.mls_public());
    assert!(v.validate(&cred, &key, CredentialUse::Update));
    *now.lock().unwrap() = 2_000_000_000;
    assert!(!v.validate(&cred, &key, CredentialUse::Update));
    assert_eq!(
        *seen.lock().unwrap(),
        vec![(X509Error::Expired { index: 0 }, CredentialUse::Update)]
    );
}

#[test]
fn errors_print_as_sentences() {
    let e = X509Error::Expired { index: 1 };
    assert_eq!(e.to_string(), "certificate 1 of the chain has expired");
    assert_eq!(
        X509Error::KeyMismatch.to_string(),
        "the end-entity certificate's public key is not the member's signature key"
    );
}

#[test]
fn nothing_may_follow_the_trust_anchor() {
    let pki = Pki::ed25519();
    assert_eq!(
        check(
            &pki.root,
            &[&pki.leaf, &pki.inter, &pki.root, &pki.inter],
            &pki.leaf_key
        ),
        Err(X509Error::CertificateAfterTrustAnchor { index: 3 })
    );
    assert_eq!(
        check(&pki.inter, &[&pki.leaf, &pki.inter, b"junk"], &pki.leaf_key),
        Err(X509Error::CertificateAfterTrustAnchor { index: 2 })
    );
    // The intermediate as the trust anchor, at the end of the chain.
    assert_eq!(
        check(&pki.inter, &[&pki.leaf, &pki.inter], &pki.leaf_key),
        Ok(())
    );
}

#[test]
fn compressed_certificate_key_matches_the_uncompressed_mls_key() {
    let pki = Pki::new(Key::p256(1), Key::p256(2), Key::p256(3));
    let Key::P256(k) = &pki.leaf_key else {
        unreachable!()
    };
    let mut spki = pki.leaf_key.spki();
    spki.subject_public_key =
        der::asn1::BitString::from_bytes(k.verifying_key().to_sec1_point(true).as_bytes()).unwrap();
    let leaf = issue_spki(
        LEAF,
        spki,
        INTER,
        &signer(&pki.inter_key),
        leaf_extensions(),
        VALID,
    );
    assert_eq!(
        check(&pki.root, &[&leaf, &pki.inter], &pki.leaf_key),
        Ok(())
    );
}

/// Every one-byte change of a valid end-entity or intermediate certificate is refused (and
/// none panics).
#[test]
fn every_single_byte_change_is_refused() {
    for pki in [
        Pki::ed25519(),
        Pki::new(Key::p256(1), Key::p384(2), Key::p256(3)),
    ] {
        let v = validator(&[&pki.root]);
        let key = SignaturePublicKey(pki.leaf_key.mls_public());
        for which in 0..2 {
            let original = if which == 0 { &pki.leaf } else { &pki.inter };
            for i in 0..original.len() {
                for x in [0x01u8, 0x80, 0xff] {
                    let mut changed = original.clone();
                    changed[i] ^= x;
                    let chain: [&[u8]; 2] = if which == 0 {
                        [&changed, &pki.inter]
                    } else {
                        [&pki.leaf, &changed]
                    };
                    assert!(
                        v.check(&credential(&chain), &key).is_err(),
                        "byte {i} ^ {x:#x} of certificate {which} accepted"
                    );
                }
            }
        }
    }
}
