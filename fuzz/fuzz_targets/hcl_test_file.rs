//! An HCL test file: parse, expand, evaluate every case's commands.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    assay_fuzz::text::test_file(&text, &Default::default());
});
