//! The OpenMLS 0.9 side (the same glue as `interop/openmls-peer`): clients whose whole state
//! lives in the provider's memory storage, snapshotted once and restored per input.

use std::collections::HashMap;

use openmls::group::ProposalStore;
use openmls::prelude::tls_codec::{Deserialize as _, Serialize as _};
use openmls::prelude::{
    BasicCredential, Ciphersuite, CredentialWithKey, GroupId, KeyPackage,
    MIXED_PLAINTEXT_WIRE_FORMAT_POLICY, MlsGroup, MlsGroupCreateConfig, MlsGroupJoinConfig,
    MlsMessageBodyIn, MlsMessageIn, MlsMessageOut, OpenMlsProvider as _, ProcessedMessageContent,
    ProtocolVersion, PublicGroup, StagedWelcome,
};
use openmls_basic_credential::SignatureKeyPair;
use openmls_rust_crypto::OpenMlsRustCrypto;

use crate::Verdict;
use crate::melos_side::EXPORTER_LABEL;

/// Suite 1 (RFC 9420 §17.1).
pub const SUITE: Ciphersuite = Ciphersuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;

/// The suites OpenMLS's RustCrypto provider implements (validation verdicts are compared
/// only for these).
pub fn supports(suite: u16) -> bool {
    matches!(suite, 1..=3)
}

/// An OpenMLS client: provider (with its storage), signer and credential.
pub struct Client {
    /// Crypto and storage.
    pub provider: OpenMlsRustCrypto,
    /// The signature key pair.
    pub signer: SignatureKeyPair,
    /// The credential and public signature key.
    pub credential: CredentialWithKey,
}

/// A snapshot of a client's storage.
pub type Snapshot = HashMap<Vec<u8>, Vec<u8>>;

impl Client {
    /// A fresh client with a basic credential `name`.
    pub fn new(name: &str) -> Self {
        let signer = SignatureKeyPair::new(SUITE.signature_algorithm()).expect("signer");
        Self::with_signer(name, signer)
    }

    /// A client with a basic credential `name` and the given signature key pair.
    pub fn with_signer(name: &str, signer: SignatureKeyPair) -> Self {
        let credential = CredentialWithKey {
            credential: BasicCredential::new(name.as_bytes().to_vec()).into(),
            signature_key: signer.public().into(),
        };
        Client {
            provider: OpenMlsRustCrypto::default(),
            signer,
            credential,
        }
    }

    /// PublicMessage handshakes accepted and sent, the ratchet tree in Welcomes.
    pub fn join_config() -> MlsGroupJoinConfig {
        MlsGroupJoinConfig::builder()
            .wire_format_policy(MIXED_PLAINTEXT_WIRE_FORMAT_POLICY)
            .use_ratchet_tree_extension(true)
            .build()
    }

    /// Creates a group (ratchet tree in Welcomes, mixed wire formats).
    pub fn create_group(&self) -> MlsGroup {
        let config = MlsGroupCreateConfig::builder()
            .ciphersuite(SUITE)
            .wire_format_policy(MIXED_PLAINTEXT_WIRE_FORMAT_POLICY)
            .use_ratchet_tree_extension(true)
            .build();
        MlsGroup::new(
            &self.provider,
            &self.signer,
            &config,
            self.credential.clone(),
        )
        .expect("create group")
    }

    /// A fresh KeyPackage `MLSMessage` (private keys in storage) and its bundle's private
    /// init key.
    pub fn key_package(&self) -> (Vec<u8>, Vec<u8>) {
        let bundle = KeyPackage::builder()
            .build(SUITE, &self.provider, &self.signer, self.credential.clone())
            .expect("key package");
        let bytes = MlsMessageOut::from(bundle.key_package().clone())
            .to_bytes()
            .expect("encode");
        (bytes, bundle.init_private_key().to_vec())
    }

    /// Adds KeyPackages by one Commit, merged: returns the Commit and the Welcome.
    pub fn add(&self, group: &mut MlsGroup, key_packages: &[Vec<u8>]) -> (Vec<u8>, Vec<u8>) {
        let kps: Vec<KeyPackage> = key_packages
            .iter()
            .map(|b| match message_in(b).map(|m| m.extract()) {
                Some(MlsMessageBodyIn::KeyPackage(kp)) => kp
                    .validate(self.provider.crypto(), ProtocolVersion::Mls10)
                    .expect("valid key package"),
                _ => panic!("not a KeyPackage"),
            })
            .collect();
        let (commit, welcome, _) = group
            .add_members(&self.provider, &self.signer, &kps)
            .expect("add");
        group.merge_pending_commit(&self.provider).expect("merge");
        (
            commit.to_bytes().expect("encode"),
            welcome.to_bytes().expect("encode"),
        )
    }

