# MariaDB: a reserved word as a table name, a space in a column name, quotes in comments and
# defaults, an unnamed check.
schema "app" {}

table "order" {
  schema  = schema.app
  comment = "the customer's order"
  column "first name" {
    type    = varchar(40)
    default = "O'Brien"
    comment = "as \"written\""
  }
  column "total" {
    type = int
  }
  check {
    expr = "total >= 0"
  }
}
