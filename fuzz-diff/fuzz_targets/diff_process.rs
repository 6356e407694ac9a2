#![no_main]
//! Target 3 (OpenMLS): OpenMLS creates the group, a melos member (Carol) and an OpenMLS
//! member (Bob) join, so both hold the same epoch; the input (a mutated Commit, proposal or
//! PrivateMessage from the OpenMLS creator) is processed by both: same verdict, and on an
//! accepted Commit the same epoch_authenticator and exporter secret.

use melos_fuzz_diff::fixtures::OpenMlsGroup;
use melos_fuzz_diff::{allow, compare, melos_side};

thread_local! {
    static FIXTURE: OpenMlsGroup = OpenMlsGroup::build();
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    melos_fuzz_diff::fixtures::write_seeds_once("diff_process");
    FIXTURE.with(|f| {
        let data = &melos_fuzz_diff::patched(&f.messages(), data)[..];
        let melos = melos_side::process(&f.carol, data);
        let theirs = f.bob.process_verdict(&f.bob_snapshot, &f.group_id, data);
        compare(
            "message",
            "OpenMLS",
            data,
            &melos,
            &theirs,
            allow::process_openmls,
        );
    });
});
