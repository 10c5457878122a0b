# MariaDB defaults: literals, CURRENT_TIMESTAMP with ON UPDATE, an expression default.
schema "app" {}

table "jobs" {
  schema = schema.app
  column "state" {
    type    = varchar(20)
    default = "queued"
  }
  column "tries" {
    type    = int
    default = 0
  }
  column "urgent" {
    type    = bool
    default = false
  }
  column "created" {
    type    = timestamp
    default = sql("CURRENT_TIMESTAMP")
  }
  column "updated" {
    type      = timestamp
    default   = sql("CURRENT_TIMESTAMP")
    on_update = sql("CURRENT_TIMESTAMP")
  }
  column "token" {
    type    = varchar(36)
    default = sql("(uuid())")
  }
}
