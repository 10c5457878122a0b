# SQL inside the HCL (a check's expression) is passed through; when the database rejects the
# statement, the failure names the schema file and points at `assay schema render`.
# want needs_the_schema: schema.hcl (rendered for sqlite; see `assay schema render`):1:76:
test "schema" "needs_the_schema" {
  exec {
    sql = "SELECT 1"
  }
}
