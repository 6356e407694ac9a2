//! `messages` vectors (RFC 9420 §6, §12): every field decodes with its structure and
//! re-encodes to exactly the same bytes.

use melos::framing::{MlsMessage, WireFormat};
use melos::messages::{
    Add, Commit, ExternalInit, GroupContextExtensions, GroupSecrets, PreSharedKey, ReInit, Remove,
    Update,
};
use melos::ratchet_tree::{RatchetTree, TreeView};
use serde_json::Value;

use crate::Report;
use crate::util::hex_field;

/// Verifies every case.
pub fn verify(cases: &[Value], report: &mut Report) -> bool {
    for (i, case) in cases.iter().enumerate() {
        report.record(None, i, verify_case(case));
    }
    true
}

/// Decodes `field` as `$t` and checks that it re-encodes to the same bytes.
macro_rules! round_trip {
    ($t:ty, $case:expr, $field:expr) => {{
        let field: &str = $field;
        let bytes = hex_field($case, field)?;
        let value: $t = melos::codec::decode_exact(&bytes).map_err(|e| format!("{field}: {e}"))?;
        let again = melos::codec::encode(&value).map_err(|e| format!("{field}: {e}"))?;
        if again != bytes {
            return Err(format!("{field}: re-encoding differs"));
        }
    }};
}

fn mls_message(case: &Value, field: &str, wire_format: WireFormat) -> Result<(), String> {
    let bytes = hex_field(case, field)?;
    let msg = MlsMessage::decode(&bytes).map_err(|e| format!("{field}: {e}"))?;
    if msg.wire_format() != wire_format {
        return Err(format!("{field}: wire format {:?}", msg.wire_format()));
    }
    let again = msg.encode().map_err(|e| format!("{field}: {e}"))?;
    if again == bytes {
        Ok(())
    } else {
        Err(format!("{field}: re-encoding differs"))
    }
}

fn verify_case(case: &Value) -> Result<(), String> {
    mls_message(case, "mls_welcome", WireFormat::MLS_WELCOME)?;
    mls_message(case, "mls_group_info", WireFormat::MLS_GROUP_INFO)?;
    mls_message(case, "mls_key_package", WireFormat::MLS_KEY_PACKAGE)?;
    mls_message(
        case,
        "public_message_application",
        WireFormat::MLS_PUBLIC_MESSAGE,
    )?;
    mls_message(
        case,
        "public_message_proposal",
        WireFormat::MLS_PUBLIC_MESSAGE,
    )?;
    mls_message(
        case,
        "public_message_commit",
        WireFormat::MLS_PUBLIC_MESSAGE,
    )?;
    mls_message(case, "private_message", WireFormat::MLS_PRIVATE_MESSAGE)?;

    let tree_bytes = hex_field(case, "ratchet_tree")?;
    let tree =
        RatchetTree::decode_extension(&tree_bytes).map_err(|e| format!("ratchet_tree: {e}"))?;
    let again = tree
        .encode_extension()
        .map_err(|e| format!("ratchet_tree: {e}"))?;
    if again != tree_bytes {
        return Err("ratchet_tree: re-encoding differs".into());
    }

    round_trip!(GroupSecrets, case, "group_secrets");
    round_trip!(Add, case, "add_proposal");
    round_trip!(Update, case, "update_proposal");
    round_trip!(Remove, case, "remove_proposal");
    round_trip!(PreSharedKey, case, "pre_shared_key_proposal");
    round_trip!(ReInit, case, "re_init_proposal");
    round_trip!(ExternalInit, case, "external_init_proposal");
    round_trip!(
        GroupContextExtensions,
        case,
        "group_context_extensions_proposal"
    );
    round_trip!(Commit, case, "commit");
    Ok(())
}
