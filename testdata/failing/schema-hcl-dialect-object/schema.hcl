schema "main" {}

domain "positive" {
  schema = schema.main
  type   = integer
}

table "t" {
  schema = schema.main
  column "n" {
    type = domain.positive
  }
}
