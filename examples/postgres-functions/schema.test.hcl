# Run with:
#   cargo run -- test examples/postgres-functions --url file://examples/postgres-functions/schema.sql --dev-url local://postgres
# (or --dev-url docker://postgres/15/dev after testdata/docker/build-images.sh)

test "schema" "with_tax" {
  parallel = true
  for_each = [
    {amount: "100", rate: "0.08", expected: "108.00"},
    {amount: "19.99", rate: "0.2", expected: "23.99"},
    {amount: "0.01", rate: "0", expected: "0.01"},
  ]
  exec {
    sql    = "SELECT with_tax(${each.value.amount}, ${each.value.rate})"
    output = each.value.expected
  }
}

test "schema" "positive" {
  parallel = true
  assert {
    sql = <<-SQL
      SELECT positive(1);
      SELECT positive(0.5);
    SQL
  }
  catch {
    sql   = "SELECT positive(-1)"
    error = "value -1 is not positive"
  }
}

test "schema" "postal_domain" {
  exec {
    sql = "INSERT INTO customers (name, postal) VALUES ('Ada', '12345'), ('Alan', '12345-6789')"
  }
  catch {
    sql   = "INSERT INTO customers (name, postal) VALUES ('Bad', '1234')"
    error = "value for domain us_postal_code violates check constraint"
  }
}

test "schema" "audit_trigger" {
  exec {
    sql = <<-SQL
      INSERT INTO customers (name, postal) VALUES ('Ada', '12345');
      INSERT INTO orders (customer_id, amount) VALUES (1, 10.50), (1, 4.25);
      UPDATE orders SET amount = 11.00 WHERE id = 1;
      DELETE FROM orders WHERE id = 2;
    SQL
  }
  exec {
    sql    = "SELECT op, order_id, amount FROM audit_log ORDER BY id"
    format = table
    output = <<-OUT
         op   | order_id | amount
      --------+----------+--------
       INSERT | 1        | 10.50
       INSERT | 2        | 4.25
       UPDATE | 1        | 11.00
       DELETE | 2        | 4.25
    OUT
  }
}

test "schema" "customer_totals_view" {
  exec {
    sql = <<-SQL
      INSERT INTO customers (name, postal) VALUES ('Ada', '12345'), ('Alan', '54321');
      INSERT INTO orders (customer_id, amount) VALUES (1, 10), (1, 5.5);
    SQL
  }
  exec {
    sql    = "SELECT name, orders, total FROM customer_totals ORDER BY name"
    output = <<-OUT
      Ada,2,15.50
      Alan,0,0
    OUT
  }
}

test "schema" "values_as_postgres_prints_them" {
  exec {
    sql    = "SELECT true, false, NULL::int, '2024-01-23 00:51:54'::timestamp, 1.50::numeric(4,2), ARRAY[1,2]"
    output = "t,f,,2024-01-23 00:51:54,1.50,\"{1,2}\""
  }
}

test "schema" "identity_starts_where_the_schema_leaves_it" {
  exec {
    sql    = "INSERT INTO customers (name, postal) VALUES ('Ada', '12345') RETURNING id"
    output = "1"
  }
}
