//! Welcome creation and processing (RFC 9420 §12.4.3.1): round trips and one negative test
//! per check.

use super::*;
use crate::CryptoProvider;
use crate::crypto::labels;
use crate::crypto::rust_crypto::RustCrypto;
use crate::crypto::{SignatureKeyPair, SignaturePrivateKey};
use crate::error::{CryptoError, DecodeError};
use crate::messages::key_package::tests::params;
use crate::messages::{Extensions, GroupContext, KeyPackageBundle};
use crate::tree_math::LeafIndex;

struct Fixture {
    provider: RustCrypto,
    suite: CipherSuite,
    signer: SignatureKeyPair,
    members: Vec<KeyPackageBundle>,
}

impl Fixture {
    fn new(suite: u16, n: usize) -> Self {
        let provider = RustCrypto::new();
        let suite = CipherSuite(suite);
        let cs = provider.cipher_suite_provider(suite).unwrap();
        let signer = cs.signature_generate_key_pair().unwrap();
        let members = (0..n)
            .map(|_| {
                let s = cs.signature_generate_key_pair().unwrap();
                KeyPackage::generate(cs, &s, params(suite)).unwrap()
            })
            .collect();
        Fixture {
            provider,
            suite,
            signer,
            members,
        }
    }

    fn cs(&self) -> &dyn CipherSuiteProvider {
        self.provider.cipher_suite_provider(self.suite).unwrap()
    }

    fn candidates(&self, i: usize) -> Vec<(&KeyPackage, &HpkePrivateKey)> {
        vec![(
            &self.members[i].key_package,
            &self.members[i].init_private_key,
        )]
    }
}

fn group_info(
    cs: &dyn CipherSuiteProvider,
    suite: CipherSuite,
    key: &SignaturePrivateKey,
) -> GroupInfo {
    let mut gi = GroupInfo {
        group_context: GroupContext::new(
            suite,
            b"group".to_vec(),
            1,
            vec![1; cs.hash_len()],
            vec![2; cs.hash_len()],
            Extensions::default(),
        ),
        extensions: Extensions::default(),
        confirmation_tag: vec![3; cs.hash_len()],
        signer: LeafIndex(0),
        signature: vec![],
    };
    gi.sign(cs, key).unwrap();
    gi
}

fn joiner(cs: &dyn CipherSuiteProvider) -> JoinerSecret {
    JoinerSecret::new(Secret::new(vec![7; cs.hash_len()]))
}

fn zero_psk(cs: &dyn CipherSuiteProvider) -> Secret {
    Secret::zero(cs.hash_len())
}

/// A Welcome for every member of `f`, the first one with a path secret.
fn welcome(f: &Fixture, psks: &[PreSharedKeyId]) -> (Welcome, GroupInfo, Secret) {
    let cs = f.cs();
    let gi = group_info(cs, f.suite, &f.signer.private_key);
    let path = Secret::new(vec![9; cs.hash_len()]);
    let members: Vec<NewMemberSecrets<'_>> = f
        .members
        .iter()
        .enumerate()
        .map(|(i, b)| NewMemberSecrets {
            key_package: &b.key_package,
            path_secret: (i == 0).then_some(&path),
        })
        .collect();
    let w = Welcome::create(cs, &gi, &joiner(cs), psks, &zero_psk(cs), &members).unwrap();
    (w, gi, path)
}

#[test]
fn create_then_process_in_every_suite() {
    for suite in 1..=7 {
        let f = Fixture::new(suite, 3);
        let cs = f.cs();
        let (w, gi, path) = welcome(&f, &[]);
        assert_eq!(w.secrets.len(), 3);
        let bytes = codec::encode(&w).unwrap();
        assert_eq!(codec::decode_exact::<Welcome>(&bytes).unwrap(), w);
        for i in 0..3 {
            let signer_pub = f.signer.public_key.clone();
            let p = w
                .process(
                    cs,
                    &f.candidates(i),
                    &mut |psks| {
                        assert!(psks.is_empty());
                        Ok(zero_psk(cs))
                    },
                    &mut |g| {
                        assert_eq!(g.signer, LeafIndex(0));
                        Ok(signer_pub.clone())
                    },
                )
                .unwrap();
            assert_eq!(p.key_package_index, 0);
            assert_eq!(p.group_info, gi);
            assert_eq!(&p.group_secrets.joiner_secret, joiner(cs).as_secret());
            let expect_path = (i == 0).then(|| PathSecret {
                path_secret: path.clone(),
            });
            assert_eq!(p.group_secrets.path_secret, expect_path);
            assert!(p.epoch_secrets(cs).is_ok());
        }
    }
}

