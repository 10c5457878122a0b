# SQLite: a reserved word as a table name, a space in a column name, a quote in a default.
schema "main" {}

table "order" {
  schema = schema.main
  column "first name" {
    type    = text
    default = "O'Brien"
  }
  column "total" {
    type = integer
  }
  index "order_total" {
    columns = [column.total]
  }
}
