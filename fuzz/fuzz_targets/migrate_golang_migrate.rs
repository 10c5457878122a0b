//! A golang_migrate migration directory (a txtar archive of files) read, split, summed.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    assay_fuzz::dir::check(data, dbassay_dsl::migrate::Format::GolangMigrate);
});