    /// Joins from a Welcome `MLSMessage`.
    pub fn join(&self, welcome: &[u8]) -> Result<MlsGroup, String> {
        let Some(MlsMessageBodyIn::Welcome(welcome)) = message_in(welcome).map(|m| m.extract())
        else {
            return Err("not a Welcome".into());
        };
        StagedWelcome::new_from_welcome(&self.provider, &Self::join_config(), welcome, None)
            .and_then(|staged| staged.into_group(&self.provider))
            .map_err(|e| format!("{e:?}"))
    }

    /// A copy of the storage.
    pub fn snapshot(&self) -> Snapshot {
        self.provider
            .storage()
            .values
            .read()
            .map(|v| v.clone())
            .unwrap_or_default()
    }

    /// Puts the storage back as it was in `snapshot`.
    pub fn restore(&self, snapshot: &Snapshot) {
        if let Ok(mut v) = self.provider.storage().values.write() {
            *v = snapshot.clone();
        }
    }

    /// The fields compared in a new epoch.
    pub fn epoch_fields(&self, g: &MlsGroup) -> Vec<(&'static str, Vec<u8>)> {
        let label = core::str::from_utf8(EXPORTER_LABEL).unwrap_or_default();
        let exporter = g
            .export_secret(self.provider.crypto(), label, b"", 32)
            .unwrap_or_default();
        vec![
            ("epoch", g.epoch().as_u64().to_be_bytes().to_vec()),
            (
                "epoch_authenticator",
                g.epoch_authenticator().as_slice().to_vec(),
            ),
            ("exporter", exporter),
        ]
    }

    /// Joins from a (possibly mutated) Welcome with the storage reset to `snapshot`.
    pub fn join_verdict(&self, snapshot: &Snapshot, welcome: &[u8]) -> Verdict {
        self.restore(snapshot);
        match self.join(welcome) {
            Ok(g) => Verdict::Accepted(self.epoch_fields(&g)),
            Err(e) => Verdict::Refused(e),
        }
    }

    /// Processes a message in group `group_id` loaded from `snapshot`; a Commit is merged.
    pub fn process_verdict(&self, snapshot: &Snapshot, group_id: &[u8], bytes: &[u8]) -> Verdict {
        self.restore(snapshot);
        let Ok(Some(mut group)) =
            MlsGroup::load(self.provider.storage(), &GroupId::from_slice(group_id))
        else {
            return Verdict::Refused("group not in storage".into());
        };
        let Some(msg) = message_in(bytes) else {
            return Verdict::Refused("decode".into());
        };
        let message = match msg.try_into_protocol_message() {
            Ok(m) => m,
            Err(e) => return Verdict::refused(e),
        };
        let processed = match group.process_message(&self.provider, message) {
            Ok(p) => p,
            Err(e) => return Verdict::refused(e),
        };
        let aad = processed.aad().to_vec();
        match processed.into_content() {
            ProcessedMessageContent::ApplicationMessage(m) => Verdict::Accepted(vec![
                ("kind", b"application".to_vec()),
                ("data", m.into_bytes()),
                ("authenticated_data", aad),
            ]),
            ProcessedMessageContent::ProposalMessage(_)
            | ProcessedMessageContent::ExternalJoinProposalMessage(_) => Verdict::Accepted(vec![
                ("kind", b"proposal".to_vec()),
                ("authenticated_data", aad),
            ]),
            ProcessedMessageContent::OwnPendingCommit
            | ProcessedMessageContent::OwnPrivateMessage => Verdict::Refused("own message".into()),
            ProcessedMessageContent::StagedCommitMessage(staged) => {
                if let Err(e) = group.merge_staged_commit(&self.provider, *staged) {
                    return Verdict::refused(e);
                }
                let mut fields = vec![("kind", b"commit".to_vec())];
                fields.extend(self.epoch_fields(&group));
                Verdict::Accepted(fields)
            }
        }
    }
}

/// Decodes an `MLSMessage` that fills `bytes` exactly.
pub fn message_in(bytes: &[u8]) -> Option<MlsMessageIn> {
    MlsMessageIn::tls_deserialize_exact(bytes).ok()
}

/// Decodes a KeyPackage `MLSMessage` and validates it (`KeyPackageIn::validate`: leaf and
/// KeyPackage signatures, version, `init_key` != `encryption_key`, extensions in the
/// capabilities, lifetime against the system clock).
pub fn key_package(crypto: &OpenMlsRustCrypto, bytes: &[u8]) -> Verdict {
    let Some(msg) = message_in(bytes) else {
        return Verdict::Refused("decode".into());
    };
    let MlsMessageBodyIn::KeyPackage(kp) = msg.extract() else {
        return Verdict::Refused("not a KeyPackage".into());
    };
    let kp = match kp.validate(crypto.crypto(), ProtocolVersion::Mls10) {
        Ok(kp) => kp,
        Err(e) => return Verdict::refused(e),
    };
    let encoding = MlsMessageOut::from(kp.clone())
        .to_bytes()
        .unwrap_or_default();
    let reference = kp
        .hash_ref(crypto.crypto())
        .map(|r| r.as_slice().to_vec())
        .unwrap_or_default();
    Verdict::Accepted(vec![
        ("encoding", encoding),
        (
            "cipher_suite",
            u16::from(kp.ciphersuite()).to_be_bytes().to_vec(),
        ),
        ("init_key", kp.hpke_init_key().as_slice().to_vec()),
        (
            "signature_key",
            kp.leaf_node().signature_key().as_slice().to_vec(),
        ),
        ("key_package_ref", reference),
    ])
}

