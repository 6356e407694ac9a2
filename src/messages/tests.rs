use alloc::vec;
use alloc::vec::Vec;

use super::*;
use crate::codec::{decode_exact, encode};
use crate::crypto::{CipherSuite, HpkePublicKey, SignaturePublicKey};
use crate::error::{DecodeError, Error};

fn leaf(source: LeafNodeSource) -> LeafNode {
    LeafNode {
        encryption_key: HpkePublicKey(vec![1; 32]),
        signature_key: SignaturePublicKey(vec![2; 32]),
        credential: Credential::Basic(b"alice".to_vec()),
        capabilities: Capabilities {
            versions: vec![ProtocolVersion::MLS10],
            cipher_suites: vec![CipherSuite(1), CipherSuite(0x0a0a)],
            extensions: vec![ExtensionType(0xff00)],
            proposals: vec![],
            credentials: vec![CredentialType::BASIC],
        },
        leaf_node_source: source,
        extensions: Extensions(vec![Extension {
            extension_type: ExtensionType(0xff00),
            extension_data: vec![7, 7],
        }]),
        signature: vec![9; 64],
    }
}

#[test]
fn leaf_node_round_trips_for_every_source() {
    for source in [
        LeafNodeSource::KeyPackage(Lifetime {
            not_before: 1,
            not_after: 2,
        }),
        LeafNodeSource::Update,
        LeafNodeSource::Commit(vec![5; 32]),
    ] {
        let node = leaf(source);
        let bytes = encode(&node).unwrap();
        assert_eq!(bytes.len(), tls_codec::Size::tls_serialized_len(&node));
        assert_eq!(decode_exact::<LeafNode>(&bytes).unwrap(), node);
    }
}

#[test]
fn leaf_node_truncations_fail() {
    let bytes = encode(&leaf(LeafNodeSource::Update)).unwrap();
    for i in 0..bytes.len() {
        assert!(decode_exact::<LeafNode>(&bytes[..i]).is_err(), "prefix {i}");
    }
}

#[test]
fn unknown_leaf_node_source_is_rejected() {
    let node = leaf(LeafNodeSource::Update);
    let mut bytes = encode(&node).unwrap();
    let pos = encode(&node.encryption_key).unwrap().len()
        + encode(&node.signature_key).unwrap().len()
        + encode(&node.credential).unwrap().len()
        + encode(&node.capabilities).unwrap().len();
    assert_eq!(bytes[pos], 2);
    bytes[pos] = 4;
    assert_eq!(
        decode_exact::<LeafNode>(&bytes),
        Err(Error::Decode(DecodeError::UnknownValue))
    );
}

#[test]
fn credentials_round_trip_including_unknown_types() {
    let creds = [
        Credential::Basic(b"bob".to_vec()),
        Credential::X509(vec![Certificate {
            cert_data: vec![0x30, 0x00],
        }]),
        Credential::Other {
            credential_type: CredentialType(0xf000),
            data: vec![1, 2, 3],
        },
    ];
    for c in creds {
        let bytes = encode(&c).unwrap();
        assert_eq!(decode_exact::<Credential>(&bytes).unwrap(), c);
    }
}

#[test]
fn tbs_adds_group_context_only_for_update_and_commit() {
    let kp = leaf(LeafNodeSource::KeyPackage(Lifetime {
        not_before: 0,
        not_after: 9,
    }));
    let a = kp
        .to_be_signed(b"g", crate::tree_math::LeafIndex(3))
        .unwrap();
    let b = kp
        .to_be_signed(b"other", crate::tree_math::LeafIndex(4))
        .unwrap();
    assert_eq!(a, b);
    let up = leaf(LeafNodeSource::Update);
    let tbs = up
        .to_be_signed(b"g", crate::tree_math::LeafIndex(3))
        .unwrap();
    let n = tbs.len();
    assert_eq!(&tbs[n - 6..], &[1, b'g', 0, 0, 0, 3]);
    let mut enc = encode(&up).unwrap();
    enc.truncate(enc.len() - 66); // drop signature<V> (2-byte length + 64)
    assert_eq!(&tbs[..n - 6], enc.as_slice());
}

#[test]
fn extensions_duplicates_and_lookup() {
    let mut e: Extensions = Vec::from([Extension {
        extension_type: ExtensionType::APPLICATION_ID,
        extension_data: vec![],
    }])
    .into();
    assert!(!e.has_duplicates());
    assert!(e.contains(ExtensionType::APPLICATION_ID));
    e.0.push(e.0[0].clone());
    assert!(e.has_duplicates());
}

#[test]
fn grease_and_defaults() {
    assert!(is_grease(0x0a0a) && is_grease(0xeaea) && !is_grease(0xfafa) && !is_grease(0x0001));
    assert!(ProposalType::ADD.is_default() && !ProposalType(8).is_default());
    assert!(ExtensionType::EXTERNAL_SENDERS.is_default() && !ExtensionType(6).is_default());
}

#[cfg(feature = "rust-crypto")]
#[test]
fn grease_helpers() {
    use crate::crypto::CryptoProvider;
    let p = crate::crypto::rust_crypto::RustCrypto::new();
    let cs = p
        .cipher_suite_provider(crate::crypto::CipherSuite(1))
        .unwrap();
    assert!(GREASE_VALUES.iter().all(|v| is_grease(*v)));
    assert_eq!(
        (0..=u16::MAX).filter(|v| is_grease(*v)).count(),
        GREASE_VALUES.len()
    );
    let plain = Capabilities::minimal(crate::crypto::CipherSuite(1), CredentialType::BASIC);
    let mut c = plain.clone();
    c.add_grease(cs).unwrap();
    assert_ne!(c, plain);
    assert_eq!(c.without_grease(), plain);
    // A list that has a GREASE value keeps it (no second one).
    let once = c.clone();
    c.add_grease(cs).unwrap();
    assert_eq!(c, once);
    // A GREASE leaf extension reuses the GREASE extension type of the capabilities.
    let mut e = Extensions::default();
    e.add_grease(cs, Some(&mut c)).unwrap();
    assert_eq!(c, once);
    assert!(
        e.iter()
            .all(|x| is_grease(x.extension_type.0) && x.extension_data.len() <= 16)
    );
    // A second one gets a new type, listed too.
    e.add_grease(cs, Some(&mut c)).unwrap();
    assert_eq!(e.len(), 2);
    assert!(!e.has_duplicates());
    assert!(e.iter().all(|x| c.supports_extension(x.extension_type)));
}
