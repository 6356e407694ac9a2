//! OpenMLS 0.9.2 with `openmls_rust_crypto` 0.6.0 (RustCrypto and the in-memory storage)
//! and basic credentials.
//!
//! Settings that differ from OpenMLS's defaults (see README.md): the wire format policy
//! `MIXED_PLAINTEXT_WIRE_FORMAT_POLICY` (handshakes sent as PublicMessage; the default
//! `PURE_CIPHERTEXT_WIRE_FORMAT_POLICY` sends them as PrivateMessage) and
//! `use_ratchet_tree_extension(true)` (the tree in the Welcome; off by default). Padding
//! stays at its default, 0.
//!
//! OpenMLS keeps a group's state in the provider's storage: a copy of a member ([`Lib::dup`])
//! copies the storage and loads the group from it.

use std::sync::Arc;

use openmls::prelude::tls_codec::{Deserialize as _, Serialize as _};
use openmls::prelude::{
    BasicCredential, Ciphersuite, CredentialWithKey, KeyPackage, LeafNodeIndex, LeafNodeParameters,
    MIXED_PLAINTEXT_WIRE_FORMAT_POLICY, MlsGroup, MlsGroupCreateConfig, MlsGroupJoinConfig,
    MlsMessageBodyIn, MlsMessageIn, MlsMessageOut, OpenMlsProvider as _, ProcessedMessageContent,
    ProtocolVersion, StagedWelcome,
};
use openmls_basic_credential::SignatureKeyPair;
use openmls_rust_crypto::OpenMlsRustCrypto;

use crate::Lib;

const SUITE: Ciphersuite = Ciphersuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;

/// An OpenMLS client: provider (with its storage), signer, credential and group.
pub struct Member {
    provider: OpenMlsRustCrypto,
    signer: Arc<SignatureKeyPair>,
    credential: CredentialWithKey,
    group: Option<MlsGroup>,
}

/// OpenMLS.
pub struct OpenMls;

fn message_in(bytes: &[u8]) -> MlsMessageBodyIn {
    MlsMessageIn::tls_deserialize_exact(bytes)
        .expect("decodes")
        .extract()
}

fn join_config() -> MlsGroupJoinConfig {
    MlsGroupJoinConfig::builder()
        .wire_format_policy(MIXED_PLAINTEXT_WIRE_FORMAT_POLICY)
        .use_ratchet_tree_extension(true)
        .build()
}

impl Member {
    fn parts(&mut self) -> (&mut MlsGroup, &OpenMlsRustCrypto, &SignatureKeyPair) {
        (
            self.group.as_mut().expect("in a group"),
            &self.provider,
            &self.signer,
        )
    }
}

impl Lib for OpenMls {
    type Member = Member;
    const NAME: &'static str = "openmls";

    fn client(i: usize) -> Member {
        let signer = SignatureKeyPair::new(SUITE.signature_algorithm()).expect("signer");
        let credential = CredentialWithKey {
            credential: BasicCredential::new(format!("m{i}").into_bytes()).into(),
            signature_key: signer.public().into(),
        };
        Member {
            provider: OpenMlsRustCrypto::default(),
            signer: Arc::new(signer),
            credential,
            group: None,
        }
    }

    fn key_package(m: &mut Member) -> Vec<u8> {
        let bundle = KeyPackage::builder()
            .build(SUITE, &m.provider, &*m.signer, m.credential.clone())
            .expect("key package");
        MlsMessageOut::from(bundle.key_package().clone())
            .to_bytes()
            .expect("encode")
    }

    fn create_group(m: &mut Member) {
        let config = MlsGroupCreateConfig::builder()
            .ciphersuite(SUITE)
            .wire_format_policy(MIXED_PLAINTEXT_WIRE_FORMAT_POLICY)
            .use_ratchet_tree_extension(true)
            .build();
        m.group = Some(
            MlsGroup::new(&m.provider, &*m.signer, &config, m.credential.clone()).expect("create"),
        );
    }

