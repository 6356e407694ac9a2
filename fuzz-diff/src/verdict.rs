//! Normalised answers of one implementation, and their comparison.

/// What one implementation made of an input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Refused, with the implementation's error (for the report only: error kinds differ).
    Refused(String),
    /// Accepted; the fields that must agree (re-encoding, key fields, epoch authenticator,
    /// exporter secret...), as labelled byte strings.
    Accepted(Vec<(&'static str, Vec<u8>)>),
}

impl Verdict {
    /// A refusal from any error.
    pub fn refused(e: impl core::fmt::Debug) -> Self {
        Verdict::Refused(format!("{e:?}"))
    }

    /// Whether accepted.
    pub fn is_accepted(&self) -> bool {
        matches!(self, Verdict::Accepted(_))
    }
}

/// A known, triaged disagreement (see `fuzz/DIFFERENCES.md`): given the two verdicts, returns
/// the name of the DIFFERENCES.md entry that explains it, if any.
pub type AllowList = fn(&[u8], &Verdict, &Verdict) -> Option<&'static str>;

/// Panics (a fuzz finding) when melos and the peer disagree: one accepts and the other
/// refuses, or both accept with different fields, unless `allow` explains it.
pub fn compare(
    what: &str,
    peer: &str,
    input: &[u8],
    melos: &Verdict,
    theirs: &Verdict,
    allow: AllowList,
) {
    let agree = match (melos, theirs) {
        (Verdict::Refused(_), Verdict::Refused(_)) => true,
        // The fields both sides report must be equal (a peer may not expose every field).
        (Verdict::Accepted(a), Verdict::Accepted(b)) => a
            .iter()
            .all(|(k, v)| b.iter().all(|(k2, v2)| k != k2 || v == v2)),
        _ => false,
    };
    if std::env::var_os("MELOS_DIFF_VERBOSE").is_some() {
        eprintln!(
            "{what}: melos {}\n  {peer} {}",
            summary(melos),
            summary(theirs)
        );
    }
    if agree || allow(input, melos, theirs).is_some() {
        return;
    }
    // Triage mode: report each kind of disagreement once and go on.
    if std::env::var_os("MELOS_DIFF_LOG_ONLY").is_some() {
        thread_local! {
            static SEEN: std::cell::RefCell<std::collections::HashSet<String>> =
                Default::default();
        }
        let key = format!("{what}/{peer}/{}/{}", kind(melos), kind(theirs));
        if SEEN.with(|s| s.borrow_mut().insert(key.clone())) {
            eprintln!(
                "DISAGREEMENT {key}\n  melos: {}\n  {peer}: {}\n  input: {}",
                summary(melos),
                summary(theirs),
                hex(input)
            );
        }
        return;
    }
    panic!(
        "{what}: melos and {peer} disagree\n  melos: {}\n  {peer}: {}\n  input: {}",
        summary(melos),
        summary(theirs),
        hex(input)
    );
}

/// The error's name (up to its first parenthesis past the category), or "accepted".
fn kind(v: &Verdict) -> String {
    match v {
        Verdict::Refused(e) => e.chars().take(60).collect(),
        Verdict::Accepted(_) => "accepted".into(),
    }
}

fn summary(v: &Verdict) -> String {
    match v {
        Verdict::Refused(e) => format!("refused ({e})"),
        Verdict::Accepted(fields) => {
            let parts: Vec<String> = fields
                .iter()
                .map(|(k, v)| format!("{k}={}", hex(v)))
                .collect();
            format!("accepted [{}]", parts.join(", "))
        }
    }
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// No known difference.
pub fn none(_: &[u8], _: &Verdict, _: &Verdict) -> Option<&'static str> {
    None
}
