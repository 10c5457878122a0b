# One Atlas HCL schema, rendered for each engine of the matrix: the desired state on PostgreSQL
# and on MariaDB is built from its own DDL (`assay schema render` shows both). A lone schema
# named "public" stays unqualified on both. (SQLite would want it named "main".)
schema "public" {}

table "accounts" {
  schema = schema.public
  column "id" {
    type = integer
  }
  column "owner" {
    type = varchar(50)
  }
  column "balance" {
    type    = integer
    default = 0
  }
  primary_key {
    columns = [column.id]
  }
  check "accounts_no_overdraft" {
    expr = "balance >= 0"
  }
}

table "transfers" {
  schema = schema.public
  column "id" {
    type = integer
  }
  column "account" {
    type = integer
  }
  column "amount" {
    type = integer
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "transfers_account" {
    columns     = [column.account]
    ref_columns = [table.accounts.column.id]
    on_delete   = CASCADE
  }
}
