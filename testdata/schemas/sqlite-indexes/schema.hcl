# SQLite indexes: unique, several columns, descending, partial, on an expression.
schema "main" {}

table "people" {
  schema = schema.main
  column "id" {
    type = integer
  }
  column "email" {
    type = text
  }
  column "last" {
    type = text
  }
  column "first" {
    type = text
  }
  column "gone" {
    type = integer
  }
  primary_key {
    columns = [column.id]
  }
  index "people_email" {
    unique  = true
    columns = [column.email]
  }
  index "people_name" {
    on {
      column = column.last
    }
    on {
      column = column.first
      desc   = true
    }
  }
  index "people_present" {
    columns = [column.last]
    where   = "gone = 0"
  }
  index "people_email_lower" {
    on {
      expr = "lower(email)"
    }
  }
}
