# Sharded by harness/tests/partition.rs.

test "schema" "empty_insert_keeps_count" {
  exec {
    sql = "INSERT INTO accounts (id, owner, balance) VALUES (4, 'edsger', 5)"
  }
  assert {
    sql = "SELECT count(*) = 4 FROM accounts"
  }
}

test "schema" "fresh_copy" {
  # Each case starts from the schema again: the row inserted above is not here.
  assert {
    sql = "SELECT count(*) = 3 FROM accounts"
  }
}

test "schema" "square" {
  for_each = [1, 2, 3, 4]
  exec {
    sql    = "SELECT ${each.value} + 0"
    output = "${each.value}"
  }
}

test "schema" "rich" {
  exec {
    sql    = "SELECT owner FROM accounts WHERE balance > 50"
    output = "ada"
  }
}
