# An enum type, referenced as enum.x, with a default, and an array of it.
schema "public" {}

enum "status" {
  schema = schema.public
  values = ["draft", "published", "it's archived"]
}

table "posts" {
  schema = schema.public
  column "id" {
    type = integer
  }
  column "status" {
    type    = enum.status
    default = "draft"
  }
  column "history" {
    type = sql("status[]")
    null = true
  }
}
