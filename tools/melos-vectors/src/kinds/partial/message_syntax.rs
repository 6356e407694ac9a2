//! `partial/message-syntax.json`: each encoded Partial MLS structure decodes as the named
//! structure and re-encodes to the same bytes (draft-ietf-mls-partial, Test Vectors).

use melos::codec;
use melos::framing::{PrivateMessage, PublicMessage};
use melos::messages::{GroupInfo, Welcome};
use melos::partial::{
    AnnotatedCommit, AnnotatedWelcome, CopathHash, MembershipProof, SenderAuthenticatedMessage,
};
use round_trip::RoundTrip;
use serde_json::Value;

use crate::Report;
use crate::util::{check_eq, hex_field};

/// Verifies every case.
pub fn verify(cases: &[Value], report: &mut Report) -> bool {
    super::verify_supported(cases, report, |_, case| verify_case(case))
}

mod round_trip {
    /// Decodes exactly and re-encodes.
    pub trait RoundTrip {
        fn round_trip(bytes: &[u8]) -> Result<Vec<u8>, String>;
    }
}

macro_rules! round_trip {
    ($($t:ty),*) => {$(
        impl RoundTrip for $t {
            fn round_trip(bytes: &[u8]) -> Result<Vec<u8>, String> {
                let v: $t = codec::decode_exact(bytes).map_err(|e| e.to_string())?;
                codec::encode(&v).map_err(|e| e.to_string())
            }
        }
    )*};
}

round_trip!(
    CopathHash,
    MembershipProof,
    SenderAuthenticatedMessage<Welcome>,
    SenderAuthenticatedMessage<GroupInfo>,
    SenderAuthenticatedMessage<PublicMessage>,
    SenderAuthenticatedMessage<PrivateMessage>,
    AnnotatedWelcome,
    AnnotatedCommit
);

fn check<T: RoundTrip>(case: &Value, field: &str) -> Result<(), String> {
    let bytes = hex_field(case, field)?;
    let again = T::round_trip(&bytes).map_err(|e| format!("{field}: {e}"))?;
    check_eq(field, &again, &bytes)
}

fn verify_case(case: &Value) -> Result<(), String> {
    check::<CopathHash>(case, "copath_hash")?;
    check::<MembershipProof>(case, "membership_proof")?;
    check::<SenderAuthenticatedMessage<Welcome>>(case, "sender_authenticated_welcome")?;
    check::<SenderAuthenticatedMessage<GroupInfo>>(case, "sender_authenticated_group_info")?;
    check::<SenderAuthenticatedMessage<PublicMessage>>(
        case,
        "sender_authenticated_public_message",
    )?;
    check::<SenderAuthenticatedMessage<PrivateMessage>>(
        case,
        "sender_authenticated_private_message",
    )?;
    check::<AnnotatedWelcome>(case, "annotated_welcome")?;
    check::<AnnotatedCommit>(case, "annotated_commit")?;
    Ok(())
}
