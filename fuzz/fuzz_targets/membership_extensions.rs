#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    melos::fuzzing::extensions_members::membership_extensions(data)
});