#[test]
fn the_right_candidate_is_found() {
    let f = Fixture::new(1, 2);
    let (w, _, _) = welcome(&f, &[]);
    let other = Fixture::new(1, 1);
    let candidates = vec![
        (
            &other.members[0].key_package,
            &other.members[0].init_private_key,
        ),
        (&f.members[1].key_package, &f.members[1].init_private_key),
    ];
    let opened = w.open_group_secrets(f.cs(), &candidates).unwrap();
    assert_eq!(opened.key_package_index, 1);
}

#[test]
fn psks_are_carried_and_listed() {
    let f = Fixture::new(1, 1);
    let cs = f.cs();
    let psks = vec![
        PreSharedKeyId::external(b"id".to_vec(), vec![1; 32]),
        PreSharedKeyId::resumption(ResumptionPskUsage::Reinit, b"g".to_vec(), 4, vec![2; 32]),
    ];
    let psk_secret = Secret::new(vec![5; 32]);
    let gi = group_info(cs, f.suite, &f.signer.private_key);
    let members = [NewMemberSecrets {
        key_package: &f.members[0].key_package,
        path_secret: None,
    }];
    let w = Welcome::create(cs, &gi, &joiner(cs), &psks, &psk_secret, &members).unwrap();
    let opened = w.open_group_secrets(cs, &f.candidates(0)).unwrap();
    assert_eq!(opened.group_secrets.required_psks(), psks.as_slice());
    // The wrong psk_secret gives the wrong welcome key.
    assert_eq!(
        w.open_group_info(cs, &opened.group_secrets, &zero_psk(cs)),
        Err(Error::Crypto(CryptoError::DecryptionFailed))
    );
    assert_eq!(
        w.open_group_info(cs, &opened.group_secrets, &psk_secret),
        Ok(gi)
    );
}

#[test]
fn welcome_not_for_us() {
    let f = Fixture::new(1, 1);
    let (w, _, _) = welcome(&f, &[]);
    let other = Fixture::new(1, 1);
    assert_eq!(
        w.open_group_secrets(f.cs(), &other.candidates(0)),
        Err(Error::Message(MessageError::WelcomeNotForUs))
    );
    assert_eq!(
        w.open_group_secrets(f.cs(), &[]),
        Err(Error::Message(MessageError::WelcomeNotForUs))
    );
}

#[test]
fn welcome_cipher_suite_must_match_provider_and_key_package() {
    let f = Fixture::new(1, 1);
    let (mut w, _, _) = welcome(&f, &[]);
    let cs3 = f.provider.cipher_suite_provider(CipherSuite(3)).unwrap();
    assert_eq!(
        w.open_group_secrets(cs3, &f.candidates(0)),
        Err(Error::Message(MessageError::WelcomeCipherSuiteMismatch))
    );
    // A KeyPackage of suite 3 whose reference (by the Welcome's hash) is in the Welcome.
    let s = cs3.signature_generate_key_pair().unwrap();
    let kp3 = KeyPackage::generate(cs3, &s, params(CipherSuite(3))).unwrap();
    w.secrets[0].new_member = kp3.key_package.key_package_ref(f.cs()).unwrap();
    assert_eq!(
        w.open_group_secrets(f.cs(), &[(&kp3.key_package, &kp3.init_private_key)]),
        Err(Error::Message(MessageError::WelcomeCipherSuiteMismatch))
    );
    // And the sender refuses to address a KeyPackage of another suite.
    let gi = group_info(f.cs(), f.suite, &f.signer.private_key);
    let members = [NewMemberSecrets {
        key_package: &kp3.key_package,
        path_secret: None,
    }];
    assert_eq!(
        Welcome::create(
            f.cs(),
            &gi,
            &joiner(f.cs()),
            &[],
            &zero_psk(f.cs()),
            &members
        ),
        Err(Error::Message(MessageError::KeyPackageCipherSuiteMismatch))
    );
}

#[test]
fn at_most_one_reinit_or_branch_psk() {
    let f = Fixture::new(1, 1);
    let psks = [
        PreSharedKeyId::resumption(ResumptionPskUsage::Reinit, b"g".to_vec(), 1, vec![1; 32]),
        PreSharedKeyId::resumption(ResumptionPskUsage::Branch, b"g".to_vec(), 2, vec![2; 32]),
    ];
    let (w, _, _) = welcome(&f, &psks);
    assert_eq!(
        w.open_group_secrets(f.cs(), &f.candidates(0)),
        Err(Error::Message(MessageError::MultipleReinitOrBranchPsks))
    );
    let (w, _, _) = welcome(&f, &psks[..1]);
    assert!(w.open_group_secrets(f.cs(), &f.candidates(0)).is_ok());
}

