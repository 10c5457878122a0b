# One HCL schema for a matrix of engines: a single schema named "public" is PostgreSQL's default
# schema and, on MariaDB, the database the case runs on; names stay unqualified. (SQLite insists
# on "main", which PostgreSQL would create as a schema of its own: see matrix-views.)
schema "public" {}

table "authors" {
  schema = schema.public
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
  schema = schema.public
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
