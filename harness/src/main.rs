//! The `assay` binary: all the work is in the library.
fn main() -> std::process::ExitCode {
    dbassay::cli::main()
}
