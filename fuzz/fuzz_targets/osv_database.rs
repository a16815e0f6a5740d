//! A compiled advisory database file (as found, maybe damaged, in TOLLGATE_HOME).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tollgate::osv::fuzz::osv_database(data);
});
