# Atlas's "Testing Domains" guide, in our words: a domain for US postal codes, used by a table.
#   cargo run -- test examples/guide-domains --url file://examples/guide-domains/schema.hcl --dev-url local://postgres
schema "public" {}

domain "us_postal_code" {
  schema = schema.public
  type   = text
  null   = true
  check "us_postal_code_check" {
    expr = "((VALUE ~ '^\\d{5}$'::text) OR (VALUE ~ '^\\d{5}-\\d{4}$'::text))"
  }
}

table "users" {
  schema = schema.public
  column "id" {
    type = int
  }
  column "name" {
    type = text
  }
  column "zip" {
    type = domain.us_postal_code
    null = true
  }
  primary_key {
    columns = [column.id]
  }
}
