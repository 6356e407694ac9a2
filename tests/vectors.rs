//! The IETF MLS test vectors (mlswg/mls-implementations), one module per vector file.
//!
//! Each test verifies every case of its file and fails if any case failed, if any case was
//! not verified, or if any cipher suite present in the file was not fully verified. The
//! vectors are read from `$MELOS_TEST_VECTORS`, else `../shared/test-vectors`; a missing
//! directory fails loudly (see `test-vectors/README.md`).

use std::collections::BTreeMap;

fn check(kind: &str) {
    let dir = melos_vectors::vectors_dir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.join(format!("{kind}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let cases: Vec<serde_json::Value> = serde_json::from_str(&text).expect("vector JSON");
    let mut expected: BTreeMap<u16, usize> = BTreeMap::new();
    for case in &cases {
        if let Some(s) = melos_vectors::util::suite_of(case) {
            *expected.entry(s).or_default() += 1;
        }
    }

    let report = melos_vectors::verify_file(&path, Some(kind)).expect("verify");
    println!("{}", report.to_json_line());
    assert!(
        report.failed == 0,
        "{kind}: {} case(s) failed:\n{}",
        report.failed,
        report.failures.join("\n")
    );
    assert_eq!(report.unsupported, 0, "{kind}: cases not verified");
    assert_eq!(
        report.passed,
        cases.len(),
        "{kind}: not every case was verified"
    );
    for (suite, n) in &expected {
        let got = report.by_suite.get(suite).map_or(0, |c| c.passed);
        assert_eq!(
            got, *n,
            "{kind}: suite {suite}: {got} of {n} cases verified"
        );
    }
}

macro_rules! vector_file {
    ($module:ident, $kind:literal) => {
        mod $module {
            #[test]
            fn every_case_of_every_suite() {
                super::check($kind);
            }
        }
    };
}

vector_file!(tree_math, "tree-math");
vector_file!(crypto_basics, "crypto-basics");
vector_file!(deserialization, "deserialization");
vector_file!(secret_tree, "secret-tree");
vector_file!(key_schedule, "key-schedule");
vector_file!(psk_secret, "psk_secret");
vector_file!(tree_validation, "tree-validation");
vector_file!(tree_operations, "tree-operations");
vector_file!(treekem, "treekem");
vector_file!(welcome, "welcome");
vector_file!(message_protection, "message-protection");
vector_file!(transcript_hashes, "transcript-hashes");
vector_file!(messages, "messages");
vector_file!(passive_client_welcome, "passive-client-welcome");
vector_file!(
    passive_client_handling_commit,
    "passive-client-handling-commit"
);
vector_file!(passive_client_random, "passive-client-random");
