test "schema" "user_total" {
  for_each = [
    { orders = "(1, 1, 10), (2, 1, 2.5)", expected = "12.50" },
    { orders = "(3, 1, 0)", expected = "0.00" },
  ]
  exec {
    sql = "INSERT INTO users (id, email) VALUES (1, 'ada@example.com')"
  }
  exec {
    sql = "INSERT INTO orders (id, user_id, total) VALUES ${each.value.orders}"
  }
  exec {
    sql    = "SELECT user_total(1)"
    output = each.value.expected
  }
}

test "schema" "orders_are_audited" {
  exec {
    sql = <<-SQL
      INSERT INTO users (id, email) VALUES (1, 'ada@example.com');
      INSERT INTO orders (id, user_id, total) VALUES (7, 1, 5);
    SQL
  }
  exec {
    sql    = "SELECT what FROM audit.events"
    output = "order 7"
  }
}

test "schema" "negative_totals_are_refused" {
  exec {
    sql = "INSERT INTO users (id, email) VALUES (1, 'ada@example.com')"
  }
  catch {
    sql   = "INSERT INTO orders (id, user_id, total) VALUES (1, 1, -1)"
    error = "violates check constraint"
  }
}
