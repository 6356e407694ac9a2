use alloc::vec::Vec;

use super::*;
use crate::codec;
use crate::crypto::rust_crypto::RustCrypto;
use crate::crypto::{CipherSuite, CryptoProvider};
use crate::error::DecodeError;
use crate::messages::{Extension, ExtensionType, Extensions, GroupContext, ProtocolVersion};

fn suite(provider: &RustCrypto, n: u16) -> &dyn CipherSuiteProvider {
    provider.cipher_suite_provider(CipherSuite(n)).unwrap()
}

fn group_context(cs: &dyn CipherSuiteProvider, epoch: u64) -> Vec<u8> {
    GroupContext::new(
        cs.cipher_suite(),
        b"group".to_vec(),
        epoch,
        vec![1; 32],
        vec![2; 32],
        Extensions::default(),
    )
    .encode()
    .unwrap()
}

#[test]
fn group_context_encoding() {
    // The first GroupContext of the IETF key-schedule vectors (suite 1, epoch 0).
    let hex = "0001000120a897b53575b4dd35fed4466e4e714bfa949eaa72e616a9c68a47b39cb7a60d2e\
               0000000000000000209769e302a99c457350a8e636009b12a2fee068664004606d6318eb3a\
               1977d818205e57c9364dc71f0f71b19ffe561ab77257c490708a47e29f8f73f2b318201d2f00";
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    let gc: GroupContext = codec::decode_exact(&bytes).unwrap();
    assert_eq!(gc.version, ProtocolVersion::MLS10);
    assert_eq!(gc.cipher_suite, CipherSuite(1));
    assert_eq!(gc.epoch, 0);
    assert!(gc.extensions.is_empty());
    assert_eq!(gc.encode().unwrap(), bytes);

    let with_ext = GroupContext {
        extensions: Extensions(vec![Extension {
            extension_type: ExtensionType::REQUIRED_CAPABILITIES,
            extension_data: vec![9, 9],
        }]),
        ..gc
    };
    let encoded = with_ext.encode().unwrap();
    assert!(encoded.ends_with(&[0x05, 0x00, 0x03, 0x02, 9, 9]));
    assert_eq!(
        codec::decode_exact::<GroupContext>(&encoded).unwrap(),
        with_ext
    );
}

#[test]
fn joiner_path_matches_member_path() {
    let provider = RustCrypto::new();
    for n in [1u16, 2, 3, 5, 7] {
        let cs = suite(&provider, n);
        let nh = cs.hash_len();
        let gc = group_context(cs, 4);
        let psk = Secret::from_slice(&vec![5; nh]);
        let out = derive_epoch(
            cs,
            &Secret::zero(nh),
            &Secret::from_slice(&vec![3; nh]),
            &psk,
            &gc,
        )
        .unwrap();
        let joiner = JoinerSecret::new(out.joiner_secret.as_secret().clone());
        assert_eq!(joiner.welcome_secret(cs, &psk).unwrap(), out.welcome_secret);
        assert_eq!(
            joiner.epoch_secrets(cs, &psk, &gc).unwrap(),
            out.epoch_secrets
        );
        // Another GroupContext or PSK gives another epoch.
        assert_ne!(
            joiner
                .epoch_secrets(cs, &psk, &group_context(cs, 5))
                .unwrap(),
            out.epoch_secrets
        );
        assert_ne!(
            joiner.welcome_secret(cs, &Secret::zero(nh)).unwrap(),
            out.welcome_secret
        );

        let welcome = out.welcome_secret.key_nonce(cs).unwrap();
        assert_eq!(welcome.key.len(), cs.aead_key_len());
        assert_eq!(welcome.nonce.len(), cs.aead_nonce_len());
        let s = &out.epoch_secrets;
        for secret in [
            &s.sender_data_secret,
            &s.init_secret,
            &s.epoch_authenticator,
        ] {
            assert_eq!(secret.len(), nh);
        }
    }
}

#[test]
fn secrets_of_the_wrong_length_are_rejected() {
    let provider = RustCrypto::new();
    let cs = suite(&provider, 1);
    let gc = group_context(cs, 0);
    let good = Secret::zero(32);
    let short = Secret::zero(31);
    let expected = Error::KeySchedule(KeyScheduleError::InvalidSecretLength);
    assert_eq!(
        derive_epoch(cs, &short, &good, &good, &gc).unwrap_err(),
        expected
    );
    assert_eq!(
        derive_epoch(cs, &good, &short, &good, &gc).unwrap_err(),
        expected
    );
    assert_eq!(
        derive_epoch(cs, &good, &good, &short, &gc).unwrap_err(),
        expected
    );
    let joiner = JoinerSecret::new(Secret::zero(48));
    assert_eq!(joiner.welcome_secret(cs, &good).unwrap_err(), expected);
    assert_eq!(
        EpochSecrets::from_epoch_secret(cs, &short).unwrap_err(),
        expected
    );
}

#[test]
fn exporter() {
    let provider = RustCrypto::new();
    let cs = suite(&provider, 1);
    let secret = Secret::from_slice(&[7; 32]);
    let a = mls_exporter(cs, &secret, b"label", b"context", 20).unwrap();
    assert_eq!(a.len(), 20);
    assert_eq!(
        mls_exporter(cs, &secret, b"label", b"context", 20).unwrap(),
        a
    );
    assert_ne!(
        mls_exporter(cs, &secret, b"label", b"other", 20).unwrap(),
        a
    );
    assert_ne!(
        mls_exporter(cs, &secret, b"other", b"context", 20).unwrap(),
        a
    );
}

