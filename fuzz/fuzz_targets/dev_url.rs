//! A dev URL: parse, canonical form, masked display.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    assay_fuzz::url::dev_url(&String::from_utf8_lossy(data));
});
