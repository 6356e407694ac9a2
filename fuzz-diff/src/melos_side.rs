//! The melos side: decode, validate and process, reduced to [`Verdict`]s.

use std::sync::Arc;

use melos::crypto::rust_crypto::RustCrypto;
use melos::framing::{MlsMessage, MlsMessageBody};
use melos::group::{Group, GroupConfig, ProcessedContent, PskStore, SigningIdentity};
use melos::messages::{ExtensionType, KeyPackageBundle};
use melos::ratchet_tree::{RatchetTree, TreeValidation, TreeView};
use melos::{CipherSuite, CryptoProvider};

use crate::Verdict;

/// Suite 1 (RFC 9420 §17.1), the one every fixture uses.
pub const SUITE: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;

/// The exporter label and length compared after an accepted Commit.
pub const EXPORTER_LABEL: &[u8] = b"melos differential fuzzing";

/// The default provider.
pub fn provider() -> Arc<dyn CryptoProvider> {
    Arc::new(RustCrypto::new())
}

/// Decodes an `MLSMessage`, or `None`.
pub fn decode(bytes: &[u8]) -> Option<MlsMessage> {
    MlsMessage::decode(bytes).ok()
}

/// Decodes a KeyPackage `MLSMessage` and validates it (RFC 9420 §10.1) at `now`; accepted
/// with the re-encoding and the key fields.
pub fn key_package(bytes: &[u8], now: u64) -> Verdict {
    let msg = match MlsMessage::decode(bytes) {
        Ok(m) => m,
        Err(e) => return Verdict::refused(e),
    };
    let MlsMessageBody::KeyPackage(kp) = &msg.body else {
        return Verdict::Refused("not a KeyPackage".into());
    };
    let p = provider();
    let cs = match p.suite(kp.cipher_suite) {
        Ok(cs) => cs,
        Err(e) => return Verdict::refused(e),
    };
    if let Err(e) = kp.validate(cs, now) {
        return Verdict::refused(e);
    }
    let encoding = match msg.encode() {
        Ok(b) => b,
        Err(e) => return Verdict::refused(e),
    };
    let reference = kp.key_package_ref(cs).map(|r| r.0).unwrap_or_default();
    Verdict::Accepted(vec![
        ("encoding", encoding),
        ("cipher_suite", kp.cipher_suite.0.to_be_bytes().to_vec()),
        ("init_key", kp.init_key.as_bytes().to_vec()),
        (
            "encryption_key",
            kp.leaf_node.encryption_key.as_bytes().to_vec(),
        ),
        (
            "signature_key",
            kp.leaf_node.signature_key.as_bytes().to_vec(),
        ),
        ("key_package_ref", reference),
    ])
}

/// Decodes a GroupInfo `MLSMessage` whose `ratchet_tree` extension carries the tree, then
/// checks it as a joiner does (RFC 9420 §12.4.3.1): the GroupInfo signature against the
/// signer's leaf, the tree hash, unmerged leaves, leaf capabilities, key uniqueness, parent
/// hashes and every leaf signature. Accepted with the group's key fields.
pub fn group_info(bytes: &[u8], now: Option<u64>) -> Verdict {
    let msg = match MlsMessage::decode(bytes) {
        Ok(m) => m,
        Err(e) => return Verdict::refused(e),
    };
    let MlsMessageBody::GroupInfo(gi) = &msg.body else {
        return Verdict::Refused("not a GroupInfo".into());
    };
    let p = provider();
    let ctx = &gi.group_context;
    let cs = match p.suite(ctx.cipher_suite) {
        Ok(cs) => cs,
        Err(e) => return Verdict::refused(e),
    };
    let Some(ext) = gi.extensions.get(ExtensionType::RATCHET_TREE) else {
        return Verdict::Refused("no ratchet_tree extension".into());
    };
    let mut tree = match RatchetTree::decode_extension(&ext.extension_data) {
        Ok(t) => t,
        Err(e) => return Verdict::refused(e),
    };
    let Some(signer) = tree
        .leaf(gi.signer)
        .map(|l| melos::crypto::SignaturePublicKey(l.signature_key().to_vec()))
    else {
        return Verdict::Refused("signer not in tree".into());
    };
    if let Err(e) = gi.verify_signature(cs, &signer) {
        return Verdict::refused(e);
    }
    let params = TreeValidation {
        group_id: &ctx.group_id,
        version: ctx.version,
        tree_hash: Some(&ctx.tree_hash),
        now,
    };
    if let Err(e) = tree.validate(cs, &params) {
        return Verdict::refused(e);
    }
    Verdict::Accepted(vec![
        ("group_id", ctx.group_id.clone()),
        ("epoch", ctx.epoch.to_be_bytes().to_vec()),
        ("tree_hash", ctx.tree_hash.clone()),
        (
            "confirmed_transcript_hash",
            ctx.confirmed_transcript_hash.clone(),
        ),
        ("signer", gi.signer.0.to_be_bytes().to_vec()),
    ])
}

