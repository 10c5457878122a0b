# The per-case time limit (timeout.txt: 2s) on PostgreSQL: `pg_sleep(600)` is cancelled with a
# cancel request, on a fresh copy and on a reused worker database alike.

# want sleeps: timed out after 2s at
test "schema" "sleeps" {
  exec {
    sql = "SELECT pg_sleep(600)"
  }
}

# After a statement that changed the database (the reused worker's transaction is rolled back).
# want sleeps_after_ddl: timed out after 2s at
test "schema" "sleeps_after_ddl" {
  exec {
    sql = "CREATE TABLE t (id int)"
  }
  exec {
    sql = "SELECT pg_sleep(600)"
  }
}

# want sleeps_in_a_do_block: timed out after 2s at
test "schema" "sleeps_in_a_do_block" {
  exec {
    sql = <<-SQL
      CREATE TABLE t (id int);
      DO $$ BEGIN PERFORM pg_sleep(600); END $$;
    SQL
  }
}
