//! `welcome` vectors (RFC 9420 §12.4.3.1): decrypt the Welcome's GroupSecrets with
//! `init_priv`, decrypt the GroupInfo, verify its signature with `signer_pub`, and check its
//! `confirmation_tag` with the epoch's `confirmation_key` (no PSKs).

use melos::crypto::{HpkePrivateKey, Secret, SignaturePublicKey};
use melos::messages::{KeyPackage, Welcome};
use melos::{CipherSuiteProvider, codec};
use serde_json::Value;

use crate::Report;
use crate::util::hex_field;

/// Verifies every case.
pub fn verify(cases: &[Value], report: &mut Report) -> bool {
    crate::util::verify_by_suite(cases, report, verify_case)
}

/// Strips the `MLSMessage` header (`version = mls10`, `wire_format`, RFC 9420 §6).
fn mls_message_body(bytes: &[u8], wire_format: u16) -> Result<&[u8], String> {
    let mut header = [0u8; 4];
    header[..2].copy_from_slice(&1u16.to_be_bytes());
    header[2..].copy_from_slice(&wire_format.to_be_bytes());
    bytes
        .strip_prefix(&header[..])
        .ok_or_else(|| format!("not an mls10 MLSMessage of wire format {wire_format}"))
}

fn verify_case(cs: &dyn CipherSuiteProvider, case: &Value) -> Result<(), String> {
    let kp_bytes = hex_field(case, "key_package")?;
    let welcome_bytes = hex_field(case, "welcome")?;
    let key_package: KeyPackage =
        codec::decode_exact(mls_message_body(&kp_bytes, 5)?).map_err(|e| e.to_string())?;
    let welcome: Welcome =
        codec::decode_exact(mls_message_body(&welcome_bytes, 3)?).map_err(|e| e.to_string())?;
    let init_priv = HpkePrivateKey::new(hex_field(case, "init_priv")?);
    let signer_pub = SignaturePublicKey(hex_field(case, "signer_pub")?);

    let processed = welcome
        .process(
            cs,
            &[(&key_package, &init_priv)],
            &mut |psks| {
                if psks.is_empty() {
                    Ok(Secret::zero(cs.hash_len()))
                } else {
                    // The vectors use no PSKs; a PSK we do not hold is an error.
                    Err(melos::Error::Message(melos::MessageError::MissingPsk))
                }
            },
            &mut |_| Ok(signer_pub.clone()),
        )
        .map_err(|e| format!("processing the Welcome: {e}"))?;
    let epoch = processed
        .epoch_secrets(cs)
        .map_err(|e| format!("epoch secrets: {e}"))?;
    processed
        .group_info
        .verify_confirmation_tag(cs, epoch.confirmation_key.as_bytes())
        .map_err(|e| format!("confirmation tag: {e}"))?;
    // The decrypted structures re-encode to what was sent.
    if codec::encode(&welcome).map_err(|e| e.to_string())? != mls_message_body(&welcome_bytes, 3)? {
        return Err("Welcome re-encoding differs".into());
    }
    Ok(())
}
