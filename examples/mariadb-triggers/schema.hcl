# The same database as schema.sql, written in Atlas HCL; the tests pass on either:
#   cargo run -- test examples/mariadb-triggers --url file://examples/mariadb-triggers/schema.hcl --dev-url local://mariadb
schema "shop" {}

table "products" {
  schema = schema.shop
  column "id" {
    type = int
  }
  column "name" {
    type = varchar(100)
  }
  column "stock" {
    type    = int
    default = 0
  }
  column "price" {
    type = decimal(8, 2)
  }
  primary_key {
    columns = [column.id]
  }
  index "name" {
    unique  = true
    columns = [column.name]
  }
}

table "stock_moves" {
  schema = schema.shop
  column "id" {
    type           = int
    auto_increment = true
  }
  column "product_id" {
    type = int
  }
  column "delta" {
    type = int
  }
  primary_key {
    columns = [column.id]
  }
}

# Every stock move updates the product; stock may never go negative.
trigger "stock_moves_apply" {
  on = table.stock_moves
  before {
    insert = true
  }
  for = ROW
  as  = <<-SQL
    BEGIN
      DECLARE current INT;
      SELECT stock INTO current FROM products WHERE id = NEW.product_id;
      IF current + NEW.delta < 0 THEN
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'stock cannot go negative';
      END IF;
      UPDATE products SET stock = stock + NEW.delta WHERE id = NEW.product_id;
    END
  SQL
}

# The value of the stock of one product.
function "stock_value" {
  schema = schema.shop
  arg "pid" {
    type = int
  }
  return      = sql("decimal(12,2)")
  data_access = READS_SQL_DATA
  as          = <<-SQL
    BEGIN
      DECLARE v DECIMAL(12, 2);
      SELECT stock * price INTO v FROM products WHERE id = pid;
      RETURN COALESCE(v, 0);
    END
  SQL
}

view "low_stock" {
  schema = schema.shop
  column "name" {
    type = varchar(100)
  }
  column "stock" {
    type = int
  }
  as         = "SELECT name, stock FROM products WHERE stock < 5"
  depends_on = [table.products]
}
