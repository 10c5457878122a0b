# A reference to a table that does not exist is an error at the reference.
# want-error: schema.hcl:10:20
test "schema" "needs_the_schema" {
  exec {
    sql = "SELECT 1"
  }
}