/// The fields compared once a group is in a new epoch (joined, or a Commit merged).
pub fn epoch_fields(g: &Group) -> Vec<(&'static str, Vec<u8>)> {
    let exporter = g
        .export_secret(EXPORTER_LABEL, b"", 32)
        .map(|s| s.as_bytes().to_vec())
        .unwrap_or_default();
    vec![
        ("epoch", g.epoch().to_be_bytes().to_vec()),
        ("epoch_authenticator", g.epoch_authenticator().to_vec()),
        ("exporter", exporter),
    ]
}

/// A melos client that joins from Welcomes: its KeyPackage bundle and identity.
#[derive(Clone)]
pub struct Joiner {
    /// The KeyPackage and its private keys.
    pub bundle: KeyPackageBundle,
    /// The signing identity of the KeyPackage's leaf.
    pub identity: SigningIdentity,
}

/// Joins from a Welcome `MLSMessage` (the tree in its `ratchet_tree` extension).
pub fn join(joiner: &Joiner, bytes: &[u8]) -> Verdict {
    let msg = match MlsMessage::decode(bytes) {
        Ok(m) => m,
        Err(e) => return Verdict::refused(e),
    };
    match Group::join(
        provider(),
        &msg,
        &joiner.bundle,
        joiner.identity.clone(),
        None,
        GroupConfig::default(),
        &PskStore::new(),
    ) {
        Ok(g) => Verdict::Accepted(epoch_fields(&g)),
        Err(e) => Verdict::refused(e),
    }
}

/// Processes a message in a clone of `group`; a Commit is merged. Accepted with the
/// content kind and, for a Commit, the new epoch's fields; for application data, the data.
pub fn process(group: &Group, bytes: &[u8]) -> Verdict {
    let msg = match MlsMessage::decode(bytes) {
        Ok(m) => m,
        Err(e) => return Verdict::refused(e),
    };
    let mut g = group.clone();
    let processed = match g.process(&msg, None) {
        Ok(p) => p,
        Err(e) => return Verdict::refused(e),
    };
    match processed.content {
        ProcessedContent::Application(data) => Verdict::Accepted(vec![
            ("kind", b"application".to_vec()),
            ("data", data),
            ("authenticated_data", processed.authenticated_data),
        ]),
        ProcessedContent::Proposal(..) => Verdict::Accepted(vec![
            ("kind", b"proposal".to_vec()),
            ("authenticated_data", processed.authenticated_data),
        ]),
        ProcessedContent::Commit(staged) => {
            if let Err(e) = g.merge_staged_commit(*staged) {
                return Verdict::refused(e);
            }
            let mut fields = vec![("kind", b"commit".to_vec())];
            fields.extend(epoch_fields(&g));
            Verdict::Accepted(fields)
        }
    }
}

/// Re-signs a KeyPackage `MLSMessage` so that mutations reach the checks behind the
/// signatures (RFC 9420 §10.1): the leaf's `signature_key` is replaced by a key of the
/// KeyPackage's suite held here, then the leaf (as a `key_package` leaf) and the KeyPackage
/// are signed again. `None` if melos cannot decode it or does not implement the suite.
pub fn resign_key_package(bytes: &[u8]) -> Option<Vec<u8>> {
    use melos::messages::{Credential, LeafNodeSource};
    use melos::tree_math::LeafIndex;
    thread_local! {
        static KEYS: std::cell::RefCell<std::collections::HashMap<u16, SigningIdentity>> =
            Default::default();
    }
    let msg = MlsMessage::decode(bytes).ok()?;
    let MlsMessageBody::KeyPackage(mut kp) = msg.body else {
        return None;
    };
    let p = provider();
    let cs = p.suite(kp.cipher_suite).ok()?;
    let id = KEYS.with(|k| {
        let mut k = k.borrow_mut();
        if let Some(id) = k.get(&kp.cipher_suite.0) {
            return Some(id.clone());
        }
        let id = SigningIdentity::generate(cs, Credential::Basic(b"fuzz".to_vec())).ok()?;
        k.insert(kp.cipher_suite.0, id.clone());
        Some(id)
    })?;
    let keys = id.key_pair()?;
    kp.leaf_node.signature_key = keys.public_key.clone();
    // Only a `key_package` leaf is signed without group context (§7.2); others keep
    // whatever signature they had (they are refused for their source anyway).
    if matches!(kp.leaf_node.leaf_node_source, LeafNodeSource::KeyPackage(_)) {
        kp.leaf_node
            .sign(cs, &keys.private_key, &[], LeafIndex(0))
            .ok()?;
    }
    kp.sign(cs, keys).ok()?;
    MlsMessage::new(MlsMessageBody::KeyPackage(kp))
        .encode()
        .ok()
}
