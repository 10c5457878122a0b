schema "main" {}

table "documents" {
  schema = schema.main
  column "id" {
    type = integer
  }
  column "words" {
    type = tsvector
  }
}
