# Names and texts that need quoting: a reserved word, a space, an upper-case letter, quotes in
# comments and defaults; an unnamed check; NULLS NOT DISTINCT.
schema "public" {}

table "order" {
  schema  = schema.public
  comment = "the customer's order"
  column "first name" {
    type    = text
    default = "O'Brien"
    comment = "as \"written\""
  }
  column "Total" {
    type = integer
  }
  check {
    expr = "\"Total\" >= 0"
  }
  index "order_first_name" {
    unique         = true
    nulls_distinct = false
    columns        = [column["first name"]]
  }
}
