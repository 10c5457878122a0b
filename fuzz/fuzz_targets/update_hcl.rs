//! `--update` of an HCL literal output: the file, a NUL byte, the actual output.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (file, actual) = assay_fuzz::two_parts(data);
    assay_fuzz::update::hcl(&file, &actual);
});
