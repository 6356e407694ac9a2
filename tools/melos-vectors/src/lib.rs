//! Verifies the IETF MLS test vectors (mlswg/mls-implementations, folder `test-vectors/`)
//! against melos.
//!
//! [`verify_file`] recognises the vector kind from the file name, verifies every case and
//! returns a [`Report`] that counts passed, failed and unsupported cases, per cipher suite
//! where the file has suites. The `melos-vectors` binary prints one JSON line per report, and
//! the melos integration tests (`tests/vectors.rs`) assert on the same reports.
//!
//! It also verifies the HPKE post-quantum vectors of draft-ietf-hpke-pq
//! (`hpke-pq/test-vectors.json`, kind [`HPKE_PQ_KIND`], counted per `kem_id`); with the
//! feature `pq` (melos's `pq`) the cases of the five implemented KEMs under HKDF are checked,
//! the others are unsupported.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

pub mod kinds;
pub mod util;

/// Counts for one cipher suite.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SuiteCount {
    /// Cases of this suite that verified.
    pub passed: usize,
    /// Cases of this suite that failed.
    pub failed: usize,
    /// Cases of this suite that melos cannot check yet.
    pub unsupported: usize,
}

/// The outcome of verifying one vector file.
#[derive(Debug, Default, Clone)]
pub struct Report {
    /// The file verified.
    pub file: String,
    /// The vector kind, e.g. `tree-math`.
    pub kind: String,
    /// Cases that verified.
    pub passed: usize,
    /// Cases that failed.
    pub failed: usize,
    /// Cases melos cannot check yet.
    pub unsupported: usize,
    /// Counts per cipher suite (only for files whose cases carry a `cipher_suite`); for
    /// the [`HPKE_PQ_KIND`] file, counts per HPKE `kem_id`.
    pub by_suite: BTreeMap<u16, SuiteCount>,
    /// A message per failed case (case index, suite, what differed).
    pub failures: Vec<String>,
}

impl Report {
    fn suite(&mut self, suite: Option<u16>) -> Option<&mut SuiteCount> {
        suite.map(|s| self.by_suite.entry(s).or_default())
    }

    /// Records a verified case.
    pub fn pass(&mut self, suite: Option<u16>) {
        self.passed += 1;
        if let Some(c) = self.suite(suite) {
            c.passed += 1;
        }
    }

    /// Records a failed case with what went wrong.
    pub fn fail(&mut self, suite: Option<u16>, case: usize, msg: impl std::fmt::Display) {
        self.failed += 1;
        if let Some(c) = self.suite(suite) {
            c.failed += 1;
        }
        let s = suite.map(|s| format!(" suite {s}")).unwrap_or_default();
        self.failures.push(format!("case {case}{s}: {msg}"));
    }

    /// Records a case melos cannot check.
    pub fn unsupported(&mut self, suite: Option<u16>) {
        self.unsupported += 1;
        if let Some(c) = self.suite(suite) {
            c.unsupported += 1;
        }
    }

    /// Records the result of checking one case.
    pub fn record(&mut self, suite: Option<u16>, case: usize, result: Result<(), String>) {
        match result {
            Ok(()) => self.pass(suite),
            Err(e) => self.fail(suite, case, e),
        }
    }

    /// Whether every case verified (nothing failed, nothing unsupported, at least one case).
    pub fn is_clean(&self) -> bool {
        self.failed == 0 && self.unsupported == 0 && self.passed > 0
    }

    /// The report as one JSON line.
    pub fn to_json_line(&self) -> String {
        let mut by_suite = String::new();
        for (i, (s, c)) in self.by_suite.iter().enumerate() {
            if i > 0 {
                by_suite.push(',');
            }
            let _ = write!(
                by_suite,
                "\"{s}\":{{\"passed\":{},\"failed\":{},\"unsupported\":{}}}",
                c.passed, c.failed, c.unsupported
            );
        }
        format!(
            "{{\"file\":{},\"kind\":{},\"passed\":{},\"failed\":{},\"unsupported\":{},\"by_suite\":{{{}}}}}",
            Value::String(self.file.clone()),
            Value::String(self.kind.clone()),
            self.passed,
            self.failed,
            self.unsupported,
            by_suite
        )
    }
}

