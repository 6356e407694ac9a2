//! KeyPackage creation and validation (RFC 9420 §10, §10.1): one negative test per check.

use super::*;
use crate::CryptoProvider;
use crate::codec::{decode_exact, encode};
use crate::crypto::rust_crypto::RustCrypto;
use crate::messages::{Extension, ExtensionType};

pub(crate) const UNKNOWN_EXT: ExtensionType = ExtensionType(0xff00);

pub(crate) fn params(suite: CipherSuite) -> KeyPackageParams {
    KeyPackageParams {
        credential: Credential::Basic(b"alice".to_vec()),
        capabilities: Capabilities {
            versions: vec![ProtocolVersion::MLS10],
            cipher_suites: vec![suite],
            extensions: vec![UNKNOWN_EXT],
            proposals: vec![],
            credentials: vec![crate::messages::CredentialType::BASIC],
        },
        lifetime: Lifetime {
            not_before: 100,
            not_after: 200,
        },
        leaf_extensions: Extensions(vec![
            Extension {
                extension_type: UNKNOWN_EXT,
                extension_data: vec![1],
            },
            Extension {
                extension_type: ExtensionType::APPLICATION_ID,
                extension_data: vec![0],
            },
        ]),
        extensions: Extensions(vec![Extension {
            extension_type: UNKNOWN_EXT,
            extension_data: vec![],
        }]),
    }
}

fn setup(suite: u16) -> (RustCrypto, SignatureKeyPair) {
    let provider = RustCrypto::new();
    let signer = provider
        .cipher_suite_provider(CipherSuite(suite))
        .unwrap()
        .signature_generate_key_pair()
        .unwrap();
    (provider, signer)
}

/// Re-signs the leaf node and the KeyPackage after a test changed a field.
fn resign(cs: &dyn CipherSuiteProvider, signer: &SignatureKeyPair, kp: &mut KeyPackage) {
    kp.leaf_node
        .sign(cs, &signer.private_key, b"group", LeafIndex(0))
        .unwrap();
    kp.sign(cs, signer).unwrap();
}

/// Builds a valid KeyPackage of suite 1, applies `change` (to the params and then to the
/// KeyPackage, which is re-signed), and returns the validation result at time 150.
fn check(
    change_params: impl FnOnce(&mut KeyPackageParams),
    change: impl FnOnce(&mut KeyPackage),
) -> Result<(), Error> {
    let (provider, signer) = setup(1);
    let cs = provider.cipher_suite_provider(CipherSuite(1)).unwrap();
    let mut p = params(CipherSuite(1));
    change_params(&mut p);
    let mut kp = KeyPackage::generate(cs, &signer, p).unwrap().key_package;
    change(&mut kp);
    resign(cs, &signer, &mut kp);
    kp.validate(cs, 150)
}

fn err(e: MessageError) -> Result<(), Error> {
    Err(Error::Message(e))
}

#[test]
fn generated_key_packages_validate_in_every_suite() {
    for suite in 1..=7u16 {
        let (provider, signer) = setup(suite);
        let cs = provider.cipher_suite_provider(CipherSuite(suite)).unwrap();
        let bundle = KeyPackage::generate(cs, &signer, params(CipherSuite(suite))).unwrap();
        let kp = &bundle.key_package;
        assert_eq!(kp.validate(cs, 150), Ok(()), "suite {suite}");
        assert_ne!(kp.init_key, kp.leaf_node.encryption_key);
        assert_eq!(
            cs.kem_public_key(&bundle.init_private_key).unwrap(),
            kp.init_key.0
        );
        assert_eq!(
            cs.kem_public_key(&bundle.encryption_private_key).unwrap(),
            kp.leaf_node.encryption_key.0
        );
        let bytes = encode(kp).unwrap();
        assert_eq!(&decode_exact::<KeyPackage>(&bytes).unwrap(), kp);
        let r = kp.key_package_ref(cs).unwrap();
        assert_eq!(r.0.len(), cs.hash_len());
        assert_eq!(
            r.0,
            labels::make_key_package_ref(cs, &bytes).unwrap(),
            "ref is RefHash of the encoding"
        );
    }
}

