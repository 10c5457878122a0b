# Atlas's "Testing Functions" guide, in our words: a SQL function that a generated column of
# another table calls (so the function must exist before the table).
#   cargo run -- test examples/guide-functions --url file://examples/guide-functions/schema.hcl --dev-url local://postgres
schema "public" {}

table "users" {
  schema = schema.public
  column "id" {
    type = int
  }
  column "name" {
    type = text
  }
  primary_key {
    columns = [column.id]
  }
}

table "transactions" {
  schema = schema.public
  column "id" {
    type = int
  }
  column "user_id" {
    type = int
  }
  column "amount" {
    type = decimal
  }
  # Money coming in: computed from the amount by the function below.
  column "is_income" {
    type = boolean
    as {
      expr = "positive(amount)"
    }
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "transactions_user" {
    columns     = [column.user_id]
    ref_columns = [table.users.column.id]
    on_delete   = CASCADE
    on_update   = NO_ACTION
  }
}

function "positive" {
  schema = schema.public
  lang   = SQL
  arg "v" {
    type = decimal
  }
  return = boolean
  as     = "SELECT v > 0"
}