    fn commit_add(m: &mut Member, key_packages: &[Vec<u8>]) -> (Vec<u8>, Vec<u8>) {
        let (group, provider, signer) = m.parts();
        let kps: Vec<KeyPackage> = key_packages
            .iter()
            .map(|b| match message_in(b) {
                MlsMessageBodyIn::KeyPackage(kp) => kp
                    .validate(provider.crypto(), ProtocolVersion::Mls10)
                    .expect("valid key package"),
                _ => panic!("not a KeyPackage"),
            })
            .collect();
        let (commit, welcome, _) = group.add_members(provider, signer, &kps).expect("add");
        (
            commit.to_bytes().expect("encode"),
            welcome.to_bytes().expect("encode"),
        )
    }

    fn merge_pending(m: &mut Member) {
        let (group, provider, _) = m.parts();
        group.merge_pending_commit(provider).expect("merge");
    }

    fn join(m: &mut Member, welcome: &[u8]) {
        let MlsMessageBodyIn::Welcome(welcome) = message_in(welcome) else {
            panic!("not a Welcome")
        };
        let group = StagedWelcome::new_from_welcome(&m.provider, &join_config(), welcome, None)
            .expect("welcome")
            .into_group(&m.provider)
            .expect("join");
        m.group = Some(group);
    }

    fn commit_path(m: &mut Member) -> Vec<u8> {
        let (group, provider, signer) = m.parts();
        let bundle = group
            .self_update(provider, signer, LeafNodeParameters::default())
            .expect("commit");
        let (commit, _, _) = bundle.into_contents();
        commit.to_bytes().expect("encode")
    }

    fn commit_remove(m: &mut Member, leaf: u32) -> Vec<u8> {
        let (group, provider, signer) = m.parts();
        let (commit, _, _) = group
            .remove_members(provider, signer, &[LeafNodeIndex::new(leaf)])
            .expect("commit");
        commit.to_bytes().expect("encode")
    }

    fn process_commit(m: &mut Member, commit: &[u8]) {
        let (group, provider, _) = m.parts();
        let msg = MlsMessageIn::tls_deserialize_exact(commit).expect("decodes");
        let protocol = msg.try_into_protocol_message().expect("protocol message");
        let processed = group.process_message(provider, protocol).expect("process");
        match processed.into_content() {
            ProcessedMessageContent::StagedCommitMessage(staged) => {
                group.merge_staged_commit(provider, *staged).expect("merge")
            }
            _ => panic!("not a Commit"),
        }
    }

    fn encrypt(m: &mut Member, data: &[u8]) -> Vec<u8> {
        let (group, provider, signer) = m.parts();
        group
            .create_message(provider, signer, data)
            .expect("encrypt")
            .to_bytes()
            .expect("encode")
    }

    fn decrypt(m: &mut Member, message: &[u8]) -> Vec<u8> {
        let (group, provider, _) = m.parts();
        let msg = MlsMessageIn::tls_deserialize_exact(message).expect("decodes");
        let protocol = msg.try_into_protocol_message().expect("protocol message");
        let processed = group.process_message(provider, protocol).expect("process");
        match processed.into_content() {
            ProcessedMessageContent::ApplicationMessage(a) => a.into_bytes(),
            _ => panic!("not an application message"),
        }
    }

    fn dup(m: &Member) -> Member {
        let provider = OpenMlsRustCrypto::default();
        let values = m.provider.storage().values.read().expect("storage").clone();
        *provider.storage().values.write().expect("storage") = values;
        let group = m.group.as_ref().map(|g| {
            MlsGroup::load(provider.storage(), g.group_id())
                .expect("load")
                .expect("stored")
        });
        Member {
            provider,
            signer: m.signer.clone(),
            credential: m.credential.clone(),
            group,
        }
    }

    fn epoch_authenticator(m: &Member) -> Vec<u8> {
        m.group
            .as_ref()
            .map(|g| g.epoch_authenticator().as_slice().to_vec())
            .unwrap_or_default()
    }

    fn encoded_tree_len(m: &Member) -> Option<usize> {
        let tree = m.group.as_ref()?.export_ratchet_tree();
        tree.tls_serialize_detached().ok().map(|b| b.len())
    }
}
