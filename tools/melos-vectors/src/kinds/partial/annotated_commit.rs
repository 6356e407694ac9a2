//! `partial/annotated-commit.json`: a partial client in `state_before` processes the
//! AnnotatedCommit and reaches `state_after` (draft-ietf-mls-partial §"Annotated Commit").
//!
//! The file's `state_before` lists no private key, not even the receiver's leaf key (its
//! `direct_path_secrets` is empty in every suite; the receiver's leaf is the next non-blank
//! node under the lowest common ancestor, and no value of any partial file derives its
//! public key), so the path secret of a Commit with a path cannot be decrypted. Such a case
//! is checked as far as the file allows and then counted unsupported:
//!
//! 1. [`PartialMember::process_commit`] up to the decryption: framing, signature with the
//!    proven key, membership tag, the four proofs, the ciphertext `resolution_index`
//!    selects; it must stop at the missing key and nowhere else;
//! 2. the path secret `state_after` gives for the lowest common ancestor (the decryption's
//!    output) and those above it: each derives the public key of its node in
//!    `receiver_membership_proof_after` and that of the `encryption_priv` of `state_after`
//!    (compared as public keys: MLSpp stores X25519/X448 private keys unclamped), and the
//!    one past the root is `commit_secret`;
//! 3. the new epoch from `state_before` and that `commit_secret`: the confirmed transcript
//!    hash of the authenticated Commit, the key schedule over the provisional GroupContext
//!    with `tree_hash_after`, the confirmation tag, and every value of `state_after` and
//!    `epoch_authenticator_after`.
//!
//! A mismatch in any of these fails the case. The same processing, decryption included,
//! passes end to end in `passive-client-scenarios.json`.

