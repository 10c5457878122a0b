# want error_position: failures.test.hcl:9:3
test "schema" "error_position" {
  exec {
    sql = <<SQL
SELECT 1;
SELECT
  1,
  2,
  nope;
SQL
  }
}

# want detail_and_hint: DETAIL: Key (a)=(1) already exists.
test "schema" "detail_and_hint" {
  exec {
    sql = "CREATE TABLE t (a int PRIMARY KEY); INSERT INTO t VALUES (1); INSERT INTO t VALUES (1)"
  }
}

# want raise_exception: boom 42 (P0001)
test "schema" "raise_exception" {
  exec {
    sql = <<-SQL
      DO $$ BEGIN RAISE EXCEPTION 'boom %', 42; END $$;
    SQL
  }
}
