#![no_main]
// The body is a library function so a regular test runs it too (tests/python_fuzz.rs).
libfuzzer_sys::fuzz_target!(|data: &[u8]| tollgate::inventory::requirements::fuzz(data));
