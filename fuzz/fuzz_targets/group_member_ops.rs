#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| melos::fuzzing::member_ops::member_ops(data));
