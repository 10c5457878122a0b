# Runs on a worker database that is restored afterwards; its calls inside a transaction it rolls
# back count too: fee twice, accounts_log twice (the ledger keeps only the seed's row).
test "schema" "rolled_back" {
  exec {
    sql = <<-SQL
      BEGIN;
      UPDATE accounts SET balance = 50 WHERE id IN (1, 2);
      SELECT fee(100), fee(20);
      ROLLBACK;
    SQL
  }
  assert {
    sql = "SELECT count(*) = 1 FROM ledger"
  }
}

# The same worker database, restored and reused: accounts_log once, the view read once.
test "schema" "reused" {
  exec {
    sql = "UPDATE accounts SET balance = 500 WHERE id = 1"
  }
  exec {
    sql    = "SELECT count(*) FROM rich"
    output = "1"
  }
}

# Touches server state (FLUSH), which a restore would not put back: a copy of its own.
test "schema" "own_copy" {
  exec {
    sql = <<-SQL
      FLUSH STATUS;
      CALL open_account(3);
    SQL
  }
  assert {
    sql = "SELECT count(*) = 3 FROM accounts"
  }
}

# Parallel cases share one database and run at once: their calls are the group's.
test "schema" "parallel_a" {
  parallel = true
  exec {
    sql    = "SELECT fee(10)"
    output = "1"
  }
}

test "schema" "parallel_b" {
  parallel = true
  exec {
    sql = "UPDATE accounts SET balance = 7 WHERE id = 2"
  }
}

# Migrate cases: the objects are those of the version each case reached.
test "migrate" "from_1" {
  migrate {
    to = "1"
  }
  exec {
    sql    = "SELECT event_count()"
    output = "0"
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
    sql    = "SELECT event_count()"
    output = "0"
  }
}
