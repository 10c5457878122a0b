# An attribute Atlas does not know (`nullable` for `null`) is an error at the attribute.
# want-error: schema.hcl:7:5: unknown attribute `nullable` in column "id"
test "schema" "needs_the_schema" {
  exec {
    sql = "SELECT 1"
  }
}
