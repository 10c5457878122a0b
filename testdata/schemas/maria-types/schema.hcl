# The MySQL/MariaDB type registry: integers (signed and unsigned), decimals, floats, bits,
# strings and blobs, times, json, enum and set.
schema "app" {}

table "samples" {
  schema = schema.app
  column "a_tinyint" {
    type = tinyint
  }
  column "a_smallint" {
    type     = smallint
    unsigned = true
  }
  column "a_mediumint" {
    type = mediumint
  }
  column "a_bigint" {
    type     = bigint
    unsigned = true
  }
  column "a_bool" {
    type = bool
  }
  column "a_decimal" {
    type = decimal(12, 3)
  }
  column "a_float" {
    type = float
  }
  column "a_double" {
    type = double
  }
  column "a_bit" {
    type = bit(4)
  }
  column "a_char" {
    type = char(2)
  }
  column "a_varbinary" {
    type = varbinary(16)
  }
  column "a_mediumtext" {
    type = mediumtext
  }
  column "a_blob" {
    type = blob
  }
  column "a_date" {
    type = date
  }
  column "a_datetime" {
    type = datetime(6)
  }
  column "a_time" {
    type = time
  }
  column "a_year" {
    type = year
  }
  column "a_json" {
    type = json
    null = true
  }
  column "a_enum" {
    type = enum("small", "large")
  }
  column "a_set" {
    type = set("red", "green", "blue")
  }
  column "a_raw" {
    type = sql("int unsigned")
  }
}
