//! An atlas.sum checked against a fixed directory.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    assay_fuzz::dir::sum(&String::from_utf8_lossy(data));
});
