schema "public" {}

table "orders" {
  schema = schema.public
  column "id" {
    type = int
  }
}

# The body names a table that does not exist: PostgreSQL checks SQL function bodies when it
# creates them.
function "order_count" {
  schema = schema.public
  lang   = SQL
  return = bigint
  as     = "SELECT count(*) FROM order_lines"
}
