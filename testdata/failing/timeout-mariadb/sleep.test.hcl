# The per-case time limit (timeout.txt: 2s) on MariaDB: `SLEEP(600)` is stopped with
# `KILL QUERY` from a connection of its own.

# want sleeps: timed out after 2s at
test "schema" "sleeps" {
  exec {
    sql = "SELECT SLEEP(600)"
  }
}

# want sleeps_after_ddl: timed out after 2s at
test "schema" "sleeps_after_ddl" {
  exec {
    sql = "CREATE TABLE t (id int)"
  }
  exec {
    sql = "SELECT SLEEP(600) FROM t UNION ALL SELECT SLEEP(600)"
  }
}
