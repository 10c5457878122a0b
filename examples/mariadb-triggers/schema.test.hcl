# Run with:
#   cargo run -- test examples/mariadb-triggers --url file://examples/mariadb-triggers/schema.sql --dev-url local://mariadb
# (or --dev-url docker://mariadb/10.11/dev after testdata/docker/build-images.sh)

test "schema" "moves_update_stock" {
  exec {
    sql = <<-SQL
      INSERT INTO products (id, name, price) VALUES (1, 'bolt', 0.25), (2, 'nut', 0.10);
      INSERT INTO stock_moves (product_id, delta) VALUES (1, 10), (1, -3), (2, 4);
    SQL
  }
  exec {
    sql    = "SELECT name, stock FROM products ORDER BY id"
    format = table
    output = <<-OUT
       name | stock
      ------+-------
       bolt | 7
       nut  | 4
    OUT
  }
}

test "schema" "stock_never_negative" {
  exec {
    sql = "INSERT INTO products (id, name, price) VALUES (1, 'bolt', 0.25)"
  }
  catch {
    sql   = "INSERT INTO stock_moves (product_id, delta) VALUES (1, -1)"
    error = "stock cannot go negative"
  }
  assert {
    sql = "SELECT stock = 0 FROM products WHERE id = 1"
  }
}

test "schema" "stock_value" {
  for_each = [
    {stock: 0, expected: "0.00"},
    {stock: 4, expected: "1.00"},
    {stock: 10, expected: "2.50"},
  ]
  exec {
    sql = <<-SQL
      INSERT INTO products (id, name, price) VALUES (1, 'bolt', 0.25);
      INSERT INTO stock_moves (product_id, delta) VALUES (1, ${each.value.stock});
    SQL
  }
  exec {
    sql    = "SELECT stock_value(1)"
    output = each.value.expected
  }
}

test "schema" "low_stock_view" {
  parallel = true
  exec {
    sql    = "SELECT count(*) FROM low_stock"
    output = "0"
  }
}

test "schema" "duplicate_names" {
  exec {
    sql = "INSERT INTO products (id, name, price) VALUES (1, 'bolt', 0.25)"
  }
  catch {
    sql   = "INSERT INTO products (id, name, price) VALUES (2, 'bolt', 0.30)"
    error = "Duplicate entry 'bolt'"
  }
}
