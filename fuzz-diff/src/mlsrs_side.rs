//! The mls-rs side (pure-Rust `mls-rs-crypto-rustcrypto` provider, basic credentials).

use mls_rs::client_builder::{BaseConfig, MlsConfig, WithCryptoProvider, WithIdentityProvider};
use mls_rs::external_client::ExternalClient;
use mls_rs::external_client::builder::MlsConfig as ExternalMlsConfig;
use mls_rs::group::{Group, ReceivedMessage};
use mls_rs::identity::SigningIdentity;
use mls_rs::identity::basic::{BasicCredential, BasicIdentityProvider};
use mls_rs::time::MlsTime;
use mls_rs::{CipherSuite, CipherSuiteProvider as _, Client, CryptoProvider as _, MlsMessage};
use mls_rs_crypto_rustcrypto::RustCryptoProvider;

use crate::Verdict;
use crate::melos_side::EXPORTER_LABEL;

/// Suite 1 (RFC 9420 §17.1).
pub const SUITE: CipherSuite = CipherSuite::CURVE25519_AES128;

/// The suites the RustCrypto provider of mls-rs implements (1, 2, 3 and 7).
pub fn supports(suite: u16) -> bool {
    matches!(suite, 1..=3 | 7)
}

/// The member clients' configuration (nameable, for the fixtures' thread-local statics).
pub type Config =
    WithCryptoProvider<RustCryptoProvider, WithIdentityProvider<BasicIdentityProvider, BaseConfig>>;

/// An observer that validates KeyPackages and GroupInfos.
pub fn external_client() -> ExternalClient<impl ExternalMlsConfig> {
    ExternalClient::builder()
        .identity_provider(BasicIdentityProvider)
        .crypto_provider(RustCryptoProvider::default())
        .build()
}

/// A member client named `name`.
pub fn client(name: &str) -> Client<Config> {
    let provider = RustCryptoProvider::default();
    let cs = provider.cipher_suite_provider(SUITE).expect("suite 1");
    let (secret, public) = cs.signature_key_generate().expect("signature key");
    let identity = SigningIdentity::new(
        BasicCredential::new(name.as_bytes().to_vec()).into_credential(),
        public,
    );
    Client::builder()
        .identity_provider(BasicIdentityProvider)
        .crypto_provider(provider)
        .signing_identity(identity, secret, SUITE)
        .build()
}

fn time(now: u64) -> MlsTime {
    MlsTime::from_duration_since_epoch(std::time::Duration::from_secs(now))
}

/// Decodes a KeyPackage `MLSMessage` and validates it (`ExternalClient::validate_key_package`)
/// at `now`; accepted with the re-encoding and key fields.
pub fn key_package<C: ExternalMlsConfig>(
    client: &ExternalClient<C>,
    bytes: &[u8],
    now: u64,
) -> Verdict {
    let msg = match MlsMessage::from_bytes(bytes) {
        Ok(m) => m,
        Err(e) => return Verdict::refused(e),
    };
    let encoding = msg.to_bytes().unwrap_or_default();
    match client.validate_key_package(msg, Some(time(now))) {
        Ok(kp) => {
            let provider = RustCryptoProvider::default();
            let reference = provider
                .cipher_suite_provider(kp.cipher_suite)
                .and_then(|cs| kp.to_reference(&cs).ok())
                .map(|r| r.to_vec())
                .unwrap_or_default();
            Verdict::Accepted(vec![
                ("encoding", encoding),
                (
                    "cipher_suite",
                    u16::from(kp.cipher_suite).to_be_bytes().to_vec(),
                ),
                ("init_key", kp.hpke_init_key.to_vec()),
                (
                    "signature_key",
                    kp.signing_identity().signature_key.to_vec(),
                ),
                ("key_package_ref", reference),
            ])
        }
        Err(e) => Verdict::refused(e),
    }
}

/// Decodes a GroupInfo `MLSMessage` and observes the group from it with the tree in its
/// extension (`ExternalClient::observe_group`: signature, tree validation).
pub fn group_info<C: ExternalMlsConfig>(
    client: &ExternalClient<C>,
    bytes: &[u8],
    now: u64,
) -> Verdict {
    let msg = match MlsMessage::from_bytes(bytes) {
        Ok(m) => m,
        Err(e) => return Verdict::refused(e),
    };
    match client.observe_group(msg, None, Some(time(now))) {
        Ok(g) => {
            let ctx = g.group_context();
            Verdict::Accepted(vec![
                ("group_id", ctx.group_id.clone()),
                ("epoch", ctx.epoch.to_be_bytes().to_vec()),
                ("tree_hash", ctx.tree_hash.to_vec()),
                (
                    "confirmed_transcript_hash",
                    ctx.confirmed_transcript_hash.to_vec(),
                ),
            ])
        }
        Err(e) => Verdict::refused(e),
    }
}

/// The fields compared in a new epoch.
pub fn epoch_fields<C: MlsConfig>(g: &Group<C>) -> Vec<(&'static str, Vec<u8>)> {
    let auth = g
        .epoch_authenticator()
        .map(|s| s.to_vec())
        .unwrap_or_default();
    let exporter = g
        .export_secret(EXPORTER_LABEL, b"", 32)
        .map(|s| s.to_vec())
        .unwrap_or_default();
    vec![
        ("epoch", g.current_epoch().to_be_bytes().to_vec()),
        ("epoch_authenticator", auth),
        ("exporter", exporter),
    ]
}

/// Processes a message in a clone of `group`; a Commit is applied.
pub fn process<C: MlsConfig>(group: &Group<C>, bytes: &[u8]) -> Verdict {
    let msg = match MlsMessage::from_bytes(bytes) {
        Ok(m) => m,
        Err(e) => return Verdict::refused(e),
    };
    let mut g = group.clone();
    match g.process_incoming_message(msg) {
        Ok(ReceivedMessage::ApplicationMessage(m)) => Verdict::Accepted(vec![
            ("kind", b"application".to_vec()),
            ("data", m.data().to_vec()),
            ("authenticated_data", m.authenticated_data.clone()),
        ]),
        Ok(ReceivedMessage::Proposal(p)) => Verdict::Accepted(vec![
            ("kind", b"proposal".to_vec()),
            ("authenticated_data", p.authenticated_data.clone()),
        ]),
        Ok(ReceivedMessage::Commit(c)) => {
            let mut fields = vec![("kind", b"commit".to_vec())];
            fields.extend(epoch_fields(&g));
            let _ = c;
            Verdict::Accepted(fields)
        }
        Ok(other) => Verdict::Refused(format!("unexpected {other:?}")),
        Err(e) => Verdict::refused(e),
    }
}
