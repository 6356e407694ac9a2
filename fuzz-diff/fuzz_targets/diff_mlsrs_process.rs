#![no_main]
//! Target 3 (mls-rs): mls-rs creates the group, a melos member (Carol) and an mls-rs member
//! (Bob) join, so both hold the same epoch; the input (a mutated Commit, proposal or
//! PrivateMessage from the mls-rs creator) is processed by both: same verdict, and on an
//! accepted Commit the same epoch_authenticator and exporter secret.

use melos_fuzz_diff::fixtures::{MlsRsGroup, mlsrs_group};
use melos_fuzz_diff::{allow, compare, melos_side, mlsrs_side};

thread_local! {
    static FIXTURE: MlsRsGroup<mlsrs_side::Config> = mlsrs_group();
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    melos_fuzz_diff::fixtures::write_seeds_once("diff_mlsrs_process");
    FIXTURE.with(|f| {
        let data = &melos_fuzz_diff::patched(&f.messages(), data)[..];
        let melos = melos_side::process(&f.carol, data);
        let theirs = mlsrs_side::process(&f.bob, data);
        compare(
            "message",
            "mls-rs",
            data,
            &melos,
            &theirs,
            allow::process_mlsrs,
        );
    });
});
