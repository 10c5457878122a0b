# The PostgreSQL type spellings of the registry, and raw sql() types (arrays).
schema "public" {}

table "samples" {
  schema = schema.public
  column "a_smallint" {
    type = smallint
  }
  column "a_bigint" {
    type = bigint
  }
  column "a_int4" {
    type = int4
  }
  column "a_numeric" {
    type = numeric(10, 2)
  }
  column "a_decimal" {
    type = decimal
  }
  column "a_real" {
    type = real
  }
  column "a_double" {
    type = double_precision
  }
  column "a_char" {
    type = char(3)
  }
  column "a_varchar" {
    type = character_varying(40)
  }
  column "a_text" {
    type = text
  }
  column "a_bytea" {
    type = bytea
  }
  column "a_uuid" {
    type = uuid
  }
  column "a_json" {
    type = json
  }
  column "a_jsonb" {
    type = jsonb
  }
  column "a_date" {
    type = date
  }
  column "a_time" {
    type = time
  }
  column "a_timestamp" {
    type = timestamp(3)
  }
  column "a_timestamptz" {
    type = timestamptz
  }
  column "a_interval" {
    type = interval
  }
  column "a_inet" {
    type = inet
  }
  column "a_bit" {
    type = bit(8)
  }
  column "a_ints" {
    type = sql("int[]")
    null = true
  }
  column "a_texts" {
    type = sql("text[]")
    null = true
  }
}