#[test]
fn external_init_round_trip() {
    let provider = RustCrypto::new();
    for n in [1u16, 2, 3, 4, 5, 6, 7] {
        let cs = suite(&provider, n);
        let nh = cs.hash_len();
        let gc = group_context(cs, 1);
        let zero = Secret::zero(nh);
        let epoch = derive_epoch(cs, &zero, &zero, &zero, &gc)
            .unwrap()
            .epoch_secrets;
        let pair = epoch.external_key_pair(cs).unwrap();
        let (kem_output, init_secret) =
            external_init_sender(cs, pair.public_key.as_bytes()).unwrap();
        assert_eq!(init_secret.len(), nh);
        let received = external_init_receiver(cs, &pair.private_key, &kem_output).unwrap();
        assert_eq!(received, init_secret, "suite {n}");
    }
}

#[test]
fn sender_data_sample() {
    let provider = RustCrypto::new();
    let cs = suite(&provider, 1);
    let secret = Secret::from_slice(&[1; 32]);
    let long = [9u8; 40];
    let (key, nonce) = sender_data_key_nonce(cs, &secret, &long).unwrap();
    assert_eq!((key.len(), nonce.len()), (16, 12));
    // Only the first Nh bytes are sampled.
    assert_eq!(
        sender_data_key_nonce(cs, &secret, &long[..32]).unwrap(),
        (key.clone(), nonce)
    );
    // A short ciphertext is used whole.
    let (short_key, _) = sender_data_key_nonce(cs, &secret, &long[..5]).unwrap();
    assert_ne!(short_key, key);
}

#[test]
fn psk_ids_round_trip() {
    let external = PreSharedKeyId::external(b"id".to_vec(), vec![1, 2]);
    let bytes = codec::encode(&external).unwrap();
    assert_eq!(bytes, [1, 2, b'i', b'd', 2, 1, 2]);
    assert_eq!(
        codec::decode_exact::<PreSharedKeyId>(&bytes).unwrap(),
        external
    );
    assert_eq!(external.psk_type(), PskType::External);

    let resumption = PreSharedKeyId::resumption(ResumptionPskUsage::Branch, vec![7], 9, vec![]);
    let bytes = codec::encode(&resumption).unwrap();
    assert_eq!(bytes, [2, 3, 1, 7, 0, 0, 0, 0, 0, 0, 0, 9, 0]);
    assert_eq!(
        codec::decode_exact::<PreSharedKeyId>(&bytes).unwrap(),
        resumption
    );
    assert_eq!(resumption.psk_type(), PskType::Resumption);

    // application(3), draft-ietf-mls-extensions: component_id, psk_id<V>, psk_nonce<V>.
    let application = PreSharedKeyId::application(0x8001, b"p".to_vec(), vec![5]);
    let bytes = codec::encode(&application).unwrap();
    assert_eq!(bytes, [3, 0x80, 0x01, 1, b'p', 1, 5]);
    assert_eq!(
        codec::decode_exact::<PreSharedKeyId>(&bytes).unwrap(),
        application
    );
    assert_eq!(application.psk_type(), PskType::Application);

    let unknown = |bytes: &[u8]| match codec::decode_exact::<PreSharedKeyId>(bytes) {
        Err(Error::Decode(DecodeError::UnknownValue)) => {}
        other => panic!("unexpected {other:?}"),
    };
    unknown(&[0, 0, 0]); // PSKType reserved(0)
    unknown(&[4, 0, 0]); // unknown PSKType
    unknown(&[2, 0, 1, 7, 0, 0, 0, 0, 0, 0, 0, 9, 0]); // ResumptionPSKUsage reserved(0)
    unknown(&[2, 4, 1, 7, 0, 0, 0, 0, 0, 0, 0, 9, 0]); // unknown usage
}

#[test]
fn psk_secret_chain() {
    let provider = RustCrypto::new();
    let cs = suite(&provider, 1);
    assert_eq!(psk::psk_secret(cs, &[]).unwrap(), Secret::zero(32));
    let a = PreSharedKeyId::external(b"a".to_vec(), vec![0; 32]);
    let b = PreSharedKeyId::external(b"b".to_vec(), vec![0; 32]);
    let ab = psk::psk_secret(cs, &[(&a, &[1; 32][..]), (&b, &[2; 32][..])]).unwrap();
    let ba = psk::psk_secret(cs, &[(&b, &[2; 32][..]), (&a, &[1; 32][..])]).unwrap();
    assert_ne!(ab, ba);
    assert_ne!(ab, Secret::zero(32));

    let many: Vec<(&PreSharedKeyId, &[u8])> =
        (0..=u16::MAX as usize).map(|_| (&a, &[][..])).collect();
    assert_eq!(
        psk::psk_secret(cs, &many).unwrap_err(),
        Error::KeySchedule(KeyScheduleError::TooManyPsks)
    );
}

#[test]
fn debug_is_redacted() {
    let provider = RustCrypto::new();
    let cs = suite(&provider, 1);
    let zero = Secret::from_slice(&[0xab; 32]);
    let out = derive_epoch(cs, &zero, &zero, &zero, &group_context(cs, 0)).unwrap();
    let s = alloc::format!("{out:?}");
    assert!(s.contains("[redacted]"));
    assert!(!s.contains("171"));
}
