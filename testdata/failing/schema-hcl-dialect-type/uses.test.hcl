# The schema parses, but SQLite has no tsvector: the case that needs the schema on SQLite fails
# at the type, and says so.
# want needs_the_schema: schema.hcl:9:12: type `tsvector` is not a SQLite type
test "schema" "needs_the_schema" {
  exec {
    sql = "SELECT 1"
  }
}
