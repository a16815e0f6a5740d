#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tollgate::inventory::cyclonedx::fuzz(data));
