# Domains: a base type, a default, NOT NULL, named checks; a column typed by the domain.
schema "public" {}

domain "postal_code" {
  schema = schema.public
  type   = text
  null   = true
  check "postal_code_format" {
    expr = "((VALUE ~ '^\\d{5}$'::text) OR (VALUE ~ '^\\d{5}-\\d{4}$'::text))"
  }
}

domain "percent" {
  schema  = schema.public
  type    = integer
  default = 0
  check "percent_range" {
    expr = "VALUE BETWEEN 0 AND 100"
  }
}

table "addresses" {
  schema = schema.public
  column "code" {
    type = domain.postal_code
  }
  column "share" {
    type = domain.percent
    null = true
  }
}
