# Cases that must fail, with the text their failure must contain (checked by tests/testdata.rs).

# want output_mismatch: output mismatch
test "schema" "output_mismatch" {
  exec {
    sql    = "SELECT id, email FROM users"
    output = "1,someone@example.com"
  }
}

# want match_mismatch: output does not match /^2,/
test "schema" "match_mismatch" {
  exec {
    sql   = "SELECT id, email FROM users"
    match = "^2,"
  }
}

# want statement_error_place: failures.test.hcl:24:8
test "schema" "statement_error_place" {
  exec {
    sql = <<SQL
SELECT 1;
SELECT nope FROM users;
SQL
  }
}

# want assert_false: the insert should have been rejected
test "schema" "assert_false" {
  assert {
    sql           = "SELECT count(*) = 0 FROM users"
    error_message = "the insert should have been rejected"
  }
}

# want assert_two_rows: expected one row, got 2
test "schema" "assert_two_rows" {
  assert {
    sql = "SELECT 1 UNION ALL SELECT 2"
  }
}

# want assert_null: the value is NULL, not true
test "schema" "assert_null" {
  assert {
    sql = "SELECT NULL"
  }
}

# want catch_succeeds: the SQL succeeded, but an error was expected
test "schema" "catch_succeeds" {
  catch {
    sql = "SELECT 1"
  }
}

# want catch_wrong_error: the error does not match "CHECK constraint"
test "schema" "catch_wrong_error" {
  catch {
    sql   = "INSERT INTO users (id, email) VALUES (1, 'x@example.com')"
    error = "CHECK constraint"
  }
}

# want first_failure_stops: failures.test.hcl:71: output mismatch
test "schema" "first_failure_stops" {
  exec {
    sql = "INSERT INTO users (id, email) VALUES (2, 'b@example.com')"
  }
  exec {
    sql    = "SELECT count(*) FROM users"
    output = "3"
  }
  exec {
    sql    = "SELECT 'never reached'"
    output = "also wrong"
  }
}

# want failing_cleanup: cleanup failed
test "schema" "failing_cleanup" {
  cleanup {
    sql = "DROP TABLE no_such_table"
  }
}

# want external_fails: exited with exit status: 3
test "schema" "external_fails" {
  external {
    program = ["sh", "-c", "echo oops >&2; exit 3"]
  }
}

# want external_output: external: output mismatch
test "schema" "external_output" {
  external {
    program = ["echo", "actual"]
    output  = "expected"
  }
}

# want log_shown_with_failure: failures.test.hcl:105: reached the log
test "schema" "log_shown_with_failure" {
  log {
    message = "reached the log"
  }
  exec {
    sql    = "SELECT 1"
    output = "2"
  }
}

# A migrate case with no migration directory (this group has none): the error says how to give one.
# want migrate_without_directory: does not exist: give it with --dir file://path
test "migrate" "migrate_without_directory" {
  migrate {
    to = "1"
  }
}
