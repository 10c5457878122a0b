# Dozens of `parallel = true` cases in one file share one copy of the desired schema and take
# turns on its sessions. On in-memory SQLite (one connection) the cases of a group wait for
# each other's session: none may wait while holding what another needs to give it back (this
# hung before). Each writer adds only its own row, so every case passes in any order.

test "schema" "reader" {
  parallel = true
  for_each = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]
  assert {
    sql = "SELECT count(*) = 2 FROM items WHERE id IN (1, 2)"
  }
}

test "schema" "writer" {
  parallel = true
  for_each = [101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120]
  exec {
    sql = "INSERT INTO marks (id, n) VALUES (${each.value}, 1)"
  }
  assert {
    sql = "SELECT count(*) = 1 FROM marks WHERE id = ${each.value}"
  }
}

test "schema" "catcher" {
  parallel = true
  for_each = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
  catch {
    sql   = "INSERT INTO items (id, name) VALUES (${each.value} % 2 + 1, 'again')"
    error = "(?i)(unique|duplicate|primary)"
  }
}

test "schema" "isolated" {
  exec {
    sql = "INSERT INTO items (id, name) VALUES (3, 'three')"
  }
  assert {
    sql = "SELECT count(*) = 3 FROM items"
  }
}
