# Functions: SQL and PL/pgSQL, named args with defaults and modes, volatility, strictness,
# security, parallel safety, set-returning, and a function a generated column needs first.
schema "public" {}

function "positive" {
  schema = schema.public
  lang   = SQL
  arg "v" {
    type = numeric
  }
  return     = boolean
  as         = "SELECT v > 0"
  volatility = IMMUTABLE
}

function "with_tax" {
  schema = schema.public
  lang   = SQL
  arg "amount" {
    type = numeric
  }
  arg "rate" {
    type    = numeric
    default = 0.08
  }
  return     = numeric
  as         = "SELECT round(amount * (1 + rate), 2)"
  volatility = STABLE
  strict     = true
  parallel   = SAFE
}

function "split_name" {
  schema = schema.public
  lang   = PLpgSQL
  arg "full_name" {
    type = text
  }
  arg "first" {
    type = text
    mode = OUT
  }
  arg "last" {
    type = text
    mode = OUT
  }
  as       = <<-SQL
    BEGIN
      first := split_part(full_name, ' ', 1);
      last := split_part(full_name, ' ', 2);
    END;
  SQL
  security = DEFINER
}

function "evens" {
  schema = schema.public
  lang   = SQL
  arg "upto" {
    type = integer
  }
  return_set = integer
  as         = "SELECT g FROM generate_series(2, upto, 2) AS g"
}

table "payments" {
  schema = schema.public
  column "amount" {
    type = numeric
  }
  column "is_income" {
    type = boolean
    as   = "positive(amount)"
  }
}
