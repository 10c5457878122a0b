# Identity columns (ALWAYS / BY DEFAULT, start and increment) and serial types.
schema "public" {}

table "tickets" {
  schema = schema.public
  column "id" {
    type = bigint
    identity {
      generated = ALWAYS
      start     = 100
      increment = 10
    }
  }
  column "seq" {
    type = integer
    identity {
      generated = BY_DEFAULT
    }
  }
  primary_key {
    columns = [column.id]
  }
}

table "legacy" {
  schema = schema.public
  column "id" {
    type = serial
  }
  column "big" {
    type = bigserial
  }
  primary_key {
    columns = [column.id]
  }
}
