//! `key-schedule` vectors (RFC 9420 §8): a chain of epochs per suite. Each epoch's
//! `GroupContext` is built and compared, then the key schedule runs from the previous epoch's
//! `init_secret` (the `initial_init_secret` first) and every derived secret, the exporter
//! output and the external public key are compared.

use melos::CipherSuiteProvider;
use melos::crypto::Secret;
use melos::key_schedule::derive_epoch;
use melos::messages::{Extensions, GroupContext};
use serde_json::Value;

use crate::Report;
use crate::util::{check_eq, hex_field, u64_field};

/// Verifies every case.
pub fn verify(cases: &[Value], report: &mut Report) -> bool {
    crate::util::verify_by_suite(cases, report, verify_case)
}

fn verify_case(cs: &dyn CipherSuiteProvider, case: &Value) -> Result<(), String> {
    let group_id = hex_field(case, "group_id")?;
    let mut init_secret = Secret::new(hex_field(case, "initial_init_secret")?);
    let epochs = case
        .get("epochs")
        .and_then(Value::as_array)
        .ok_or("missing epochs")?;
    for (epoch, e) in (0u64..).zip(epochs) {
        verify_epoch(cs, &group_id, epoch, &mut init_secret, e)
            .map_err(|msg| format!("epoch {epoch}: {msg}"))?;
    }
    Ok(())
}

fn verify_epoch(
    cs: &dyn CipherSuiteProvider,
    group_id: &[u8],
    epoch: u64,
    init_secret: &mut Secret,
    e: &Value,
) -> Result<(), String> {
    let group_context = GroupContext::new(
        cs.cipher_suite(),
        group_id.to_vec(),
        epoch,
        hex_field(e, "tree_hash")?,
        hex_field(e, "confirmed_transcript_hash")?,
        Extensions::default(),
    )
    .encode()
    .map_err(|e| e.to_string())?;
    check_eq(
        "group_context",
        &group_context,
        &hex_field(e, "group_context")?,
    )?;

    let commit_secret = Secret::new(hex_field(e, "commit_secret")?);
    let psk_secret = Secret::new(hex_field(e, "psk_secret")?);
    let out = derive_epoch(cs, init_secret, &commit_secret, &psk_secret, &group_context)
        .map_err(|e| e.to_string())?;
    let s = &out.epoch_secrets;
    let checks: [(&str, &Secret); 11] = [
        ("joiner_secret", out.joiner_secret.as_secret()),
        ("welcome_secret", out.welcome_secret.as_secret()),
        ("init_secret", &s.init_secret),
        ("sender_data_secret", &s.sender_data_secret),
        ("encryption_secret", &s.encryption_secret),
        ("exporter_secret", &s.exporter_secret),
        ("epoch_authenticator", &s.epoch_authenticator),
        ("external_secret", &s.external_secret),
        ("confirmation_key", &s.confirmation_key),
        ("membership_key", &s.membership_key),
        ("resumption_psk", &s.resumption_psk),
    ];
    for (name, got) in checks {
        check_eq(name, got.as_bytes(), &hex_field(e, name)?)?;
    }

    let external = s.external_key_pair(cs).map_err(|e| e.to_string())?;
    check_eq(
        "external_pub",
        external.public_key.as_bytes(),
        &hex_field(e, "external_pub")?,
    )?;

    let exporter = e.get("exporter").ok_or("missing exporter")?;
    let length = usize::try_from(u64_field(exporter, "length")?).map_err(|e| e.to_string())?;
    // The label is a string (see the README); it is used as its UTF-8 bytes, not hex-decoded.
    let exported = s
        .export(
            cs,
            crate::util::str_field(exporter, "label")?.as_bytes(),
            &hex_field(exporter, "context")?,
            length,
        )
        .map_err(|e| e.to_string())?;
    check_eq(
        "exporter.secret",
        exported.as_bytes(),
        &hex_field(exporter, "secret")?,
    )?;

    // The joiner's path: from the joiner_secret alone, the same welcome and epoch secrets.
    let welcome = out
        .joiner_secret
        .welcome_secret(cs, &psk_secret)
        .map_err(|e| e.to_string())?;
    let joined = out
        .joiner_secret
        .epoch_secrets(cs, &psk_secret, &group_context)
        .map_err(|e| e.to_string())?;
    if welcome != out.welcome_secret || joined != out.epoch_secrets {
        return Err("joining from the joiner_secret gives different secrets".into());
    }

    *init_secret = out.epoch_secrets.init_secret.clone();
    Ok(())
}
