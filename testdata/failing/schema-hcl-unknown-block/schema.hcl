schema "main" {}

table "users" {
  schema = schema.main
  column "id" {
    type = integer
  }
}

tabel "posts" {
  schema = schema.main
}
