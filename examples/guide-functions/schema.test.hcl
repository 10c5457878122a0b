# Tests of the function, alone and through the generated column that uses it.

test "schema" "positive" {
  parallel = true
  for_each = [
    {value: "10", expected: "t"},
    {value: "0.01", expected: "t"},
    {value: "0", expected: "f"},
    {value: "-3.5", expected: "f"},
  ]
  exec {
    sql    = "SELECT positive(${each.value.value})"
    output = each.value.expected
  }
}

test "schema" "income_is_computed" {
  exec {
    sql = <<-SQL
      INSERT INTO users (id, name) VALUES (1, 'Ada');
      INSERT INTO transactions (id, user_id, amount) VALUES (1, 1, 120), (2, 1, -40.5);
    SQL
  }
  exec {
    sql    = "SELECT id, amount, is_income FROM transactions ORDER BY id"
    output = <<-OUT
      1,120,t
      2,-40.5,f
    OUT
  }
  catch {
    sql   = "INSERT INTO transactions (id, user_id, amount, is_income) VALUES (3, 1, 1, false)"
    error = "cannot insert a non-DEFAULT value into column \"is_income\""
  }
}

test "schema" "deleting_a_user_deletes_their_transactions" {
  exec {
    sql = <<-SQL
      INSERT INTO users (id, name) VALUES (1, 'Ada'), (2, 'Alan');
      INSERT INTO transactions (id, user_id, amount) VALUES (1, 1, 5), (2, 2, 7);
      DELETE FROM users WHERE id = 1;
    SQL
  }
  exec {
    sql    = "SELECT user_id FROM transactions"
    output = "2"
  }
}
