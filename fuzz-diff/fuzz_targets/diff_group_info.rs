#![no_main]
//! Target 1b: the same GroupInfo `MLSMessage` (ratchet tree in its extension) to melos,
//! OpenMLS and mls-rs: the GroupInfo signature against the signer's leaf and the tree checks
//! of RFC 9420 §7.9 and §12.4.3.1 (tree hash, parent hashes, leaf signatures, unmerged
//! leaves, key uniqueness) must give the same verdict, and when accepted the same context.

use std::sync::LazyLock;

use melos_fuzz_diff::{
    allow, comparable, compare, melos_side, mlsrs_side, now, openmls_side, suite_of,
};

static OPENMLS: LazyLock<openmls_rust_crypto::OpenMlsRustCrypto> = LazyLock::new(Default::default);

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    melos_fuzz_diff::fixtures::write_seeds_once("diff_group_info");
    let now = now();
    let suite = suite_of(data);
    let melos = melos_side::group_info(data, Some(now));
    if comparable(suite, openmls_side::supports) {
        let theirs = openmls_side::group_info(&OPENMLS, data);
        compare(
            "GroupInfo",
            "OpenMLS",
            data,
            &melos,
            &theirs,
            allow::group_info_openmls,
        );
    }
    if comparable(suite, mlsrs_side::supports) {
        let theirs = mlsrs_side::group_info(&mlsrs_side::external_client(), data, now);
        compare(
            "GroupInfo",
            "mls-rs",
            data,
            &melos,
            &theirs,
            allow::group_info_mlsrs,
        );
    }
});
