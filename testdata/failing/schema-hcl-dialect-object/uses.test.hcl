# A PostgreSQL object (a domain) has no SQLite statement: the case on SQLite fails at the block,
# never with DDL that silently leaves it out.
# want needs_the_schema: schema.hcl:3:1: domain "positive": SQLite has no domains
test "schema" "needs_the_schema" {
  exec {
    sql = "SELECT 1"
  }
}
