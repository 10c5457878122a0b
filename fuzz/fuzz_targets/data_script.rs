//! A Data Scripts file (`script "exec" | "query" | "loop"`), parsed for each kind.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    assay_fuzz::text::data_script(&String::from_utf8_lossy(data));
});
