//! The Partial MLS vectors of draft-ietf-mls-partial (`partial/*.json` under the vector
//! directory): exact counts per suite, so that a regression (or a newly passing file)
//! fails the test. Suites 8, 9 and 10 are post-quantum suites melos does not implement
//! yet: their cases are unsupported, never failed.

use std::collections::BTreeMap;

/// `(kind, passed per suite 1 to 7, unsupported per suite 1 to 7)`.
fn check(kind: &str, passed: usize, unsupported: usize) {
    let dir = melos_vectors::vectors_dir().unwrap_or_else(|e| panic!("{e}"));
    let file = kind.strip_prefix("partial-").expect("partial kind");
    let path = dir.join("partial").join(format!("{file}.json"));
    let report = melos_vectors::verify_file(&path, None).expect("verify");
    println!("{}", report.to_json_line());
    assert_eq!(report.kind, kind);
    assert_eq!(
        report.failed,
        0,
        "{kind}: failures:\n{}",
        report.failures.join("\n")
    );
    let mut want: BTreeMap<u16, (usize, usize)> = BTreeMap::new();
    for s in 1..=7u16 {
        want.insert(s, (passed, unsupported));
    }
    for (suite, c) in &report.by_suite {
        if (8..=10).contains(suite) {
            assert_eq!(
                c.passed + c.failed,
                0,
                "{kind}: PQ suite {suite} now runs: update"
            );
            continue;
        }
        let (p, u) = want
            .remove(suite)
            .unwrap_or_else(|| panic!("{kind}: suite {suite}"));
        assert_eq!((c.passed, c.unsupported), (p, u), "{kind}: suite {suite}");
    }
    assert!(want.is_empty(), "{kind}: suites missing: {want:?}");
}

#[test]
fn message_syntax() {
    check("partial-message-syntax", 1, 0);
}

#[test]
fn membership_proofs() {
    check("partial-membership-proofs", 8, 0);
}

#[test]
fn sender_authenticated_messages() {
    check("partial-sender-authenticated-messages", 2, 0);
}

#[test]
fn annotated_welcome() {
    check("partial-annotated-welcome", 1, 0);
}

#[test]
fn passive_client_scenarios() {
    check("partial-passive-client-scenarios", 1, 0);
}

/// Unsupported: `state_before` has no private key (not even the receiver's leaf key) to
/// decrypt the path secret with; everything else (authentication, proofs, the path secrets
/// `state_after` gives, `commit_secret`, the key schedule, `state_after`) is checked and
/// would fail the case.
#[test]
fn annotated_commit() {
    check("partial-annotated-commit", 0, 1);
}

/// The path secrets open with `tree_hash_after` as the HPKE context, the file's stand-in
/// for the provisional GroupContext (see `kinds/partial/tree_operations.rs`).
#[test]
fn tree_operations() {
    check("partial-tree-operations", 4, 0);
}
