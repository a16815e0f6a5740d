//! Two version strings and a CVSS vector: parse and compare in PEP 440 and SemVer order.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tollgate::osv::fuzz::osv_versions(data);
});
