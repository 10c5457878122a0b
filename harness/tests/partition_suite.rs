//! The suite under `testdata/partition` as a `harness = false` target, the way a user's own
//! target looks: `harness/tests/partition.rs` runs it under `cargo nextest run --partition`,
//! from the workspace and from a nextest archive. Paths are relative to the package directory,
//! where cargo and nextest (also from an archive, after `--workspace-remap`) run test binaries.
//! The engine comes from `ASSAY_DEV_URL` (default: embedded SQLite).

fn main() {
    dbassay::Harness::new()
        .path("../testdata/partition")
        .schema("../testdata/partition/schema.sql")
        .main()
}
