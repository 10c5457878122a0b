# Sharded by harness/tests/partition.rs: cases of every shape (plain, for_each, parallel, skip).

test "schema" "seeded" {
  exec {
    sql    = "SELECT count(*) FROM accounts"
    output = "3"
  }
}

test "schema" "owners" {
  exec {
    sql    = "SELECT owner FROM accounts ORDER BY id"
    output = "ada\nalan\ngrace"
  }
}

test "schema" "balance_of" {
  for_each = {
    ada   = 100
    alan  = 40
    grace = 0
  }
  exec {
    sql    = "SELECT balance FROM accounts WHERE owner = '${each.key}'"
    output = "${each.value}"
  }
}

test "schema" "transfer" {
  exec {
    sql = "UPDATE accounts SET balance = balance - 30 WHERE id = 1; UPDATE accounts SET balance = balance + 30 WHERE id = 3"
  }
  exec {
    sql    = "SELECT sum(balance) FROM accounts"
    output = "140"
  }
}

test "schema" "owner_is_unique" {
  catch {
    sql   = "INSERT INTO accounts (id, owner, balance) VALUES (4, 'ada', 1)"
    error = "(?i)(unique|duplicate)"
  }
}

test "schema" "reader_one" {
  parallel = true
  exec {
    sql    = "SELECT max(balance) FROM accounts"
    output = "100"
  }
}

test "schema" "reader_two" {
  parallel = true
  exec {
    sql    = "SELECT min(balance) FROM accounts"
    output = "0"
  }
}

test "schema" "not_yet" {
  skip = true
  exec {
    sql = "SELECT missing FROM nowhere"
  }
}
