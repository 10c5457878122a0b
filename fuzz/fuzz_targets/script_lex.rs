//! The script of a txtar archive, lexed into command lines.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    assay_fuzz::text::script_lines(&String::from_utf8_lossy(data));
});
