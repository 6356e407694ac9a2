//! Allow-lists: triaged disagreements where the peer is wrong or RFC 9420 leaves the
//! behaviour open, each named after its entry in `fuzz/DIFFERENCES.md`. Each function gets
//! the input and the (melos, peer) verdicts and returns the entry's name if it explains them.

use crate::Verdict;

/// KeyPackage, melos vs OpenMLS.
pub fn key_package_openmls(
    _input: &[u8],
    _melos: &Verdict,
    _theirs: &Verdict,
) -> Option<&'static str> {
    None
}

/// KeyPackage, melos vs mls-rs.
pub fn key_package_mlsrs(
    _input: &[u8],
    _melos: &Verdict,
    _theirs: &Verdict,
) -> Option<&'static str> {
    None
}

/// GroupInfo + ratchet tree, melos vs OpenMLS.
pub fn group_info_openmls(
    _input: &[u8],
    _melos: &Verdict,
    _theirs: &Verdict,
) -> Option<&'static str> {
    None
}

/// GroupInfo + ratchet tree, melos vs mls-rs.
pub fn group_info_mlsrs(
    _input: &[u8],
    _melos: &Verdict,
    _theirs: &Verdict,
) -> Option<&'static str> {
    None
}

/// Welcome, melos vs OpenMLS.
pub fn welcome_openmls(_input: &[u8], _melos: &Verdict, _theirs: &Verdict) -> Option<&'static str> {
    None
}

/// Group messages, melos vs OpenMLS.
pub fn process_openmls(_input: &[u8], _melos: &Verdict, _theirs: &Verdict) -> Option<&'static str> {
    None
}

/// Group messages, melos vs mls-rs.
pub fn process_mlsrs(_input: &[u8], melos: &Verdict, theirs: &Verdict) -> Option<&'static str> {
    d3(melos, theirs)
}
