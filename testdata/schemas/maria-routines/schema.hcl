# MariaDB stored routines: a deterministic function and a procedure with IN/OUT arguments,
# bodies as BEGIN … END blocks.
schema "app" {}

table "prices" {
  schema = schema.app
  column "item" {
    type = varchar(50)
  }
  column "cents" {
    type = int
  }
}

function "to_euros" {
  schema = schema.app
  arg "cents" {
    type = int
  }
  return        = sql("decimal(10,2)")
  deterministic = true
  data_access   = NO_SQL
  as            = "RETURN cents / 100"
}

procedure "price_of" {
  schema = schema.app
  arg "wanted" {
    type = varchar(50)
  }
  arg "found" {
    type = int
    mode = OUT
  }
  as = <<-SQL
    BEGIN
      SELECT cents INTO found FROM prices WHERE item = wanted;
    END
  SQL
}
