//! An OSV JSON record: parse, compile, open, match.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tollgate::osv::fuzz::osv_record(data);
});
