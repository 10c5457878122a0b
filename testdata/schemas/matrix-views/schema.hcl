# A view over two tables, on MariaDB and SQLite with one schema named "main". Not on PostgreSQL:
# there the renderer creates a schema "main" and qualifies the tables, so the unqualified names
# in the view's query (and in tests) do not resolve under search_path=public.
schema "main" {}

table "items" {
  schema = schema.main
  column "id" {
    type = integer
  }
  column "price" {
    type = integer
  }
  primary_key {
    columns = [column.id]
  }
}

table "sold" {
  schema = schema.main
  column "item" {
    type = integer
  }
  column "qty" {
    type = integer
  }
}

view "revenue" {
  schema = schema.main
  column "item" {
    type = integer
  }
  column "total" {
    type = integer
  }
  as         = <<-SQL
    SELECT s.item, sum(s.qty * i.price) AS total
    FROM ${table.sold.name} s JOIN ${table.items.name} i ON i.id = s.item
    GROUP BY s.item
  SQL
  depends_on = [table.items, table.sold]
}
