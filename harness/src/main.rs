//! The `assay` binary: all the work is in the library.

// mimalloc: parsing (hcl-edit keeps an allocation per token's whitespace), planning and the
// reports allocate and free many small objects; glibc's allocator spent a third of reading a
// 500-table HCL schema in malloc and free (docs/schemas.md, "Cost").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    dbassay::cli::main()
}
