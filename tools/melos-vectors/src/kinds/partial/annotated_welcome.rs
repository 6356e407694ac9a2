//! `partial/annotated-welcome.json`: join as a partial client from the AnnotatedWelcome at
//! `joiner_leaf_index` and reach `epoch_authenticator` (draft-ietf-mls-partial §"Joining
//! via Annotated Welcome").

use melos::CipherSuiteProvider;
use melos::codec;
use melos::crypto::HpkePrivateKey;
use melos::framing::MlsMessage;
use melos::partial::{AnnotatedWelcome, PartialMember};
use serde_json::Value;

use crate::Report;
use crate::util::{check_eq, hex_field, u64_field};

/// Verifies every case.
pub fn verify(cases: &[Value], report: &mut Report) -> bool {
    super::verify_supported(cases, report, verify_case)
}

/// An external PSK of a case: `(psk_id, psk)`.
pub type ExternalPsk = (Vec<u8>, Vec<u8>);

/// The `external_psks` of a case.
pub fn external_psks(case: &Value) -> Result<Vec<ExternalPsk>, String> {
    let list = case
        .get("external_psks")
        .and_then(Value::as_array)
        .ok_or("missing external_psks")?;
    list.iter()
        .map(|p| Ok((hex_field(p, "psk_id")?, hex_field(p, "psk")?)))
        .collect()
}

/// Joins from the case's AnnotatedWelcome and key material.
pub fn join(cs: &dyn CipherSuiteProvider, case: &Value) -> Result<PartialMember, String> {
    let kp_msg = MlsMessage::decode(&hex_field(case, "key_package")?).map_err(|e| e.to_string())?;
    let kp = kp_msg.as_key_package().ok_or("not a KeyPackage")?;
    let annotated: AnnotatedWelcome =
        codec::decode_exact(&hex_field(case, "annotated_welcome")?).map_err(|e| e.to_string())?;
    let init = HpkePrivateKey::new(hex_field(case, "init_priv")?);
    let leaf = HpkePrivateKey::new(hex_field(case, "encryption_priv")?);
    let psks = external_psks(case)?;
    let refs: Vec<(&[u8], &[u8])> = psks
        .iter()
        .map(|(a, b)| (a.as_slice(), b.as_slice()))
        .collect();
    PartialMember::join(cs, &annotated, kp, &init, leaf, &refs).map_err(|e| format!("join: {e}"))
}

fn verify_case(cs: &dyn CipherSuiteProvider, case: &Value) -> Result<(), String> {
    let member = join(cs, case)?;
    let want = u64_field(case, "joiner_leaf_index")?;
    if u64::from(member.own_leaf().0) != want {
        return Err(format!("joined at {}, want {want}", member.own_leaf().0));
    }
    check_eq(
        "epoch_authenticator",
        member.epoch_authenticator(),
        &hex_field(case, "epoch_authenticator")?,
    )
}
