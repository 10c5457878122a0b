# The per-case time limit (timeout.txt: 2s) on SQLite: an endless recursive CTE is interrupted
# (sqlite3_interrupt) and the case fails naming the limit and the block that was running.

# want endless_cte: timed out after 2s at
test "schema" "endless_cte" {
  exec {
    sql = "CREATE TABLE t (id int)"
  }
  exec {
    sql = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"
  }
  exec {
    sql = "SELECT 'never reached'"
  }
}

# Parallel cases share a database; the one that hangs is cancelled, its session discarded.
# want endless_parallel: timed out after 2s at
test "schema" "endless_parallel" {
  parallel = true
  exec {
    sql = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT max(i) FROM n"
  }
}
