# A reference to a table that does not exist is an error at the reference.
# want-error: schema.hcl:10:20: dangling reference `table.users.column.id`: no such table
test "schema" "needs_the_schema" {
  exec {
    sql = "SELECT 1"
  }
}