#[test]
fn valid_key_package_passes() {
    assert_eq!(check(|_| {}, |_| {}), Ok(()));
}

#[test]
fn version_mismatch() {
    let r = check(|_| {}, |kp| kp.version = ProtocolVersion(2));
    assert_eq!(r, err(MessageError::KeyPackageVersionMismatch));
}

#[test]
fn cipher_suite_mismatch() {
    let (provider, signer) = setup(1);
    let cs = provider.cipher_suite_provider(CipherSuite(1)).unwrap();
    let kp = KeyPackage::generate(cs, &signer, params(CipherSuite(1)))
        .unwrap()
        .key_package;
    let other = provider.cipher_suite_provider(CipherSuite(3)).unwrap();
    assert_eq!(
        kp.validate(other, 150),
        err(MessageError::KeyPackageCipherSuiteMismatch)
    );
}

#[test]
fn leaf_node_source_must_be_key_package() {
    let r = check(
        |_| {},
        |kp| kp.leaf_node.leaf_node_source = LeafNodeSource::Update,
    );
    assert_eq!(r, err(MessageError::LeafNodeSourceNotKeyPackage));
}

#[test]
fn leaf_signature_must_verify() {
    let (provider, signer) = setup(1);
    let cs = provider.cipher_suite_provider(CipherSuite(1)).unwrap();
    let mut kp = KeyPackage::generate(cs, &signer, params(CipherSuite(1)))
        .unwrap()
        .key_package;
    kp.leaf_node.signature[0] ^= 1;
    kp.sign(cs, &signer).unwrap(); // the KeyPackage signature stays valid
    assert_eq!(
        kp.validate(cs, 150),
        err(MessageError::LeafNodeSignatureInvalid)
    );
}

#[test]
fn key_package_signature_must_verify() {
    let (provider, signer) = setup(1);
    let cs = provider.cipher_suite_provider(CipherSuite(1)).unwrap();
    let mut kp = KeyPackage::generate(cs, &signer, params(CipherSuite(1)))
        .unwrap()
        .key_package;
    kp.signature[3] ^= 0x80;
    assert_eq!(
        kp.validate(cs, 150),
        err(MessageError::KeyPackageSignatureInvalid)
    );
    // A KeyPackage signed by another key fails the same way.
    let other = cs.signature_generate_key_pair().unwrap();
    kp.sign(cs, &other).unwrap();
    assert_eq!(
        kp.validate(cs, 150),
        err(MessageError::KeyPackageSignatureInvalid)
    );
}

#[test]
fn lifetime_must_contain_now() {
    let (provider, signer) = setup(1);
    let cs = provider.cipher_suite_provider(CipherSuite(1)).unwrap();
    let kp = KeyPackage::generate(cs, &signer, params(CipherSuite(1)))
        .unwrap()
        .key_package;
    assert_eq!(kp.validate(cs, 100), Ok(()));
    assert_eq!(kp.validate(cs, 200), Ok(()));
    assert_eq!(kp.validate(cs, 99), err(MessageError::LifetimeNotValid));
    assert_eq!(kp.validate(cs, 201), err(MessageError::LifetimeNotValid));
}

#[test]
fn init_key_must_differ_from_encryption_key() {
    let r = check(
        |_| {},
        |kp| kp.init_key = kp.leaf_node.encryption_key.clone(),
    );
    assert_eq!(r, err(MessageError::InitKeyEqualsEncryptionKey));
}

#[test]
fn duplicate_extensions_are_rejected() {
    let r = check(
        |_| {},
        |kp| {
            let e = kp.leaf_node.extensions.0[0].clone();
            kp.leaf_node.extensions.0.push(e);
        },
    );
    assert_eq!(r, err(MessageError::DuplicateExtension));
    let r = check(
        |_| {},
        |kp| {
            let e = kp.extensions.0[0].clone();
            kp.extensions.0.push(e);
        },
    );
    assert_eq!(r, err(MessageError::DuplicateExtension));
}

