# Migrate cases starting at every version, in an order unlike the versions': assay runs them by
# the version they start at, and a few worker databases move forward through the directory
# (on PostgreSQL and MariaDB). Each case checks it starts at exactly its version, with no rows
# of another case, then tests the next migration the documented way.

test "migrate" "from_005" {
  for_each = [1, 2]
  migrate {
    to = "005"
  }
  assert {
    sql = "SELECT count(*) = 0 FROM t5"
  }
  assert {
    sql = "SELECT count(*) = 0 FROM items"
  }
  catch {
    sql   = "SELECT c6 FROM items"
    error = "c6"
  }
  exec {
    sql = "INSERT INTO items (id, v) VALUES (1, 10), (2, 20)"
  }
  migrate {
    to = "006"
  }
  assert {
    sql = "SELECT count(*) = 2 FROM items WHERE c6 = v + 6"
  }
  exec {
    sql = "INSERT INTO t6 (id) VALUES (1)"
  }
}

test "migrate" "from_002" {
  for_each = [1, 2]
  migrate {
    to = "002"
  }
  assert {
    sql = "SELECT count(*) = 0 FROM t2"
  }
  assert {
    sql = "SELECT count(*) = 0 FROM items"
  }
  catch {
    sql   = "SELECT c3 FROM items"
    error = "c3"
  }
  exec {
    sql = "INSERT INTO items (id, v) VALUES (1, 10), (2, 20)"
  }
  migrate {
    to = "003"
  }
  assert {
    sql = "SELECT count(*) = 2 FROM items WHERE c3 = v + 3"
  }
  exec {
    sql = "INSERT INTO t3 (id) VALUES (1)"
  }
}

test "migrate" "from_007" {
  for_each = [1, 2]
  migrate {
    to = "007"
  }
  assert {
    sql = "SELECT count(*) = 0 FROM t7"
  }
  assert {
    sql = "SELECT count(*) = 0 FROM items"
  }
  catch {
    sql   = "SELECT c8 FROM items"
    error = "c8"
  }
  exec {
    sql = "INSERT INTO items (id, v) VALUES (1, 10), (2, 20)"
  }
  migrate {
    to = "008"
  }
  assert {
    sql = "SELECT count(*) = 2 FROM items WHERE c8 = v + 8"
  }
  exec {
    sql = "INSERT INTO t8 (id) VALUES (1)"
  }
}

test "migrate" "from_003" {
  for_each = [1, 2]
  migrate {
    to = "003"
  }
  assert {
    sql = "SELECT count(*) = 0 FROM t3"
  }
  assert {
    sql = "SELECT count(*) = 0 FROM items"
  }
  catch {
    sql   = "SELECT c4 FROM items"
    error = "c4"
  }
  exec {
    sql = "INSERT INTO items (id, v) VALUES (1, 10), (2, 20)"
  }
  migrate {
    to = "004"
  }
  assert {
    sql = "SELECT count(*) = 2 FROM items WHERE c4 = v + 4"
  }
  exec {
    sql = "INSERT INTO t4 (id) VALUES (1)"
  }
}

test "migrate" "from_006" {
  for_each = [1, 2]
  migrate {
    to = "006"
  }
  assert {
    sql = "SELECT count(*) = 0 FROM t6"
  }
  assert {
    sql = "SELECT count(*) = 0 FROM items"
  }
  catch {
    sql   = "SELECT c7 FROM items"
    error = "c7"
  }
  exec {
    sql = "INSERT INTO items (id, v) VALUES (1, 10), (2, 20)"
  }
  migrate {
    to = "007"
  }
  assert {
    sql = "SELECT count(*) = 2 FROM items WHERE c7 = v + 7"
  }
  exec {
    sql = "INSERT INTO t7 (id) VALUES (1)"
  }
}

test "migrate" "from_004" {
  for_each = [1, 2]
  migrate {
    to = "004"
  }
  assert {
    sql = "SELECT count(*) = 0 FROM t4"
  }
  assert {
    sql = "SELECT count(*) = 0 FROM items"
  }
  catch {
    sql   = "SELECT c5 FROM items"
    error = "c5"
  }
  exec {
    sql = "INSERT INTO items (id, v) VALUES (1, 10), (2, 20)"
  }
  migrate {
    to = "005"
  }
  assert {
    sql = "SELECT count(*) = 2 FROM items WHERE c5 = v + 5"
  }
  exec {
    sql = "INSERT INTO t5 (id) VALUES (1)"
  }
}
