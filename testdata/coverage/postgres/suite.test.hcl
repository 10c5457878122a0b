# Runs on a worker database inside a transaction that is rolled back: two calls of deposit, two
# firings of accounts_log, and doubled inlined (no call counted).
test "schema" "rolled_back" {
  exec {
    sql    = "SELECT deposit(1, 50), deposit(1, 25)"
    output = "50,25"
  }
  exec {
    sql    = "SELECT doubled(3)"
    output = "6"
  }
}

# The same worker database, reused: deposit and accounts_log once more, the view read once.
test "schema" "reused" {
  exec {
    sql    = "SELECT deposit(2, 500)"
    output = "500"
  }
  exec {
    sql    = "SELECT count(*) FROM rich"
    output = "1"
  }
}

# Commits (and CALL): a copy of its own.
test "schema" "committed" {
  exec {
    sql = <<-SQL
      BEGIN;
      CALL open_account(3);
      COMMIT;
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
    sql    = "SELECT deposit(1, 1)"
    output = "1"
  }
}

test "schema" "parallel_b" {
  parallel = true
  exec {
    sql    = "SELECT deposit(2, 1)"
    output = "1"
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
