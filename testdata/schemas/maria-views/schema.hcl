# MariaDB views: a column list, a check option and SQL SECURITY.
schema "app" {}

table "stock" {
  schema = schema.app
  column "item" {
    type = varchar(50)
  }
  column "qty" {
    type = int
  }
}

view "low_stock" {
  schema = schema.app
  column "item" {
    type = varchar(50)
  }
  column "qty" {
    type = int
  }
  as           = "SELECT item, qty FROM stock WHERE qty < 5"
  depends_on   = [table.stock]
  check_option = CASCADED
  security     = INVOKER
}
