//! One module per vector kind. Each exposes `verify(cases, report) -> bool`, which checks
//! every case into the report and returns `false` only if the kind is not supported at all.

use serde_json::Value;

use crate::Report;

pub mod crypto_basics;
pub mod deserialization;
pub mod hpke_pq;
pub mod key_schedule;
pub mod message_protection;
pub mod messages;
pub mod partial;
pub mod passive_client;
pub mod psk_secret;
pub mod secret_tree;
pub mod transcript_hashes;
pub mod tree_math;
pub mod tree_operations;
pub mod tree_validation;
pub mod treekem;
pub mod welcome;

/// Verifies `cases` of `kind` into `report`; returns `false` when melos does not know the
/// kind yet (the caller then counts every case as unsupported).
pub fn verify(kind: &str, cases: &[Value], report: &mut Report) -> bool {
    match kind {
        "tree-math" => tree_math::verify(cases, report),
        "crypto-basics" => crypto_basics::verify(cases, report),
        "deserialization" => deserialization::verify(cases, report),
        crate::HPKE_PQ_KIND => hpke_pq::verify(cases, report),
        "secret-tree" => secret_tree::verify(cases, report),
        "key-schedule" => key_schedule::verify(cases, report),
        "psk_secret" => psk_secret::verify(cases, report),
        "tree-validation" => tree_validation::verify(cases, report),
        "tree-operations" => tree_operations::verify(cases, report),
        "treekem" => treekem::verify(cases, report),
        "messages" => messages::verify(cases, report),
        "message-protection" => message_protection::verify(cases, report),
        "transcript-hashes" => transcript_hashes::verify(cases, report),
        "welcome" => welcome::verify(cases, report),
        "passive-client-welcome" | "passive-client-handling-commit" | "passive-client-random" => {
            passive_client::verify(cases, report)
        }
        "partial-message-syntax" => partial::message_syntax::verify(cases, report),
        "partial-membership-proofs" => partial::membership_proofs::verify(cases, report),
        "partial-sender-authenticated-messages" => {
            partial::sender_authenticated::verify(cases, report)
        }
        "partial-annotated-welcome" => partial::annotated_welcome::verify(cases, report),
        "partial-tree-operations" => partial::tree_operations::verify(cases, report),
        "partial-annotated-commit" => partial::annotated_commit::verify(cases, report),
        "partial-passive-client-scenarios" => partial::passive_client::verify(cases, report),
        _ => false,
    }
}
