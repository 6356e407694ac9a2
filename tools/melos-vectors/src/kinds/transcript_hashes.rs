//! `transcript-hashes` vectors (RFC 9420 §8.2): the confirmation tag of an
//! `AuthenticatedContent` holding a Commit verifies against the new confirmed transcript
//! hash, and both transcript hashes follow from the previous interim hash.

use melos::CipherSuiteProvider;
use melos::crypto::Secret;
use melos::framing::{AuthenticatedContent, ContentType};
use melos::transcript::{TranscriptHashes, verify_confirmation_tag};
use serde_json::Value;

use crate::Report;
use crate::util::{check_eq, hex_field};

/// Verifies every case.
pub fn verify(cases: &[Value], report: &mut Report) -> bool {
    crate::util::verify_by_suite(cases, report, verify_case)
}

fn verify_case(cs: &dyn CipherSuiteProvider, case: &Value) -> Result<(), String> {
    let bytes = hex_field(case, "authenticated_content")?;
    let ac: AuthenticatedContent =
        melos::codec::decode_exact(&bytes).map_err(|e| format!("authenticated_content: {e}"))?;
    if melos::codec::encode(&ac).map_err(|e| e.to_string())? != bytes {
        return Err("authenticated_content: re-encoding differs".into());
    }
    if ac.content.content_type() != ContentType::Commit {
        return Err("authenticated_content does not hold a Commit".into());
    }
    let confirmed_after = hex_field(case, "confirmed_transcript_hash_after")?;
    let key = Secret::new(hex_field(case, "confirmation_key")?);
    let tag = ac
        .auth
        .confirmation_tag
        .as_deref()
        .ok_or("no confirmation tag")?;
    verify_confirmation_tag(cs, &key, &confirmed_after, tag)
        .map_err(|e| format!("confirmation tag: {e}"))?;
    let hashes =
        TranscriptHashes::update(cs, &hex_field(case, "interim_transcript_hash_before")?, &ac)
            .map_err(|e| e.to_string())?;
    check_eq(
        "confirmed_transcript_hash_after",
        &hashes.confirmed,
        &confirmed_after,
    )?;
    check_eq(
        "interim_transcript_hash_after",
        &hashes.interim,
        &hex_field(case, "interim_transcript_hash_after")?,
    )
}
