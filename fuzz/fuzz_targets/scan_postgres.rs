//! The SQL scanner with the postgres dialect's options.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    assay_fuzz::scan::check(
        &String::from_utf8_lossy(data),
        Some(dbassay_dsl::Dialect::Postgres),
    );
});
