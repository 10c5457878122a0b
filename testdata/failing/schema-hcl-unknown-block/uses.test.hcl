# An HCL schema with a misspelled block fails every case that needs it, at the block.
# want-error: schema.hcl:10:1: unknown block `tabel`
test "schema" "needs_the_schema" {
  exec {
    sql = "SELECT 1"
  }
}
