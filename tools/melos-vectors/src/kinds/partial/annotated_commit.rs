//! `partial/annotated-commit.json`: a partial client in `state_before` processes the
//! AnnotatedCommit and reaches `state_after` (draft-ietf-mls-partial §"Annotated Commit").
//!
//! The file's `state_before` lists no private key, not even the receiver's leaf key, so a
//! Commit with a path cannot be decrypted: such a case is checked up to the decryption
//! (framing, signature with the proven key, membership tag, the four proofs) and counted
//! unsupported. The same processing passes end to end in `passive-client-scenarios.json`.

use melos::CipherSuiteProvider;
use melos::codec;
use melos::crypto::{CipherSuite, Secret};
use melos::key_schedule::EpochSecrets;
use melos::messages::{Extensions, GroupContext};
use melos::partial::{AnnotatedCommit, PartialMember, PartialState};
use melos::tree_math::LeafIndex;
use serde_json::Value;

use super::tree_operations::path_keys;
use crate::Report;
use crate::util::{check_eq, hex_field, u64_field};

/// Verifies every case.
pub fn verify(cases: &[Value], report: &mut Report) -> bool {
    super::verify_supported(cases, report, verify_case)
}

/// A partial member from a vector's `state_before`: the secrets the state does not give
/// (exporter, external, confirmation, resumption, authenticator) are zero, and unused.
pub fn member_from_state(
    cs: &dyn CipherSuiteProvider,
    state: &Value,
    n_leaves: u32,
) -> Result<PartialMember, String> {
    let zero = Secret::zero(cs.hash_len());
    let secret = |k: &str| hex_field(state, k).map(Secret::new);
    let epoch_secrets = EpochSecrets {
        sender_data_secret: secret("sender_data_secret")?,
        encryption_secret: secret("encryption_secret")?,
        exporter_secret: zero.clone(),
        external_secret: zero.clone(),
        confirmation_key: zero.clone(),
        membership_key: secret("membership_key")?,
        resumption_psk: zero.clone(),
        epoch_authenticator: zero.clone(),
        init_secret: secret("init_secret")?,
        application_export_secret: None,
    };
    let group_context = GroupContext::new(
        CipherSuite(cs.cipher_suite().0),
        hex_field(state, "group_id")?,
        u64_field(state, "epoch")?,
        hex_field(state, "tree_hash")?,
        hex_field(state, "confirmed_transcript_hash")?,
        Extensions::default(),
    );
    let own = u32::try_from(u64_field(state, "receiver_leaf_index")?).map_err(|_| "leaf")?;
    PartialMember::from_state(PartialState {
        group_context,
        interim_transcript_hash: hex_field(state, "interim_transcript_hash")?,
        epoch_secrets,
        own_leaf: LeafIndex(own),
        n_leaves,
        keys: path_keys(
            state
                .get("direct_path_secrets")
                .ok_or("missing direct_path_secrets")?,
        )?,
    })
    .map_err(|e| e.to_string())
}

/// Compares a member's state with a vector's `state_after`.
pub fn check_state(m: &PartialMember, state: &Value) -> Result<(), String> {
    let e = m.epoch_secrets();
    check_eq(
        "epoch",
        &m.epoch().to_be_bytes(),
        &u64_field(state, "epoch")?.to_be_bytes(),
    )?;
    check_eq(
        "tree_hash",
        &m.group_context().tree_hash,
        &hex_field(state, "tree_hash")?,
    )?;
    check_eq(
        "confirmed_transcript_hash",
        &m.group_context().confirmed_transcript_hash,
        &hex_field(state, "confirmed_transcript_hash")?,
    )?;
    check_eq(
        "interim_transcript_hash",
        m.interim_transcript_hash(),
        &hex_field(state, "interim_transcript_hash")?,
    )?;
    check_eq(
        "init_secret",
        e.init_secret.as_bytes(),
        &hex_field(state, "init_secret")?,
    )?;
    check_eq(
        "membership_key",
        e.membership_key.as_bytes(),
        &hex_field(state, "membership_key")?,
    )?;
    check_eq(
        "sender_data_secret",
        e.sender_data_secret.as_bytes(),
        &hex_field(state, "sender_data_secret")?,
    )?;
    check_eq(
        "encryption_secret",
        e.encryption_secret.as_bytes(),
        &hex_field(state, "encryption_secret")?,
    )?;
    Ok(())
}

fn verify_case(cs: &dyn CipherSuiteProvider, case: &Value) -> Result<(), String> {
    let annotated: AnnotatedCommit =
        codec::decode_exact(&hex_field(case, "annotated_commit")?).map_err(|e| e.to_string())?;
    if !case
        .get("proposals")
        .and_then(Value::as_array)
        .is_some_and(Vec::is_empty)
    {
        return Err("proposals by reference are not supported yet".into());
    }
    let n = annotated.receiver_membership_proof_after.n_leaves;
    let before = member_from_state(cs, case.get("state_before").ok_or("state_before")?, n)?;
    let out = match before.process_commit(cs, &annotated, &[]) {
        Ok(out) => out,
        Err(melos::Error::Partial(melos::PartialError::NoDecryptionKey))
            if before.key_nodes().next().is_none() =>
        {
            return Err(format!(
                "{}state_before holds no private key (not even the leaf's) to decrypt the path \
                 secret with",
                super::UNSUPPORTED
            ));
        }
        Err(e) => return Err(format!("process_commit: {e}")),
    };
    check_eq(
        "commit_secret",
        out.commit_secret.as_bytes(),
        &hex_field(case, "commit_secret")?,
    )?;
    check_eq(
        "tree_hash_after",
        &out.member.group_context().tree_hash,
        &hex_field(case, "tree_hash_after")?,
    )?;
    check_eq(
        "epoch_authenticator_after",
        out.member.epoch_authenticator(),
        &hex_field(case, "epoch_authenticator_after")?,
    )?;
    check_state(&out.member, case.get("state_after").ok_or("state_after")?)
}
