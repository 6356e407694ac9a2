//! melos and OpenMLS 0.9.2 (crates.io, feature `draft-ietf-mls-pq-ciphersuites`) in one
//! group, for every suite of draft-ietf-mls-pq-ciphersuites both implement, melos speaking
//! OpenMLS's code points (`RustCrypto::with_pq_code_point`). See DIFFERENCES.md.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use melos::crypto::PqSuite;
use melos::crypto::rust_crypto::{RustCrypto, hpke_pq};
use melos::framing::{MlsMessage, MlsMessageBody};
use melos::group::{
    CommitOptions, Group, GroupConfig, KeyPackageOptions, ProcessedContent, PskStore,
    SigningIdentity,
};
use melos::messages::{Credential, Lifetime};
use melos::{CipherSuite, CryptoProvider};
use openmls::prelude::tls_codec::Deserialize as _;
use openmls::prelude::{
    BasicCredential, Ciphersuite, CredentialWithKey, KeyPackage, LeafNodeParameters,
    MIXED_PLAINTEXT_WIRE_FORMAT_POLICY, MlsGroup, MlsMessageBodyIn, MlsMessageIn,
    OpenMlsProvider as _, ProcessedMessageContent, ProtocolVersion,
};
use openmls_basic_credential::SignatureKeyPair;
use openmls_rust_crypto::OpenMlsRustCrypto;
use openmls_traits::crypto::OpenMlsCrypto as _;

/// The eight suites OpenMLS 0.9.2 implements, as (melos's suite, OpenMLS's suite).
fn shared_suites() -> Vec<(PqSuite, Ciphersuite)> {
    PqSuite::ALL
        .into_iter()
        .filter_map(|s| {
            let cp = s.openmls_code_point()?;
            Some((s, Ciphersuite::try_from(cp.0).unwrap()))
        })
        .collect()
}

/// melos's provider with every shared suite registered at OpenMLS's value.
fn provider() -> Arc<dyn CryptoProvider> {
    let mut p = RustCrypto::new();
    for (s, cs) in shared_suites() {
        p = p.with_pq_code_point(s, CipherSuite(cs as u16)).unwrap();
    }
    Arc::new(p)
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn decode(bytes: &[u8]) -> MlsMessage {
    MlsMessage::decode(bytes).unwrap()
}

fn message_in(bytes: &[u8]) -> MlsMessageIn {
    MlsMessageIn::tls_deserialize_exact(bytes).unwrap()
}

fn err<E: std::fmt::Debug>(stage: &str) -> impl FnOnce(E) -> String + '_ {
    move |e| format!("{stage}: {e:?}")
}

/// How far one suite got; every stage after the first failure is not attempted.
#[derive(Debug, Default, PartialEq, Eq)]
struct Outcome {
    /// OpenMLS created the group, added melos; melos joined from the Welcome and agrees on
    /// the epoch authenticator and an exporter output.
    welcome: bool,
    /// Application messages both ways in that epoch.
    application: bool,
    /// A melos Commit with an UpdatePath, processed by OpenMLS (which decrypts a path secret
    /// to its own leaf's HPKE key).
    melos_commit: bool,
    /// An OpenMLS Commit with an UpdatePath, processed by melos.
    openmls_commit: bool,
    /// The first failure, if any.
    failure: Option<String>,
}

fn run(suite: PqSuite, cs: Ciphersuite) -> Outcome {
    let mut o = Outcome::default();
    if let Err(e) = scenario(suite, cs, &mut o) {
        o.failure = Some(e);
    }
    o
}

