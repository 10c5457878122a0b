# Sequences with options, one owned by a column that takes its default from it.
schema "public" {}

sequence "invoice_numbers" {
  schema    = schema.public
  type      = bigint
  start     = 1000
  increment = 5
  min_value = 1000
  max_value = 999999
  cache     = 10
  cycle     = true
}

sequence "line_ids" {
  schema = schema.public
  owner  = table.lines.column.id
}

table "lines" {
  schema = schema.public
  column "id" {
    type    = bigint
    default = sql("nextval('line_ids')")
  }
}
