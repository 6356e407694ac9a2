#![no_main]
//! Target 1a': as `diff_key_package`, but the mutated KeyPackage is signed again (leaf and
//! KeyPackage, with a key held by the harness) before it goes to melos, OpenMLS and mls-rs,
//! so mutations reach the checks behind the signatures (RFC 9420 §10.1: version, suite,
//! `leaf_node_source`, lifetime, `init_key` != `encryption_key`, capabilities, extensions).

use std::sync::LazyLock;

use melos_fuzz_diff::{
    allow, comparable, compare, melos_side, mlsrs_side, now, openmls_side, suite_of,
};

static OPENMLS: LazyLock<openmls_rust_crypto::OpenMlsRustCrypto> = LazyLock::new(Default::default);

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some(signed) = melos_side::resign_key_package(data) else {
        return;
    };
    let data = &signed[..];
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
