# SQLite columns: an auto-increment primary key, nullability, literal and raw defaults.
schema "main" {}

table "notes" {
  schema = schema.main
  column "id" {
    type           = integer
    auto_increment = true
  }
  column "title" {
    type    = text
    default = "untitled"
  }
  column "stars" {
    type    = integer
    default = 0
  }
  column "score" {
    type = real
    null = true
  }
  column "created" {
    type    = datetime
    default = sql("CURRENT_TIMESTAMP")
  }
  column "data" {
    type = blob
    null = true
  }
  primary_key {
    columns = [column.id]
  }
}
