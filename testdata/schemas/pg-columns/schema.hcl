# Columns: nullability (omitted `null` means NOT NULL), comments, a primary key.
schema "public" {}

table "accounts" {
  schema  = schema.public
  comment = "people who can sign in"
  column "id" {
    type = integer
  }
  column "email" {
    type    = varchar(255)
    comment = "where we write to"
  }
  column "nickname" {
    type = text
    null = true
  }
  column "active" {
    type = boolean
    null = false
  }
  primary_key {
    columns = [column.id]
  }
}
