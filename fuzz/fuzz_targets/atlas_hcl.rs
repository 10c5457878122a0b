//! atlas.hcl: the env named on the first line, loaded from the rest.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    assay_fuzz::text::project_file(&String::from_utf8_lossy(data));
});
