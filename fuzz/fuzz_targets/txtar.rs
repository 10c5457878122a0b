//! txtar archives: parse, write back, parse again.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    assay_fuzz::text::archive(&String::from_utf8_lossy(data));
});
