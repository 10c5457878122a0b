//! Password masking of hand-written URLs and key=value settings (user, password, rest on three lines).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    assay_fuzz::url::masked(&String::from_utf8_lossy(data));
});
