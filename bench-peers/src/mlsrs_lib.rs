//! mls-rs 0.57.0 with `mls-rs-crypto-rustcrypto` 0.23.0 and basic credentials.
//!
//! Settings that differ from mls-rs's defaults (see README.md): `DefaultMlsRules` with
//! `CommitOptions::with_path_required(true)` (every Commit carries an UpdatePath, as melos's
//! and OpenMLS's do; mls-rs leaves the path out of Add-only Commits by default) and
//! `EncryptionOptions::new(false, PaddingMode::None)` (handshakes as PublicMessage, which is
//! the default, and no padding; the default pads with `PaddingMode::StepFunction`).

use mls_rs::client_builder::{
    BaseConfig, PaddingMode, WithCryptoProvider, WithIdentityProvider, WithMlsRules,
};
use mls_rs::group::{Group, ReceivedMessage};
use mls_rs::identity::SigningIdentity;
use mls_rs::identity::basic::{BasicCredential, BasicIdentityProvider};
use mls_rs::mls_rules::{CommitOptions, DefaultMlsRules, EncryptionOptions};
use mls_rs::{
    CipherSuite, CipherSuiteProvider as _, Client, CryptoProvider as _, ExtensionList, MlsMessage,
};
use mls_rs_crypto_rustcrypto::RustCryptoProvider;

use crate::Lib;

const SUITE: CipherSuite = CipherSuite::CURVE25519_AES128;

type Config = WithMlsRules<
    DefaultMlsRules,
    WithCryptoProvider<RustCryptoProvider, WithIdentityProvider<BasicIdentityProvider, BaseConfig>>,
>;

/// An mls-rs client and its group.
#[derive(Clone)]
pub struct Member {
    client: Client<Config>,
    group: Option<Group<Config>>,
}

impl Member {
    fn group(&mut self) -> &mut Group<Config> {
        self.group.as_mut().expect("in a group")
    }
}

/// mls-rs.
pub struct MlsRs;

fn decode(bytes: &[u8]) -> MlsMessage {
    MlsMessage::from_bytes(bytes).expect("decodes")
}

impl Lib for MlsRs {
    type Member = Member;
    const NAME: &'static str = "mls-rs";

    fn client(i: usize) -> Member {
        let provider = RustCryptoProvider::default();
        let cs = provider.cipher_suite_provider(SUITE).expect("suite 1");
        let (secret, public) = cs.signature_key_generate().expect("signature key");
        let identity = SigningIdentity::new(
            BasicCredential::new(format!("m{i}").into_bytes()).into_credential(),
            public,
        );
        let rules = DefaultMlsRules::new()
            .with_commit_options(CommitOptions::new().with_path_required(true))
            .with_encryption_options(EncryptionOptions::new(false, PaddingMode::None));
        let client = Client::builder()
            .identity_provider(BasicIdentityProvider)
            .crypto_provider(provider)
            .mls_rules(rules)
            .signing_identity(identity, secret, SUITE)
            .build();
        Member {
            client,
            group: None,
        }
    }

    fn key_package(m: &mut Member) -> Vec<u8> {
        m.client
            .generate_key_package_message(ExtensionList::default(), ExtensionList::default(), None)
            .expect("key package")
            .to_bytes()
            .expect("encode")
    }

    fn create_group(m: &mut Member) {
        m.group = Some(
            m.client
                .create_group(ExtensionList::default(), ExtensionList::default(), None)
                .expect("create"),
        );
    }

    fn commit_add(m: &mut Member, key_packages: &[Vec<u8>]) -> (Vec<u8>, Vec<u8>) {
        let mut builder = m.group().commit_builder();
        for kp in key_packages {
            builder = builder.add_member(decode(kp)).expect("add");
        }
        let out = builder.build().expect("commit");
        let welcome = out.welcome_messages.first().expect("welcome");
        (
            out.commit_message.to_bytes().expect("encode"),
            welcome.to_bytes().expect("encode"),
        )
    }

    fn merge_pending(m: &mut Member) {
        m.group().apply_pending_commit().expect("apply");
    }

    fn join(m: &mut Member, welcome: &[u8]) {
        let (group, _) = m
            .client
            .join_group(None, &decode(welcome), None)
            .expect("join");
        m.group = Some(group);
    }

    fn commit_path(m: &mut Member) -> Vec<u8> {
        m.group()
            .commit(vec![])
            .expect("commit")
            .commit_message
            .to_bytes()
            .expect("encode")
    }

    fn commit_remove(m: &mut Member, leaf: u32) -> Vec<u8> {
        m.group()
            .commit_builder()
            .remove_member(leaf)
            .and_then(|b| b.build())
            .expect("commit")
            .commit_message
            .to_bytes()
            .expect("encode")
    }

    fn process_commit(m: &mut Member, commit: &[u8]) {
        // mls-rs applies a received Commit in `process_incoming_message`.
        match m
            .group()
            .process_incoming_message(decode(commit))
            .expect("process")
        {
            ReceivedMessage::Commit(_) => {}
            other => panic!("not a Commit: {other:?}"),
        }
    }

    fn encrypt(m: &mut Member, data: &[u8]) -> Vec<u8> {
        m.group()
            .encrypt_application_message(data, vec![])
            .expect("encrypt")
            .to_bytes()
            .expect("encode")
    }

    fn decrypt(m: &mut Member, message: &[u8]) -> Vec<u8> {
        match m
            .group()
            .process_incoming_message(decode(message))
            .expect("process")
        {
            ReceivedMessage::ApplicationMessage(a) => a.data().to_vec(),
            other => panic!("not an application message: {other:?}"),
        }
    }

    fn dup(m: &Member) -> Member {
        m.clone()
    }

    fn epoch_authenticator(m: &Member) -> Vec<u8> {
        m.group
            .as_ref()
            .and_then(|g| g.epoch_authenticator().ok())
            .map(|a| a.to_vec())
            .unwrap_or_default()
    }

    fn encoded_tree_len(m: &Member) -> Option<usize> {
        let tree = m.group.as_ref()?.export_tree().to_bytes().ok()?;
        Some(tree.len())
    }
}
