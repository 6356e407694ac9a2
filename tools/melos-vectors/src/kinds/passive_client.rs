//! `passive-client-welcome`, `passive-client-handling-commit` and `passive-client-random`
//! vectors (README "Passive Client Scenarios"): join from the Welcome with the given
//! KeyPackage private keys, external PSKs and optional ratchet tree, check the epoch
//! authenticator, then for each epoch process the proposals and the Commit, merge it and
//! check the epoch authenticator again.

use std::sync::Arc;

use melos::crypto::rust_crypto::RustCrypto;
use melos::crypto::{HpkePrivateKey, Secret, SignaturePrivateKey};
use melos::framing::MlsMessage;
use melos::group::{Group, GroupConfig, ProcessedContent, PskStore, SigningIdentity};
use melos::messages::{KeyPackage, KeyPackageBundle};
use melos::{CipherSuite, CryptoProvider};
use serde_json::Value;

use crate::Report;
use crate::util::{check_eq, hex_field, suite_of};

/// Verifies every case.
pub fn verify(cases: &[Value], report: &mut Report) -> bool {
    let provider: Arc<dyn CryptoProvider> = Arc::new(RustCrypto::new());
    for (i, case) in cases.iter().enumerate() {
        let suite = suite_of(case);
        match suite.filter(|s| provider.cipher_suite_provider(CipherSuite(*s)).is_some()) {
            Some(s) => report.record(suite, i, verify_case(&provider, CipherSuite(s), case)),
            None => report.fail(suite, i, "cipher suite not supported"),
        }
    }
    true
}

fn err<E: std::fmt::Display>(what: &str) -> impl Fn(E) -> String + '_ {
    move |e| format!("{what}: {e}")
}

fn message(case: &Value, key: &str) -> Result<MlsMessage, String> {
    MlsMessage::decode(&hex_field(case, key)?).map_err(err(key))
}

/// Some generators strip leading zero bytes of P-521 private scalars (66 bytes in the HPKE
/// `SerializePrivateKey` form, RFC 9180 §7.1.2): restore them.
fn scalar(suite: CipherSuite, mut key: Vec<u8>) -> Vec<u8> {
    if suite == CipherSuite(5) && key.len() < 66 {
        let mut padded = vec![0u8; 66 - key.len()];
        padded.append(&mut key);
        return padded;
    }
    key
}

fn verify_case(
    provider: &Arc<dyn CryptoProvider>,
    suite: CipherSuite,
    case: &Value,
) -> Result<(), String> {
    let cs = provider.suite(suite).map_err(err("suite"))?;
    let kp_msg = message(case, "key_package")?;
    let melos::framing::MlsMessageBody::KeyPackage(key_package) = kp_msg.body else {
        return Err("key_package is not a KeyPackage".into());
    };
    let key_package: KeyPackage = key_package;
    let identity = SigningIdentity::from_private_key(
        cs,
        key_package.leaf_node.credential.clone(),
        SignaturePrivateKey::new(hex_field(case, "signature_priv")?),
    )
    .map_err(err("signature_priv"))?;
    check_eq(
        "signature key",
        identity.signature_public_key().as_bytes(),
        key_package.leaf_node.signature_key.as_bytes(),
    )?;
    let init_private_key = HpkePrivateKey::new(scalar(suite, hex_field(case, "init_priv")?));
    let encryption_private_key =
        HpkePrivateKey::new(scalar(suite, hex_field(case, "encryption_priv")?));
    check_eq(
        "init key",
        &cs.kem_public_key(&init_private_key)
            .map_err(err("init_priv"))?,
        key_package.init_key.as_bytes(),
    )?;
    check_eq(
        "encryption key",
        &cs.kem_public_key(&encryption_private_key)
            .map_err(err("encryption_priv"))?,
        key_package.leaf_node.encryption_key.as_bytes(),
    )?;
    let bundle = KeyPackageBundle {
        key_package,
        init_private_key,
        encryption_private_key,
    };
    let mut psks = PskStore::new();
    for p in case["external_psks"].as_array().into_iter().flatten() {
        psks.insert(hex_field(p, "psk_id")?, Secret::new(hex_field(p, "psk")?));
    }
    let tree = match &case["ratchet_tree"] {
        Value::Null => None,
        _ => Some(hex_field(case, "ratchet_tree")?),
    };
    let welcome = message(case, "welcome")?;
    let mut group = Group::join(
        provider.clone(),
        &welcome,
        &bundle,
        identity,
        tree.as_deref(),
        GroupConfig::default(),
        &psks,
    )
    .map_err(err("join"))?;
    check_eq(
        "initial epoch authenticator",
        group.epoch_authenticator(),
        &hex_field(case, "initial_epoch_authenticator")?,
    )?;
    for (e, epoch) in case["epochs"].as_array().into_iter().flatten().enumerate() {
        for (j, p) in epoch["proposals"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let bytes = hex::decode(p.as_str().unwrap_or_default()).map_err(err("hex"))?;
            let msg = MlsMessage::decode(&bytes).map_err(err("proposal"))?;
            group
                .process(&msg, None)
                .map_err(|x| format!("epoch {e} proposal {j}: {x}"))?;
        }
        let commit = message(epoch, "commit")?;
        let processed = group
            .process(&commit, None)
            .map_err(|x| format!("epoch {e} commit: {x}"))?;
        let ProcessedContent::Commit(staged) = processed.content else {
            return Err(format!("epoch {e}: not a commit"));
        };
        group
            .merge_staged_commit(*staged)
            .map_err(|x| format!("epoch {e} merge: {x}"))?;
        check_eq(
            &format!("epoch {e} authenticator"),
            group.epoch_authenticator(),
            &hex_field(epoch, "epoch_authenticator")?,
        )?;
    }
    Ok(())
}
