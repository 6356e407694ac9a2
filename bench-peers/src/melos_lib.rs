//! melos with its default provider and configuration (`GroupConfig::default()`: handshakes
//! as PublicMessage, no padding). Commits with a path (`PathChoice::Always`, the default).

use std::sync::Arc;

use melos::crypto::rust_crypto::RustCrypto;
use melos::framing::{MlsMessage, MlsMessageBody};
use melos::group::{
    CommitOptions, Group, GroupConfig, ProcessedContent, PskStore, SigningIdentity,
};
use melos::messages::{Credential, KeyPackageBundle, Lifetime};
use melos::ratchet_tree::TreeView as _;
use melos::tree_math::LeafIndex;
use melos::{CipherSuite, CryptoProvider};

use crate::Lib;

const SUITE: CipherSuite = CipherSuite(1);

/// A melos client.
#[derive(Clone)]
pub struct Member {
    provider: Arc<dyn CryptoProvider>,
    identity: SigningIdentity,
    bundles: Vec<KeyPackageBundle>,
    group: Option<Group>,
}

/// melos.
pub struct Melos;

fn lifetime() -> Lifetime {
    let now = crate::now();
    Lifetime {
        not_before: now - 3600,
        not_after: now + 86_400 * 90,
    }
}

impl Member {
    fn group(&mut self) -> &mut Group {
        self.group.as_mut().expect("in a group")
    }
}

fn decode(bytes: &[u8]) -> MlsMessage {
    MlsMessage::decode(bytes).expect("decodes")
}

impl Lib for Melos {
    type Member = Member;
    const NAME: &'static str = "melos";

    fn client(i: usize) -> Member {
        let provider: Arc<dyn CryptoProvider> = Arc::new(RustCrypto::new());
        let cs = provider.suite(SUITE).expect("suite 1");
        let identity =
            SigningIdentity::generate(cs, Credential::Basic(format!("m{i}").into_bytes()))
                .expect("identity");
        Member {
            provider,
            identity,
            bundles: Vec::new(),
            group: None,
        }
    }

    fn key_package(m: &mut Member) -> Vec<u8> {
        let cs = m.provider.suite(SUITE).expect("suite 1");
        let bundle = m.identity.key_package(cs, lifetime()).expect("key package");
        let bytes = MlsMessage::new(MlsMessageBody::KeyPackage(bundle.key_package.clone()))
            .encode()
            .expect("encode");
        m.bundles.push(bundle);
        bytes
    }

    fn create_group(m: &mut Member) {
        m.group = Some(
            Group::create(
                m.provider.clone(),
                SUITE,
                b"bench-peers".to_vec(),
                m.identity.clone(),
                GroupConfig::default(),
            )
            .expect("create"),
        );
    }

    fn commit_add(m: &mut Member, key_packages: &[Vec<u8>]) -> (Vec<u8>, Vec<u8>) {
        let mut opts = CommitOptions::default().with_ratchet_tree();
        opts.now = Some(crate::now());
        for kp in key_packages {
            let MlsMessageBody::KeyPackage(kp) = decode(kp).body else {
                panic!("not a KeyPackage")
            };
            opts = opts.add_member(kp);
        }
        let out = m.group().commit(opts).expect("commit");
        (
            out.commit.encode().expect("encode"),
            out.welcome.expect("welcome").encode().expect("encode"),
        )
    }

    fn merge_pending(m: &mut Member) {
        m.group().merge_pending_commit().expect("merge");
    }

    fn join(m: &mut Member, welcome: &[u8]) {
        let welcome = decode(welcome);
        let bundle = m.bundles.last().expect("a KeyPackage");
        m.group = Some(
            Group::join(
                m.provider.clone(),
                &welcome,
                bundle,
                m.identity.clone(),
                None,
                GroupConfig::default(),
                &PskStore::new(),
            )
            .expect("join"),
        );
    }

    fn commit_path(m: &mut Member) -> Vec<u8> {
        let out = m.group().commit(CommitOptions::default()).expect("commit");
        out.commit.encode().expect("encode")
    }

    fn commit_remove(m: &mut Member, leaf: u32) -> Vec<u8> {
        let out = m
            .group()
            .commit(CommitOptions::default().remove_member(LeafIndex(leaf)))
            .expect("commit");
        out.commit.encode().expect("encode")
    }

    fn process_commit(m: &mut Member, commit: &[u8]) {
        let msg = decode(commit);
        let g = m.group();
        let ProcessedContent::Commit(staged) = g.process(&msg, None).expect("process").content
        else {
            panic!("not a Commit")
        };
        g.merge_staged_commit(*staged).expect("merge");
    }

    fn encrypt(m: &mut Member, data: &[u8]) -> Vec<u8> {
        let msg = m.group().encrypt_application(data, b"").expect("encrypt");
        msg.encode().expect("encode")
    }

    fn decrypt(m: &mut Member, message: &[u8]) -> Vec<u8> {
        let msg = decode(message);
        match m.group().process(&msg, None).expect("process").content {
            ProcessedContent::Application(data) => data,
            _ => panic!("not an application message"),
        }
    }

    fn dup(m: &Member) -> Member {
        m.clone()
    }

    fn epoch_authenticator(m: &Member) -> Vec<u8> {
        m.group
            .as_ref()
            .map(|g| g.epoch_authenticator().to_vec())
            .unwrap_or_default()
    }

    fn encoded_tree_len(m: &Member) -> Option<usize> {
        let tree = m.group.as_ref()?.ratchet_tree().encode_extension().ok()?;
        Some(tree.len())
    }
}
