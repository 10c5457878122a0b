# Foreign keys: ref_columns in another table, referential actions, a two-column key, and a
# self-reference through column.x.
schema "public" {}

table "orders" {
  schema = schema.public
  column "id" {
    type = integer
  }
  column "customer_id" {
    type = integer
  }
  column "region" {
    type = text
  }
  column "parent_id" {
    type = integer
    null = true
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "orders_customer" {
    columns     = [column.customer_id]
    ref_columns = [table.customers.column.id]
    on_delete   = CASCADE
    on_update   = NO_ACTION
  }
  foreign_key "orders_branch" {
    columns     = [column.region, column.customer_id]
    ref_columns = [table.branches.column.region, table.branches.column.manager]
    on_delete   = SET_NULL
    on_update   = RESTRICT
  }
  foreign_key "orders_parent" {
    columns     = [column.parent_id]
    ref_columns = [column.id]
    on_delete   = SET_DEFAULT
  }
}

table "customers" {
  schema = schema.public
  column "id" {
    type = integer
  }
  primary_key {
    columns = [column.id]
  }
}

table "branches" {
  schema = schema.public
  column "region" {
    type = text
  }
  column "manager" {
    type = integer
  }
  primary_key {
    columns = [column.region, column.manager]
  }
}
