//! `partial/sender-authenticated-messages.json` (draft-ietf-mls-partial
//! §"Sender-Authenticated Messages").
//!
//! The file gives the message only, not the partial client state of its epoch (the README
//! says "given ... the current partial client state", but no case carries a GroupContext
//! or membership key). What the vector alone determines is checked: the message decodes
//! exactly and re-encodes to the same bytes; its content type is the one `message_type`
//! names; its sender is a `member` at the proof's `leaf_index`; the proof is well formed and
//! yields a root tree hash, and references the same tree as the epoch's tree hash a
//! partial client would hold (the proof's own root, the only one available); the proven
//! leaf carries a signature key. The signature itself (whose input includes the
//! GroupContext's confirmed transcript hash) is checked by the unit tests of
//! `melos::partial` on messages of a real group.

use melos::CipherSuiteProvider;
use melos::codec;
use melos::framing::{ContentType, PublicMessage, Sender};
use melos::partial::SenderAuthenticatedMessage;
use serde_json::Value;

use crate::Report;
use crate::util::{check_eq, hex_field, str_field};

/// Verifies every case.
pub fn verify(cases: &[Value], report: &mut Report) -> bool {
    super::verify_supported(cases, report, verify_case)
}

fn verify_case(cs: &dyn CipherSuiteProvider, case: &Value) -> Result<(), String> {
    let bytes = hex_field(case, "sender_authenticated_message")?;
    let sam: SenderAuthenticatedMessage<PublicMessage> =
        codec::decode_exact(&bytes).map_err(|e| e.to_string())?;
    check_eq(
        "re-encoded message",
        &codec::encode(&sam).map_err(|e| e.to_string())?,
        &bytes,
    )?;
    let want = match str_field(case, "message_type")? {
        "PublicMessageProposal" => ContentType::Proposal,
        "PublicMessageCommit" => ContentType::Commit,
        other => return Err(format!("unknown message_type {other}")),
    };
    if sam.message.content.content_type() != want {
        return Err("content type differs from message_type".into());
    }
    let Sender::Member(leaf) = *sam.message.sender() else {
        return Err("sender is not a member".into());
    };
    if leaf != sam.sender_membership_proof.leaf_index {
        return Err("sender leaf differs from the proof's".into());
    }
    let root = sam
        .sender_membership_proof
        .root_tree_hash(cs)
        .map_err(|e| e.to_string())?;
    sam.sender_membership_proof
        .verify(cs, &root)
        .map_err(|e| e.to_string())?;
    let key = sam
        .sender_membership_proof
        .leaf_node()
        .ok_or("no proven leaf")?
        .signature_key
        .as_bytes()
        .to_vec();
    if key.is_empty() {
        return Err("empty signature key".into());
    }
    Ok(())
}
