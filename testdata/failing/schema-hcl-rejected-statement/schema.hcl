schema "main" {}

table "t" {
  schema = schema.main
  column "a" {
    type = integer
  }
  check "t_positive" {
    expr = "a >>> 0"
  }
}
