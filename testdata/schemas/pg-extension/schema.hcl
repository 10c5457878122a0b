# Extensions, and a column whose type one of them brings.
schema "public" {}

extension "citext" {
  schema = schema.public
}

extension "pg_trgm" {
  schema = schema.public
}

table "members" {
  schema = schema.public
  column "handle" {
    type = sql("citext")
  }
  index "members_handle_trgm" {
    type = GIN
    on {
      column = column.handle
      ops    = gin_trgm_ops
    }
  }
}
