# One HCL schema for a matrix of engines: a single schema is the database the case runs on,
# whatever it is called, as in Atlas when the dev URL names one schema.
schema "main" {}

table "authors" {
  schema = schema.main
  column "id" {
    type = integer
  }
  column "email" {
    type = varchar(120)
  }
  column "bio" {
    type = text
    null = true
  }
  primary_key {
    columns = [column.id]
  }
  index "authors_email" {
    unique  = true
    columns = [column.email]
  }
}

table "posts" {
  schema = schema.main
  column "id" {
    type = integer
  }
  column "author_id" {
    type = integer
  }
  column "title" {
    type = varchar(200)
  }
  column "words" {
    type    = integer
    default = 0
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "posts_author" {
    columns     = [column.author_id]
    ref_columns = [table.authors.column.id]
    on_delete   = CASCADE
  }
  index "posts_author_title" {
    columns = [column.author_id, column.title]
  }
  check "posts_words_positive" {
    expr = "words >= 0"
  }
}
