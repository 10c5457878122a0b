# The trigger writes one audit row per real price change, and none for other updates.

test "schema" "price_changes_are_audited" {
  exec {
    sql = <<-SQL
      INSERT INTO products (id, name, price) VALUES (1, 'lamp', 20), (2, 'desk', 150);
      UPDATE products SET price = 25 WHERE id = 1;
      UPDATE products SET price = 140 WHERE id = 2;
      UPDATE products SET price = 22.50 WHERE id = 1;
    SQL
  }
  exec {
    sql    = "SELECT product_id, old_price, new_price FROM products_audit ORDER BY new_price"
    format = table
    output = <<-OUT
       product_id | old_price | new_price
      ------------+-----------+-----------
       1          | 25.00     | 22.50
       1          | 20.00     | 25.00
       2          | 150.00    | 140.00
    OUT
  }
}

test "schema" "other_updates_are_not_audited" {
  exec {
    sql = <<-SQL
      INSERT INTO products (id, name, price) VALUES (1, 'lamp', 20);
      UPDATE products SET name = 'desk lamp' WHERE id = 1;
      UPDATE products SET price = 20 WHERE id = 1;
    SQL
  }
  assert {
    sql           = "SELECT count(*) = 0 FROM products_audit"
    error_message = "renaming, or setting the same price, is not a price change"
  }
}
