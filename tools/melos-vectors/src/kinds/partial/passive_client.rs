//! `partial/passive-client-scenarios.json`: a partial client joins from an AnnotatedWelcome
//! and follows the group through AnnotatedCommits and sender-authenticated application
//! messages, agreeing on every epoch authenticator (draft-ietf-mls-partial, "Passive
//! Partial Client").

use melos::CipherSuiteProvider;
use melos::codec;
use melos::framing::{MlsMessage, MlsMessageBody, PrivateMessage};
use melos::partial::{AnnotatedCommit, SenderAuthenticatedMessage};
use serde_json::Value;

use super::annotated_welcome::{external_psks, join};
use crate::Report;
use crate::util::{check_eq, hex_field};

/// Verifies every case.
pub fn verify(cases: &[Value], report: &mut Report) -> bool {
    super::verify_supported(cases, report, verify_case)
}

fn verify_case(cs: &dyn CipherSuiteProvider, case: &Value) -> Result<(), String> {
    let mut member = join(cs, case)?;
    check_eq(
        "initial_epoch_authenticator",
        member.epoch_authenticator(),
        &hex_field(case, "initial_epoch_authenticator")?,
    )?;
    let psks = external_psks(case)?;
    let refs: Vec<(&[u8], &[u8])> = psks
        .iter()
        .map(|(a, b)| (a.as_slice(), b.as_slice()))
        .collect();
    let epochs = case
        .get("epochs")
        .and_then(Value::as_array)
        .ok_or("missing epochs")?;
    for (i, epoch) in epochs.iter().enumerate() {
        if !epoch
            .get("proposals")
            .and_then(Value::as_array)
            .is_some_and(Vec::is_empty)
        {
            return Err(format!(
                "epoch {i}: proposals by reference are not supported yet"
            ));
        }
        let annotated: AnnotatedCommit =
            codec::decode_exact(&hex_field(epoch, "annotated_commit")?)
                .map_err(|e| format!("epoch {i}: {e}"))?;
        let out = member
            .process_commit(cs, &annotated, &refs)
            .map_err(|e| format!("epoch {i}: process_commit: {e}"))?;
        member = out.member;
        check_eq(
            &format!("epoch {i} epoch_authenticator"),
            member.epoch_authenticator(),
            &hex_field(epoch, "epoch_authenticator")?,
        )?;
        let messages = epoch
            .get("application_messages")
            .and_then(Value::as_array)
            .ok_or("missing application_messages")?;
        for (j, m) in messages.iter().enumerate() {
            let bytes =
                hex::decode(m.as_str().ok_or("not a string")?).map_err(|e| e.to_string())?;
            let sam =
                decode_application(&bytes).map_err(|e| format!("epoch {i} message {j}: {e}"))?;
            member
                .open_application(cs, sam)
                .map_err(|e| format!("epoch {i} message {j}: {e}"))?;
        }
    }
    Ok(())
}

/// An application message of the file: the README says
/// `SenderAuthenticatedMessage<PrivateMessage>`, but the file's messages wrap the
/// PrivateMessage in an `MLSMessage` (`mls10`, `mls_private_message`); both are accepted.
fn decode_application(bytes: &[u8]) -> Result<SenderAuthenticatedMessage<PrivateMessage>, String> {
    if let Ok(sam) = codec::decode_exact::<SenderAuthenticatedMessage<PrivateMessage>>(bytes) {
        return Ok(sam);
    }
    let sam: SenderAuthenticatedMessage<MlsMessage> =
        codec::decode_exact(bytes).map_err(|e| e.to_string())?;
    match sam.message.body {
        MlsMessageBody::PrivateMessage(m) => Ok(SenderAuthenticatedMessage::new(
            m,
            sam.sender_membership_proof,
        )),
        _ => Err("not a PrivateMessage".into()),
    }
}
