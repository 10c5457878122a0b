# A function body the database rejects is reported at its `function` block in schema.hcl, then at
# its place in the DDL `assay schema render` prints (the function follows the table: line 2).
# want needs_the_schema: schema.hcl:12:1 (function "order_count"), at 2:
test "schema" "needs_the_schema" {
  exec {
    sql = "SELECT 1"
  }
}
