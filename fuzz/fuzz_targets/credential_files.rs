#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| acs_tests::fuzzing::credential_files(data));