#[test]
fn group_info_signature_must_verify() {
    let f = Fixture::new(1, 1);
    let cs = f.cs();
    let (w, _, _) = welcome(&f, &[]);
    let wrong = cs.signature_generate_key_pair().unwrap().public_key;
    let r = w.process(cs, &f.candidates(0), &mut |_| Ok(zero_psk(cs)), &mut |_| {
        Ok(wrong.clone())
    });
    assert_eq!(
        r,
        Err(Error::Message(MessageError::GroupInfoSignatureInvalid))
    );
}

#[test]
fn group_info_cipher_suite_must_match() {
    let f = Fixture::new(1, 1);
    let cs = f.cs();
    let gi = group_info(cs, CipherSuite(3), &f.signer.private_key);
    let members = [NewMemberSecrets {
        key_package: &f.members[0].key_package,
        path_secret: None,
    }];
    let w = Welcome::create(cs, &gi, &joiner(cs), &[], &zero_psk(cs), &members).unwrap();
    let opened = w.open_group_secrets(cs, &f.candidates(0)).unwrap();
    assert_eq!(
        w.open_group_info(cs, &opened.group_secrets, &zero_psk(cs)),
        Err(Error::Message(MessageError::GroupInfoCipherSuiteMismatch))
    );
}

#[test]
fn confirmation_tag_is_checked() {
    let f = Fixture::new(1, 0);
    let cs = f.cs();
    let mut gi = group_info(cs, f.suite, &f.signer.private_key);
    let key = [4u8; 32];
    gi.confirmation_tag = cs
        .mac(&key, &gi.group_context.confirmed_transcript_hash)
        .unwrap();
    assert_eq!(gi.verify_confirmation_tag(cs, &key), Ok(()));
    gi.confirmation_tag[0] ^= 1;
    assert_eq!(
        gi.verify_confirmation_tag(cs, &key),
        Err(Error::Message(MessageError::ConfirmationTagMismatch))
    );
}

#[test]
fn wrong_init_key_fails_to_decrypt() {
    let f = Fixture::new(1, 2);
    let (w, _, _) = welcome(&f, &[]);
    let candidates = [(&f.members[0].key_package, &f.members[1].init_private_key)];
    assert_eq!(
        w.open_group_secrets(f.cs(), &candidates),
        Err(Error::Crypto(CryptoError::DecryptionFailed))
    );
}

#[test]
fn group_secrets_with_trailing_bytes_are_rejected() {
    let f = Fixture::new(1, 1);
    let cs = f.cs();
    let (mut w, _, _) = welcome(&f, &[]);
    let gs = GroupSecrets {
        joiner_secret: joiner(cs).as_secret().clone(),
        path_secret: None,
        psks: vec![],
    };
    let mut pt = gs.encode_secret().unwrap().as_bytes().to_vec();
    assert_eq!(pt, codec::encode(&gs).unwrap());
    pt.push(0);
    let kp = &f.members[0].key_package;
    w.secrets[0].encrypted_group_secrets = labels::encrypt_with_label(
        cs,
        kp.init_key.as_bytes(),
        b"Welcome",
        &w.encrypted_group_info,
        &pt,
    )
    .unwrap();
    assert_eq!(
        w.open_group_secrets(cs, &f.candidates(0)),
        Err(Error::Decode(DecodeError::TrailingBytes))
    );
}

#[test]
fn a_missing_psk_stops_processing() {
    let f = Fixture::new(1, 1);
    let cs = f.cs();
    let psks = [PreSharedKeyId::external(b"id".to_vec(), vec![1; 32])];
    let (w, _, _) = welcome(&f, &psks);
    let r = w.process(
        cs,
        &f.candidates(0),
        &mut |ids| {
            assert_eq!(ids, &psks[..]);
            Err(MessageError::MissingPsk.into())
        },
        &mut |_| unreachable!("the GroupInfo is not opened without the PSKs"),
    );
    assert_eq!(r, Err(Error::Message(MessageError::MissingPsk)));
}

#[test]
fn group_context_extensions_must_be_supported_by_the_joiner() {
    let f = Fixture::new(1, 1);
    let cs = f.cs();
    let mut gi = group_info(cs, f.suite, &f.signer.private_key);
    let caps = &f.members[0].key_package.leaf_node.capabilities;
    gi.group_context
        .extensions
        .0
        .push(crate::messages::Extension {
            extension_type: crate::messages::ExtensionType::EXTERNAL_SENDERS,
            extension_data: vec![0],
        });
    assert_eq!(gi.check_extensions_supported(caps), Ok(()));
    gi.group_context
        .extensions
        .0
        .push(crate::messages::Extension {
            extension_type: crate::messages::ExtensionType(0xff05),
            extension_data: vec![],
        });
    assert_eq!(
        gi.check_extensions_supported(caps),
        Err(Error::Message(
            MessageError::UnsupportedGroupContextExtension
        ))
    );
}
