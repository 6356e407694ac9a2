#![no_main]
//! Target 1a: the same KeyPackage `MLSMessage` to melos, OpenMLS and mls-rs: decoded and
//! validated (RFC 9420 §10.1) alike, and when accepted, the same re-encoding, key fields and
//! KeyPackageRef. Verdicts are compared only for suites the peer implements.

use std::sync::LazyLock;

use melos_fuzz_diff::{
    allow, comparable, compare, melos_side, mlsrs_side, now, openmls_side, suite_of,
};

static OPENMLS: LazyLock<openmls_rust_crypto::OpenMlsRustCrypto> = LazyLock::new(Default::default);

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    melos_fuzz_diff::fixtures::write_seeds_once("diff_key_package");
    let now = now();
    let suite = suite_of(data);
    let melos = melos_side::key_package(data, now);
    if comparable(suite, openmls_side::supports) {
        let theirs = openmls_side::key_package(&OPENMLS, data);
        compare(
            "KeyPackage",
            "OpenMLS",
            data,
            &melos,
            &theirs,
            allow::key_package_openmls,
        );
    }
    if comparable(suite, mlsrs_side::supports) {
        let theirs = mlsrs_side::key_package(&mlsrs_side::external_client(), data, now);
        compare(
            "KeyPackage",
            "mls-rs",
            data,
            &melos,
            &theirs,
            allow::key_package_mlsrs,
        );
    }
});
