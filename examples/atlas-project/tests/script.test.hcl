# A Data Script run inside a schema case: seed, run the script, read what it left.
test "schema" "purge_small_orders" {
  exec {
    sql = <<-SQL
      INSERT INTO users (id, email) VALUES (1, 'ada@example.com');
      INSERT INTO orders (id, user_id, total) VALUES (1, 1, 0.50), (2, 1, 20);
    SQL
  }
  script "exec" {
    file = "../scripts/orders.hcl"
    run  = "^purge_small_orders$"
    vars = { below = 1 }
  }
  script "query" {
    file   = "../scripts/orders.hcl"
    run    = "^order_count$"
    output = "1"
  }
}
