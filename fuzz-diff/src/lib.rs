//! Glue for differential fuzzing of melos against OpenMLS 0.9 and mls-rs (RFC 9420).
//!
//! Each fuzz target feeds the same bytes to melos and to a peer implementation, reduces each
//! side's answer to a [`Verdict`] (refused, or accepted with the fields that must agree) and
//! calls [`compare`], which panics on a disagreement that is not allow-listed (see
//! `fuzz/DIFFERENCES.md`). Fixtures (groups, Welcomes, seeds) are built once per process and
//! cloned per input.

pub mod allow;
pub mod fixtures;
pub mod melos_side;
pub mod mlsrs_side;
pub mod openmls_side;
pub mod verdict;

pub use verdict::{Verdict, compare};

/// Seconds since the Unix epoch (OpenMLS checks KeyPackage lifetimes against the system
/// clock, so melos and mls-rs are given the same time).
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Writes `bytes` to `dir/name` when the environment variable `MELOS_DIFF_WRITE_SEEDS`
/// names a directory: how the committed seed corpora were produced.
pub fn write_seed(name: &str, bytes: &[u8]) {
    if let Ok(dir) = std::env::var("MELOS_DIFF_WRITE_SEEDS") {
        let dir = std::path::Path::new(&dir);
        let _ = std::fs::create_dir_all(dir);
        let _ = std::fs::write(dir.join(format!("seed-{name}")), bytes);
    }
}

/// The cipher suite of a KeyPackage or GroupInfo `MLSMessage` (bytes 6..8: after the
/// message's version and wire format, the body's version), if the input is that long.
pub fn suite_of(data: &[u8]) -> Option<u16> {
    let b = data.get(6..8)?;
    Some(u16::from_be_bytes([b[0], b[1]]))
}

/// Whether a peer's verdict is to be compared for `suite`: always for values outside the
/// RFC 9420 suites (everyone must refuse them), else only when the peer implements it.
pub fn comparable(suite: Option<u16>, peer_supports: fn(u16) -> bool) -> bool {
    match suite {
        Some(s @ 1..=7) => peer_supports(s),
        _ => true,
    }
}

/// The message a fuzz input stands for in the fixture-based targets (Welcome, group
/// messages). Fixtures hold fresh keys in every process, so an input cannot be a whole
/// message: it is a patch of one of the fixture's valid messages, `[which, cut, mask...]`:
/// message `which` (modulo their number), its last `cut` bytes dropped, XORed with `mask`,
/// and the part of `mask` past its end appended. `[i, 0]` is message `i` unchanged.
pub fn patched(messages: &[Vec<u8>], data: &[u8]) -> Vec<u8> {
    let (Some(&which), Some(&cut)) = (data.first(), data.get(1)) else {
        return Vec::new();
    };
    let Some(base) = messages.get(usize::from(which) % messages.len().max(1)) else {
        return Vec::new();
    };
    let mask = data.get(2..).unwrap_or_default();
    let mut out = base[..base.len().saturating_sub(usize::from(cut))].to_vec();
    for (b, m) in out.iter_mut().zip(mask) {
        *b ^= m;
    }
    if let Some(tail) = mask.get(out.len()..) {
        out.extend_from_slice(tail);
    }
    out
}
