#![no_main]
//! Target 2: one Welcome (from OpenMLS) for one KeyPackage whose private keys both a melos
//! client and an OpenMLS client hold; the mutated Welcome must be accepted or refused alike,
//! and when accepted give the same epoch, epoch_authenticator and exporter secret.

use melos_fuzz_diff::fixtures::OpenMlsWelcome;
use melos_fuzz_diff::{allow, compare, melos_side};

thread_local! {
    static FIXTURE: OpenMlsWelcome = OpenMlsWelcome::build();
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    melos_fuzz_diff::fixtures::write_seeds_once("diff_welcome");
    FIXTURE.with(|f| {
        let data = &melos_fuzz_diff::patched(&f.messages(), data)[..];
        let melos = melos_side::join(&f.melos_dave, data);
        let theirs = f.dave.join_verdict(&f.dave_snapshot, data);
        compare(
            "Welcome",
            "OpenMLS",
            data,
            &melos,
            &theirs,
            allow::welcome_openmls,
        );
    });
});
