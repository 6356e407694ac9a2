//! Allow-lists: triaged disagreements where the peer is wrong or RFC 9420 leaves the
//! behaviour open, each named after its entry in `fuzz/DIFFERENCES.md`. Each function gets
//! the input and the (melos, peer) verdicts and returns the entry's name if it explains them.

use crate::Verdict;

/// melos refused with an error whose name contains one of `errors` and the peer accepted:
/// the entry `name` explains it.
fn melos_stricter(
    melos: &Verdict,
    theirs: &Verdict,
    errors: &[&str],
    name: &'static str,
) -> Option<&'static str> {
    match (melos, theirs) {
        (Verdict::Refused(e), Verdict::Accepted(_)) if errors.iter().any(|x| e.contains(x)) => {
            Some(name)
        }
        _ => None,
    }
}

/// D1 (RFC 9420 §7.2, §10.1): melos refuses a KeyPackage whose own version or cipher suite
/// is missing from its leaf's `capabilities`; OpenMLS and mls-rs accept it.
const D1: &[&str] = &["CipherSuiteNotInCapabilities", "VersionNotInCapabilities"];

/// D2 (RFC 9420 §7.2): melos refuses a KeyPackage whose leaf's credential type is not in
/// its `capabilities.credentials`; OpenMLS 0.9.2 and mls-rs 0.57 accept it (peer defect).
const D2: &[&str] = &["CredentialTypeNotInCapabilities"];

/// D5 (RFC 9420 §10, RFC 9180 §7.1.4): melos refuses a KeyPackage whose `init_key` or
/// leaf `encryption_key` is a KEM public key nothing can be sealed to (an X25519 key of low
/// order, e.g. p+1); the peer accepts it and would fail only when sealing a Welcome to it.
const D5: &[&str] = &["InvalidKemPublicKey"];

/// D6 (RFC 9420 §10): melos refuses a KeyPackage with an extension (in
/// `KeyPackage.extensions`) whose type is not in its leaf's `capabilities.extensions`;
/// mls-rs 0.57 accepts it (peer defect).
const D6: &[&str] = &["KeyPackageExtensionNotInCapabilities"];

/// D3 (RFC 9420 §5.3.1): mls-rs's `BasicIdentityProvider` refuses credentials other than
/// `basic`; credential validation is the application's, and melos's KeyPackage validation
/// leaves it to the Authentication Service.
fn d3(melos: &Verdict, theirs: &Verdict) -> Option<&'static str> {
    match (melos, theirs) {
        (Verdict::Accepted(_), Verdict::Refused(e)) if e.contains("IdentityProviderError") => {
            Some("D3")
        }
        _ => None,
    }
}

/// KeyPackage, melos vs OpenMLS.
pub fn key_package_openmls(
    _input: &[u8],
    melos: &Verdict,
    theirs: &Verdict,
) -> Option<&'static str> {
    melos_stricter(melos, theirs, D1, "D1")
        .or_else(|| melos_stricter(melos, theirs, D2, "D2"))
        .or_else(|| melos_stricter(melos, theirs, D5, "D5"))
}

/// KeyPackage, melos vs mls-rs.
pub fn key_package_mlsrs(_input: &[u8], melos: &Verdict, theirs: &Verdict) -> Option<&'static str> {
    melos_stricter(melos, theirs, D1, "D1")
        .or_else(|| melos_stricter(melos, theirs, D2, "D2"))
        .or_else(|| melos_stricter(melos, theirs, D5, "D5"))
        .or_else(|| melos_stricter(melos, theirs, D6, "D6"))
        .or_else(|| d3(melos, theirs))
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
pub fn group_info_mlsrs(_input: &[u8], melos: &Verdict, theirs: &Verdict) -> Option<&'static str> {
    d3(melos, theirs)
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
