#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| melos::fuzzing::components::components(data));