use melos::CipherSuiteProvider;
use melos::codec;
use melos::crypto::{CipherSuite, HpkePrivateKey, Secret};
use melos::framing::{FramedContentBody, FramingContext, MlsMessageBody};
use melos::key_schedule::EpochSecrets;
use melos::messages::{Extensions, GroupContext};
use melos::partial::{AnnotatedCommit, PartialMember, PartialState};
use melos::ratchet_tree::Node;
use melos::tree_math::{LeafIndex, NodeIndex};
use melos::treekem::PathSecret;
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
/// `encryption_secret` is the epoch's, which the member keeps only as its secret tree's root.
pub fn check_state(
    m: &PartialMember,
    encryption_secret: &Secret,
    state: &Value,
) -> Result<(), String> {
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
        encryption_secret.as_bytes(),
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
            verify_without_decryption(cs, case, &before, &annotated)?;
            return Err(format!(
                "{}state_before holds no private key (not even the leaf's) to decrypt the path \
                 secret with; everything else checked",
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
    check_state(
        &out.member,
        &out.encryption_secret,
        case.get("state_after").ok_or("state_after")?,
    )
}

/// The public key of a proof's node.
fn node_key(node: &Node) -> &[u8] {
    match node {
        Node::Leaf(l) => l.encryption_key.as_bytes(),
        Node::Parent(p) => p.encryption_key.as_bytes(),
    }
}

/// Steps 2 and 3 of the module doc: what a case whose path secret cannot be decrypted still
/// lets one check, from the decryption's output that `state_after` gives.
fn verify_without_decryption(
    cs: &dyn CipherSuiteProvider,
    case: &Value,
    before: &PartialMember,
    annotated: &AnnotatedCommit,
) -> Result<(), String> {
    let after = case.get("state_after").ok_or("state_after")?;
    let secrets = after
        .get("direct_path_secrets")
        .and_then(Value::as_array)
        .ok_or("state_after: direct_path_secrets")?;
    let entry = |x: NodeIndex| -> Result<Option<(Secret, Vec<u8>)>, String> {
        for p in secrets {
            if u64_field(p, "node")? == u64::from(x.0) {
                return Ok(Some((
                    Secret::new(hex_field(p, "path_secret")?),
                    hex_field(p, "encryption_priv")?,
                )));
            }
        }
        Ok(None)
    };

    // Step 2: the receiver's new path secrets, from the lowest common ancestor up.
    let receiver = &annotated.receiver_membership_proof_after;
    let sender = &annotated.sender_membership_proof_after;
    let size = receiver.tree_size().map_err(|e| e.to_string())?;
    let r_path = receiver.path_node_indices().map_err(|e| e.to_string())?;
    let s_path = sender.path_node_indices().map_err(|e| e.to_string())?;
    let (Some(&r0), Some(&s0)) = (r_path.first(), s_path.first()) else {
        return Err("empty proof path".into());
    };
    let lca = size
        .common_ancestor(s0, r0)
        .ok_or("no common ancestor of the committer and the receiver")?;
    let mut keys: Vec<(NodeIndex, HpkePrivateKey)> = Vec::new();
    let mut secret: Option<PathSecret> = None;
    for (x, node) in r_path.iter().zip(&receiver.direct_path_nodes) {
        if x.level() < lca.level() {
            continue;
        }
        let Some(node) = node else { continue };
        let current = match secret.take() {
            Some(s) => s,
            None => PathSecret::new(
                entry(*x)?
                    .ok_or(format!(
                        "state_after: no path secret for the LCA node {}",
                        x.0
                    ))?
                    .0,
            ),
        };
        let pair = current.node_key_pair(cs).map_err(|e| e.to_string())?;
        check_eq(
            &format!("public key of node {}", x.0),
            pair.public_key.as_bytes(),
            node_key(node),
        )?;
        let (given_secret, given_priv) =
            entry(*x)?.ok_or(format!("state_after: no path secret for node {}", x.0))?;
        check_eq(
            &format!("path_secret of node {}", x.0),
            current.as_secret().as_bytes(),
            given_secret.as_bytes(),
        )?;
        // Compared through its public key: MLSpp stores X25519/X448 keys unclamped, melos
        // clamped as RFC 9180 §7.1.2 says SerializePrivateKey must.
        let given_pub = cs
            .kem_public_key(&HpkePrivateKey::new(given_priv))
            .map_err(|e| e.to_string())?;
        check_eq(
            &format!("public key of node {}'s encryption_priv", x.0),
            &given_pub,
            pair.public_key.as_bytes(),
        )?;
        keys.push((*x, pair.private_key));
        secret = Some(current.next(cs).map_err(|e| e.to_string())?);
    }
    let commit_secret = secret
        .ok_or("no non-blank node at or above the LCA")?
        .as_secret()
        .clone();
    check_eq(
        "commit_secret",
        commit_secret.as_bytes(),
        &hex_field(case, "commit_secret")?,
    )?;

    // Step 3: the new epoch.
    let MlsMessageBody::PublicMessage(m) = &annotated.commit.body else {
        return Err("only PublicMessage commits are checked without decryption".into());
    };
    let key = annotated
        .sender_membership_proof
        .as_ref()
        .and_then(|p| p.leaf_node())
        .map(|l| l.signature_key.clone())
        .ok_or("no sender proof")?;
    let context = FramingContext::new(before.group_context().clone()).map_err(|e| e.to_string())?;
    let ac = m
        .clone()
        .unprotect(
            cs,
            &context,
            &before.epoch_secrets().membership_key,
            |_, _| Some(key),
        )
        .map_err(|e| e.to_string())?;
    let FramedContentBody::Commit(commit) = &ac.content.body else {
        return Err("not a commit".into());
    };
    if !commit.proposals.is_empty() {
        return Err("a commit with proposals is not checked without decryption".into());
    }
    let mut next = before.group_context().clone();
    next.epoch = next.epoch.checked_add(1).ok_or("epoch overflow")?;
    next.tree_hash = annotated.tree_hash_after.clone();
    next.confirmed_transcript_hash =
        melos::transcript::confirmed_transcript_hash(cs, before.interim_transcript_hash(), &ac)
            .map_err(|e| e.to_string())?;
    let derived = melos::key_schedule::derive_epoch(
        cs,
        &before.epoch_secrets().init_secret,
        &commit_secret,
        &Secret::zero(cs.hash_len()),
        &next.encode().map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    let tag = ac
        .auth
        .confirmation_tag
        .as_deref()
        .ok_or("no confirmation tag")?;
    melos::transcript::verify_confirmation_tag(
        cs,
        &derived.epoch_secrets.confirmation_key,
        &next.confirmed_transcript_hash,
        tag,
    )
    .map_err(|e| e.to_string())?;
    let interim =
        melos::transcript::interim_transcript_hash(cs, &next.confirmed_transcript_hash, tag)
            .map_err(|e| e.to_string())?;
    let encryption_secret = derived.epoch_secrets.encryption_secret.clone();
    let member = PartialMember::from_state(PartialState {
        group_context: next,
        interim_transcript_hash: interim,
        epoch_secrets: derived.epoch_secrets,
        own_leaf: before.own_leaf(),
        n_leaves: receiver.n_leaves,
        keys,
    })
    .map_err(|e| e.to_string())?;
    check_eq(
        "tree_hash_after",
        &member.group_context().tree_hash,
        &hex_field(case, "tree_hash_after")?,
    )?;
    check_eq(
        "epoch_authenticator_after",
        member.epoch_authenticator(),
        &hex_field(case, "epoch_authenticator_after")?,
    )?;
    check_state(&member, &encryption_secret, after)
}
