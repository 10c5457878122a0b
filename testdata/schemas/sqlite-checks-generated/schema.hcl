# SQLite checks and generated columns (VIRTUAL by default, STORED on request).
schema "main" {}

table "lines" {
  schema = schema.main
  column "qty" {
    type = integer
  }
  column "unit" {
    type = real
  }
  column "total" {
    type = real
    as   = "qty * unit"
  }
  column "label" {
    type = text
    as {
      expr = "'x' || qty"
      type = STORED
    }
  }
  check "lines_qty_positive" {
    expr = "qty > 0"
  }
  check {
    expr = "unit >= 0"
  }
}
