# Migration errors, on every engine. On PostgreSQL and MariaDB cases run on reused databases: a
# file that fails inside a case is reported at its statement and line, as on a copy (on
# PostgreSQL the file's statements are pipelined inside the case's transaction, and a failing
# file is applied again one statement at a time to report it).

# want unknown_version: migration with version "4" not found. Did you mean "3"?
test "migrate" "unknown_version" {
  migrate {
    to = "4"
  }
}

# want check_false: 2_checked.sql:4: 1 of 1 assertions failed: check assertion "SELECT count(*) > 0 FROM t;" returned false
test "migrate" "check_false" {
  migrate {
    to = "1"
  }
  migrate {
    to = "2"
  }
}

# want statement_error: 3_broken.sql:3: executing statement "INSERT INTO missing_table (id) VALUES (1);" from version "3": 
test "migrate" "statement_error" {
  migrate {
    to = "1"
  }
  exec {
    sql = "INSERT INTO t (id, v) VALUES (1, 'a')"
  }
  migrate {
    to = "3"
  }
}

# want already_applied: migrate: version "1" is already applied: the database is at version "1"
test "migrate" "already_applied" {
  migrate {
    to = "1"
  }
  migrate {
    to = "1"
  }
}

# want statement_error_again: 3_broken.sql:3: executing statement "INSERT INTO missing_table (id) VALUES (1);" from version "3": 
test "migrate" "statement_error_again" {
  migrate {
    to = "1"
  }
  exec {
    sql = "INSERT INTO t (id, v) VALUES (1, 'a'), (2, 'b')"
  }
  migrate {
    to = "2"
  }
  migrate {
    to = "3"
  }
}
