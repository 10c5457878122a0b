//! HCL schema files (one, or a txtar archive of several): parse, render for every dialect.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    assay_fuzz::schema::check(&String::from_utf8_lossy(data));
});
