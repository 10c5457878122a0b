//! What the fuzz targets check, beyond "never panics": the rules each parser promises.
//!
//! Each `fuzz_targets/*.rs` file is a thin entry point that hands libFuzzer's bytes to one
//! function here. A failed property is a panic with a message saying which rule broke; libFuzzer
//! reports it as a crash and saves the input under `fuzz/artifacts/<target>/`.
//!
//! - [`scan`]: the SQL scanner (statements are the input, minus what it documents it drops).
//! - [`text`]: HCL test files, `atlas.hcl`, `--var` values, txtar archives, script lines.
//! - [`dir`]: migration directories and `atlas.sum`.
//! - [`url`]: dev URLs and password masking.
//! - [`schema`]: HCL schema files, parsed and rendered for every dialect.
//! - [`update`]: the `--update` rewrites (the file reads back as the new output; twice is once).

pub mod dir;
pub mod scan;
pub mod schema;
pub mod text;
pub mod update;
pub mod url;

/// Splits a fuzz input at its first NUL byte: targets that take two texts (a file and the
/// output to write into it) read them this way. Invalid UTF-8 in either part is lossily
/// replaced, so every input reaches the code under test.
pub fn two_parts(data: &[u8]) -> (String, String) {
    let (a, b) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &data[data.len()..]),
    };
    (
        String::from_utf8_lossy(a).into_owned(),
        String::from_utf8_lossy(b).into_owned(),
    )
}

/// A path no test input can name, so `file()` in fuzzed HCL resolves relative names to
/// nothing.
pub const NOWHERE: &str = "/nonexistent-assay-fuzz";
