# assert: every statement that returns rows must return one row, one column, true.

test "schema" "truthy_values" {
  assert {
    sql = <<-SQL
      SELECT 1;
      SELECT 't';
      SELECT 'true';
      SELECT 'TRUE';
      SELECT count(*) = 1 FROM users;
    SQL
  }
}

test "schema" "statements_without_rows_are_fine" {
  assert {
    sql = "INSERT INTO users (id, email) VALUES (5, 'e@example.com'); SELECT count(*) = 2 FROM users"
  }
}
