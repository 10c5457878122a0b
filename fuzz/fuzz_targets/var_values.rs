//! `--var name=value` lines, converted to every variable type.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    assay_fuzz::text::var_values(&String::from_utf8_lossy(data));
});