#[test]
fn credential_type_must_be_in_capabilities() {
    let r = check(
        |p| p.capabilities.credentials = vec![crate::messages::CredentialType::X509],
        |_| {},
    );
    assert_eq!(r, err(MessageError::CredentialTypeNotInCapabilities));
}

#[test]
fn leaf_extensions_must_be_in_capabilities() {
    let r = check(
        |p| {
            p.leaf_extensions.0.push(Extension {
                extension_type: ExtensionType(0xff01),
                extension_data: vec![],
            })
        },
        |_| {},
    );
    assert_eq!(r, err(MessageError::LeafExtensionNotInCapabilities));
}

#[test]
fn key_package_extensions_must_be_in_capabilities() {
    let r = check(
        |p| {
            p.extensions.0.push(Extension {
                extension_type: ExtensionType(0xff01),
                extension_data: vec![],
            })
        },
        |_| {},
    );
    assert_eq!(r, err(MessageError::KeyPackageExtensionNotInCapabilities));
}

#[test]
fn version_must_be_in_capabilities() {
    let r = check(|p| p.capabilities.versions.clear(), |_| {});
    assert_eq!(r, err(MessageError::VersionNotInCapabilities));
}

#[test]
fn cipher_suite_must_be_in_capabilities() {
    let r = check(
        |p| p.capabilities.cipher_suites = vec![CipherSuite(2)],
        |_| {},
    );
    assert_eq!(r, err(MessageError::CipherSuiteNotInCapabilities));
}

#[test]
fn to_be_signed_is_the_encoding_without_the_signature() {
    let (provider, signer) = setup(1);
    let cs = provider.cipher_suite_provider(CipherSuite(1)).unwrap();
    let kp = KeyPackage::generate(cs, &signer, params(CipherSuite(1)))
        .unwrap()
        .key_package;
    let mut bytes = encode(&kp).unwrap();
    bytes.truncate(bytes.len() - 2 - kp.signature.len()); // 64-byte signature: 2-byte length
    assert_eq!(kp.to_be_signed().unwrap(), bytes);
}

/// Differential fuzzing finding D4 (`fuzz/DIFFERENCES.md`): a KeyPackage whose `init_key` or
/// leaf `encryption_key` is not a public key of its suite's KEM (RFC 9420 §10: "MUST be a
/// public key for the asymmetric encryption scheme defined by `cipher_suite`") passed
/// `KeyPackage::validate`; mls-rs refuses it (the group's Add path already refused it).
#[test]
fn diff_d4_init_and_encryption_keys_must_be_kem_public_keys() {
    let invalid = Err(Error::Group(crate::GroupError::InvalidKemPublicKey));
    // Too short for X25519.
    let r = check(|_| {}, |kp| kp.init_key = HpkePublicKey(vec![9; 31]));
    assert_eq!(r, invalid);
    // Of low order (the all-zero X25519 point).
    let r = check(|_| {}, |kp| kp.init_key = HpkePublicKey(vec![0; 32]));
    assert_eq!(r, invalid);
    let r = check(
        |_| {},
        |kp| kp.leaf_node.encryption_key = HpkePublicKey(vec![9; 31]),
    );
    assert_eq!(r, invalid);
    // Suite 7 (P-384) with a 32-byte init_key, as the fuzzer found it.
    let (provider, signer) = setup(7);
    let cs = provider.cipher_suite_provider(CipherSuite(7)).unwrap();
    let mut kp = KeyPackage::generate(cs, &signer, params(CipherSuite(7)))
        .unwrap()
        .key_package;
    kp.init_key = HpkePublicKey(vec![0x91; 32]);
    resign(cs, &signer, &mut kp);
    assert_eq!(kp.validate(cs, 150), invalid);
}
