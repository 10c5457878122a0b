# A materialized view with an index on it.
schema "public" {}

table "sales" {
  schema = schema.public
  column "region" {
    type = text
  }
  column "amount" {
    type = numeric
  }
}

materialized "sales_by_region" {
  schema = schema.public
  column "region" {
    type = text
  }
  column "total" {
    type = numeric
  }
  as         = "SELECT region, sum(amount) AS total FROM sales GROUP BY region"
  depends_on = [table.sales]
  index "sales_by_region_region" {
    unique  = true
    columns = [column.region]
  }
}