fn scenario(_suite: PqSuite, cs: Ciphersuite, o: &mut Outcome) -> Result<(), String> {
    let suite = CipherSuite(cs as u16);
    let p = provider();
    // OpenMLS: Alice creates the group.
    let om = OpenMlsRustCrypto::default();
    let signer = SignatureKeyPair::new(cs.signature_algorithm()).map_err(err("om signer"))?;
    let credential = CredentialWithKey {
        credential: BasicCredential::new(b"alice".to_vec()).into(),
        signature_key: signer.public().into(),
    };
    let mut alice = MlsGroup::builder()
        .ciphersuite(cs)
        .use_ratchet_tree_extension(true)
        .with_wire_format_policy(MIXED_PLAINTEXT_WIRE_FORMAT_POLICY)
        .build(&om, &signer, credential)
        .map_err(err("om create"))?;

    // melos: Bob's KeyPackage.
    let cs_p = p.suite(suite).map_err(err("melos suite"))?;
    let bob_id = SigningIdentity::generate(cs_p, Credential::Basic(b"bob".to_vec()))
        .map_err(err("melos identity"))?;
    let lifetime = Lifetime {
        not_before: now() - 3600,
        not_after: now() + 86_400,
    };
    let bob_kp = bob_id
        .key_package_with(cs_p, KeyPackageOptions::new(lifetime))
        .map_err(err("melos key package"))?;
    let kp_bytes = MlsMessage::new(MlsMessageBody::KeyPackage(bob_kp.key_package.clone()))
        .encode()
        .map_err(err("encode kp"))?;
    let MlsMessageBodyIn::KeyPackage(kp) = message_in(&kp_bytes).extract() else {
        return Err("not a KeyPackage".into());
    };
    let kp: KeyPackage = kp
        .validate(om.crypto(), ProtocolVersion::Mls10)
        .map_err(err("om validates melos KeyPackage"))?;
    let (_commit, welcome, _) = alice
        .add_members(&om, &signer, &[kp])
        .map_err(err("om add"))?;
    alice.merge_pending_commit(&om).map_err(err("om merge add"))?;
    let welcome = welcome.to_bytes().map_err(err("om welcome bytes"))?;
    let mut bob = Group::join(
        p.clone(),
        &decode(&welcome),
        &bob_kp,
        bob_id,
        None,
        GroupConfig::default(),
        &PskStore::new(),
    )
    .map_err(err("melos joins from OpenMLS Welcome"))?;
    let same_epoch = |alice: &MlsGroup, bob: &Group, stage: &str| -> Result<(), String> {
        if alice.epoch_authenticator().as_slice() != bob.epoch_authenticator() {
            return Err(format!("{stage}: epoch authenticators differ"));
        }
        let theirs = alice
            .export_secret(om.crypto(), "pq interop", b"ctx", 32)
            .map_err(err("om exporter"))?;
        let ours = bob
            .export_secret(b"pq interop", b"ctx", 32)
            .map_err(err("melos exporter"))?;
        if theirs.as_slice() != ours.as_bytes() {
            return Err(format!("{stage}: exporter outputs differ"));
        }
        Ok(())
    };
    same_epoch(&alice, &bob, "welcome")?;
    o.welcome = true;

    // Application messages both ways.
    let m = bob
        .encrypt_application(b"hello from melos", b"")
        .map_err(err("melos encrypt"))?
        .encode()
        .map_err(err("melos encode"))?;
    let got = om_receive(&om, &mut alice, &m)?;
    let ProcessedMessageContent::ApplicationMessage(got) = got else {
        return Err("om: not an application message".into());
    };
    if got.into_bytes() != b"hello from melos" {
        return Err("om decrypted other bytes".into());
    }
    let m = alice
        .create_message(&om, &signer, b"hello from OpenMLS")
        .map_err(err("om encrypt"))?
        .to_bytes()
        .map_err(err("om encode"))?;
    match bob
        .process(&decode(&m), None)
        .map_err(err("melos decrypts OpenMLS application message"))?
        .content
    {
        ProcessedContent::Application(d) if d == b"hello from OpenMLS" => {}
        _ => return Err("melos: not the application message".into()),
    }
    o.application = true;

    // melos commits with a path; OpenMLS follows.
    let out = bob
        .commit(CommitOptions::default())
        .map_err(err("melos commit"))?;
    bob.merge_pending_commit().map_err(err("melos merge"))?;
    let commit = out.commit.encode().map_err(err("melos commit encode"))?;
    match om_receive(&om, &mut alice, &commit)? {
        ProcessedMessageContent::StagedCommitMessage(staged) => alice
            .merge_staged_commit(&om, *staged)
            .map_err(err("om merge melos commit"))?,
        _ => return Err("om: not a Commit".into()),
    }
    same_epoch(&alice, &bob, "melos commit")?;
    o.melos_commit = true;

    // OpenMLS commits with a path; melos follows.
    let bundle = alice
        .self_update(&om, &signer, LeafNodeParameters::default())
        .map_err(err("om self_update"))?;
    alice.merge_pending_commit(&om).map_err(err("om merge update"))?;
    let commit = bundle
        .into_commit()
        .to_bytes()
        .map_err(err("om commit bytes"))?;
    match bob
        .process(&decode(&commit), None)
        .map_err(err("melos processes OpenMLS commit"))?
        .content
    {
        ProcessedContent::Commit(staged) => bob
            .merge_staged_commit(*staged)
            .map_err(err("melos merge OpenMLS commit"))?,
        _ => return Err("melos: not a Commit".into()),
    }
    same_epoch(&alice, &bob, "OpenMLS commit")?;
    o.openmls_commit = true;
    Ok(())
}

fn om_receive(
    om: &OpenMlsRustCrypto,
    group: &mut MlsGroup,
    bytes: &[u8],
) -> Result<ProcessedMessageContent, String> {
    let message = message_in(bytes)
        .try_into_protocol_message()
        .map_err(err("om protocol message"))?;
    Ok(group
        .process_message(om, message)
        .map_err(err("om process_message"))?
        .into_content())
}

#[test]
fn probe_all_shared_suites() {
    for (s, cs) in shared_suites() {
        let o = run(s, cs);
        println!("{s:?} ({:#06x}): {o:?}", cs as u16);
    }
}

/// `DeriveKeyPair(ikm)` of each shared suite's KEM: melos and OpenMLS from the same ikm.
#[test]
fn probe_derive_key_pair() {
    let om = OpenMlsRustCrypto::default();
    for (s, cs) in shared_suites() {
        let ikm = [7u8; 32];
        let kem = s.components().0;
        let ours = hpke_pq::derive_key_pair(kem, &ikm).unwrap();
        let theirs = om.crypto().derive_hpke_keypair(cs.hpke_config(), &ikm).unwrap();
        println!(
            "{s:?}: kem {:#06x} equal public keys: {}",
            kem.0,
            ours.public_key.as_bytes() == theirs.public.as_slice()
        );
    }
    let text = std::fs::read_to_string("../../../shared/test-vectors/hpke-pq/test-vectors.json")
        .unwrap();
    let vectors: serde_json::Value = serde_json::from_str(&text).unwrap();
    for v in vectors.as_array().unwrap() {
        let kem = v["kem_id"].as_u64().unwrap();
        let kdf = v["kdf_id"].as_u64().unwrap();
        println!("vector kem {kem:#x} kdf {kdf}");
    }
}