/// The sixteen vector kinds of mlswg/mls-implementations.
pub const KINDS: [&str; 16] = [
    "tree-math",
    "crypto-basics",
    "secret-tree",
    "message-protection",
    "key-schedule",
    "psk_secret",
    "transcript-hashes",
    "welcome",
    "tree-operations",
    "tree-validation",
    "treekem",
    "messages",
    "passive-client-welcome",
    "passive-client-handling-commit",
    "passive-client-random",
    "deserialization",
];

/// The kinds of the Partial MLS vectors of draft-ietf-mls-partial (folder `partial/`):
/// `partial-` and the file's name, so that `partial/tree-operations.json` is not taken for
/// the RFC 9420 `tree-operations.json`.
pub const PARTIAL_KINDS: [&str; 7] = [
    "partial-message-syntax",
    "partial-membership-proofs",
    "partial-sender-authenticated-messages",
    "partial-tree-operations",
    "partial-annotated-welcome",
    "partial-annotated-commit",
    "partial-passive-client-scenarios",
];

/// The kind of the HPKE post-quantum vectors of draft-ietf-hpke-pq (hpkewg/hpke-pq
/// `test-vectors.json`, kept as `hpke-pq/test-vectors.json`). Its counts are kept per HPKE
/// `kem_id` in [`Report::by_suite`].
pub const HPKE_PQ_KIND: &str = "hpke-pq";

/// The kind of a vector file from its name (`tree-math.json` is `tree-math`;
/// `partial/membership-proofs.json` is `partial-membership-proofs`, see [`PARTIAL_KINDS`];
/// `hpke-pq/test-vectors.json` and `hpke-pq.json` are [`HPKE_PQ_KIND`]).
pub fn kind_from_path(path: &Path) -> Option<&'static str> {
    let stem = path.file_stem()?.to_str()?;
    let parent = path
        .parent()
        .and_then(Path::file_name)
        .and_then(|p| p.to_str());
    if stem == HPKE_PQ_KIND || (stem == "test-vectors" && parent == Some(HPKE_PQ_KIND)) {
        return Some(HPKE_PQ_KIND);
    }
    if parent == Some("partial") {
        return PARTIAL_KINDS
            .iter()
            .copied()
            .find(|k| k.strip_prefix("partial-") == Some(stem));
    }
    KINDS
        .iter()
        .chain(PARTIAL_KINDS.iter())
        .copied()
        .find(|k| *k == stem)
}

/// Verifies parsed vectors of `kind` and returns the report.
pub fn verify_value(kind: &str, file: &str, value: &Value) -> Report {
    let mut report = Report {
        file: file.to_string(),
        kind: kind.to_string(),
        ..Report::default()
    };
    let Some(cases) = value.as_array() else {
        report.fail(None, 0, "the file is not a JSON array of cases");
        return report;
    };
    if !kinds::verify(kind, cases, &mut report) {
        for case in cases {
            report.unsupported(util::suite_of(case));
        }
    }
    report
}

/// Reads and verifies one vector file; `kind` overrides the kind taken from the file name.
pub fn verify_file(path: &Path, kind: Option<&str>) -> Result<Report, String> {
    let kind = match kind {
        Some(k) => k.to_string(),
        None => kind_from_path(path)
            .ok_or_else(|| format!("{}: unknown vector kind; pass --kind", path.display()))?
            .to_string(),
    };
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| format!("{}: invalid JSON: {e}", path.display()))?;
    Ok(verify_value(&kind, &path.display().to_string(), &value))
}

/// The directory holding the official vectors: `$MELOS_TEST_VECTORS`, else
/// `../shared/test-vectors` next to the melos repository root.
///
/// Fails with instructions when the directory does not exist: the vector tests never skip.
pub fn vectors_dir() -> Result<PathBuf, String> {
    let dir = match std::env::var_os("MELOS_TEST_VECTORS") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/test-vectors"),
    };
    if dir.is_dir() {
        Ok(dir)
    } else {
        Err(format!(
            "MLS test vectors not found at {}. Get the JSON files from \
             mlswg/mls-implementations (commit cfd4502, folder test-vectors/) and set \
             MELOS_TEST_VECTORS to their directory, or place them at ../shared/test-vectors \
             next to the repository (see test-vectors/README.md).",
            dir.display()
        ))
    }
}
