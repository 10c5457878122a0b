//! `--update` of a txtar section: the script, NUL, the section name, NUL, the data.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (script, rest) = assay_fuzz::two_parts(data);
    let (name, data) = assay_fuzz::two_parts(rest.as_bytes());
    assay_fuzz::update::section(&script, &name, &data);
});
