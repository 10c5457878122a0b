# Defaults: string, number and bool literals, and raw expressions with sql().
schema "public" {}

table "settings" {
  schema = schema.public
  column "name" {
    type    = text
    default = "unnamed"
  }
  column "quote" {
    type    = text
    default = "it's"
  }
  column "retries" {
    type    = integer
    default = 3
  }
  column "ratio" {
    type    = numeric(4, 2)
    default = 0.5
  }
  column "enabled" {
    type    = boolean
    default = true
  }
  column "created_at" {
    type    = timestamptz
    default = sql("now()")
  }
  column "day" {
    type    = date
    default = sql("CURRENT_DATE")
  }
  column "tags" {
    type    = sql("text[]")
    default = sql("'{}'::text[]")
  }
  column "note" {
    type    = text
    null    = true
    default = sql("NULL")
  }
}
