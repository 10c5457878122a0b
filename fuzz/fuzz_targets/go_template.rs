//! A `data "template_dir"` template (Go template subset), rendered with fixed vars.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    assay_fuzz::text::go_template(&String::from_utf8_lossy(data));
});
