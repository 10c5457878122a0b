# The same cases on every engine of the matrix, on the schema rendered for it.

test "schema" "defaults_apply" {
  exec {
    sql = "INSERT INTO accounts (id, owner) VALUES (1, 'Ada')"
  }
  exec {
    sql    = "SELECT owner, balance FROM accounts"
    output = "Ada,0"
  }
}

test "schema" "checks_hold" {
  catch {
    sql = "INSERT INTO accounts (id, owner, balance) VALUES (1, 'Ada', -5)"
  }
}

test "schema" "deletes_cascade" {
  exec {
    sql = <<-SQL
      INSERT INTO accounts (id, owner) VALUES (1, 'Ada'), (2, 'Alan');
      INSERT INTO transfers (id, account, amount) VALUES (1, 1, 10), (2, 2, 20);
      DELETE FROM accounts WHERE id = 1;
    SQL
  }
  exec {
    sql    = "SELECT id FROM transfers"
    output = "2"
  }
}

test "schema" "owner_is_required" {
  catch {
    sql = "INSERT INTO accounts (id) VALUES (1)"
  }
}
