# Cleanups run after the case in reverse order of registration. If they ran in file order, the
# first one would fail (t2 would not exist yet).

test "schema" "reverse_order" {
  cleanup {
    sql = "DROP TABLE t2"
  }
  cleanup {
    sql = "CREATE TABLE t2 (a int)"
  }
  exec {
    sql = "SELECT 1"
  }
}
