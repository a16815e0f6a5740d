#![no_main]
//! Fuzzes `tollgate::analyze::models::fuzz::decompress`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tollgate::analyze::models::fuzz::decompress(data);
});