/// Decodes a GroupInfo `MLSMessage` and builds a `PublicGroup` from it and the tree in its
/// `ratchet_tree` extension (`PublicGroup::from_external`: GroupInfo signature, tree hash,
/// parent hashes, leaf signatures and the other §12.4.3.1 checks OpenMLS makes).
pub fn group_info(crypto: &OpenMlsRustCrypto, bytes: &[u8]) -> Verdict {
    let Some(msg) = message_in(bytes) else {
        return Verdict::Refused("decode".into());
    };
    let MlsMessageBodyIn::GroupInfo(vgi) = msg.extract() else {
        return Verdict::Refused("not a GroupInfo".into());
    };
    let Some(tree) = vgi
        .extensions()
        .ratchet_tree()
        .map(|t| t.ratchet_tree().clone())
    else {
        return Verdict::Refused("no ratchet_tree extension".into());
    };
    let storage = openmls_rust_crypto::MemoryStorage::default();
    match PublicGroup::from_external(crypto.crypto(), &storage, tree, vgi, ProposalStore::new()) {
        Ok((_, gi)) => {
            let ctx = gi.group_context();
            let signer = gi_signer(&gi);
            Verdict::Accepted(vec![
                ("group_id", ctx.group_id().as_slice().to_vec()),
                ("epoch", ctx.epoch().as_u64().to_be_bytes().to_vec()),
                ("tree_hash", ctx.tree_hash().to_vec()),
                (
                    "confirmed_transcript_hash",
                    ctx.confirmed_transcript_hash().to_vec(),
                ),
                ("signer", signer),
            ])
        }
        Err(e) => Verdict::refused(e),
    }
}

/// The signer index of a verified GroupInfo, from its encoding: the `uint32` after the
/// GroupContext, extensions and confirmation tag, i.e. before the trailing signature.
fn gi_signer(gi: &openmls::messages::group_info::GroupInfo) -> Vec<u8> {
    let Ok(bytes) = gi.tls_serialize_detached() else {
        return Vec::new();
    };
    // signature<V> at the end: a varint length then the bytes.
    let sig_len = openmls::prelude::tls_codec::Size::tls_serialized_len(gi.signature());
    let end = bytes.len().saturating_sub(sig_len);
    bytes
        .get(end.saturating_sub(4)..end)
        .map(|s| s.to_vec())
        .unwrap_or_default()
}

impl Client {
    /// An application message.
    pub fn send(&self, group: &mut MlsGroup, text: &[u8]) -> Option<Vec<u8>> {
        group
            .create_message(&self.provider, &self.signer, text)
            .ok()?
            .to_bytes()
            .ok()
    }
}

/// The private key of a stored KeyPackage's leaf encryption key (OpenMLS keeps it only in
/// its storage, as JSON; no public getter outside its `test-utils` feature): the first
/// byte array under a `private_encryption_key` field.
pub fn stored_encryption_private_key(snapshot: &Snapshot) -> Option<Vec<u8>> {
    snapshot.values().find_map(|v| {
        let json: serde_json::Value = serde_json::from_slice(v).ok()?;
        let field = find_field(&json, "private_encryption_key")?;
        first_byte_array(field)
    })
}

fn find_field<'a>(v: &'a serde_json::Value, name: &str) -> Option<&'a serde_json::Value> {
    match v {
        serde_json::Value::Object(map) => map
            .get(name)
            .or_else(|| map.values().find_map(|x| find_field(x, name))),
        serde_json::Value::Array(items) => items.iter().find_map(|x| find_field(x, name)),
        _ => None,
    }
}

fn first_byte_array(v: &serde_json::Value) -> Option<Vec<u8>> {
    match v {
        serde_json::Value::Array(items)
            if !items.is_empty() && items.iter().all(|x| x.is_u64()) =>
        {
            items
                .iter()
                .map(|x| x.as_u64().and_then(|n| u8::try_from(n).ok()))
                .collect()
        }
        serde_json::Value::Array(items) => items.iter().find_map(first_byte_array),
        serde_json::Value::Object(map) => map.values().find_map(first_byte_array),
        _ => None,
    }
}
