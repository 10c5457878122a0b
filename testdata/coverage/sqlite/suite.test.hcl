# Calls inside a transaction the case rolls back count: accounts_log fires twice (once per row).
test "schema" "rolled_back" {
  exec {
    sql = <<-SQL
      BEGIN;
      UPDATE accounts SET balance = 50 WHERE id IN (1, 2);
      ROLLBACK;
    SQL
  }
  assert {
    sql = "SELECT count(*) = 1 FROM ledger"
  }
}

test "schema" "reads_the_view" {
  exec {
    sql = "UPDATE accounts SET balance = 500 WHERE id = 1"
  }
  exec {
    sql    = "SELECT count(*) FROM rich"
    output = "1"
  }
}

# Parallel cases share one database: their calls are the group's.
test "schema" "parallel_a" {
  parallel = true
  exec {
    sql = "UPDATE accounts SET balance = 7 WHERE id = 2"
  }
}

test "schema" "parallel_b" {
  parallel = true
  exec {
    sql    = "SELECT count(*) FROM rich"
    output = "0"
  }
}

# Migrate cases: the objects are those of the version each case reached.
test "migrate" "from_1" {
  migrate {
    to = "1"
  }
  migrate {
    to = "2"
  }
  exec {
    sql = "INSERT INTO events VALUES (1, 'a'), (2, 'b')"
  }
}

test "migrate" "at_3" {
  migrate {
    to = "3"
  }
  exec {
    sql    = "SELECT count(*) FROM event_kinds"
    output = "0"
  }
}
