# SQL inside the HCL (a check's expression) is passed through; when the database rejects the
# statement, the failure names the block it was written for in the schema file, then its place
# in the DDL `assay schema render` prints.
# want needs_the_schema: schema.hcl:8:3 (check "t_positive"), at 1:76 of
test "schema" "needs_the_schema" {
  exec {
    sql = "SELECT 1"
  }
}
