# Each non-parallel case gets a fresh copy of the desired schema: both cases insert id 2.

test "schema" "first_insert" {
  exec {
    sql = "INSERT INTO users (id, email) VALUES (2, 'two@example.com'); DROP TABLE IF EXISTS scratch; CREATE TABLE scratch (a int)"
  }
  assert {
    sql = "SELECT count(*) = 2 FROM users"
  }
}

test "schema" "second_insert" {
  exec {
    sql = "INSERT INTO users (id, email) VALUES (2, 'two@example.com'); CREATE TABLE scratch (a int)"
  }
  assert {
    sql = "SELECT count(*) = 2 FROM users"
  }
}

# Parallel cases of a file share one copy; each only reads here.
test "schema" "parallel_reader" {
  parallel = true
  for_each = [1, 2, 3]
  assert {
    sql = "SELECT count(*) >= 1 FROM users WHERE id = ${each.value} OR id = 1"
  }
}
