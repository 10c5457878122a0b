# catch: the SQL must fail; `error` matches as an unanchored regex or a plain substring.

test "schema" "substring" {
  catch {
    sql   = "INSERT INTO users (id, email) VALUES (9, 'ada@example.com')"
    error = "UNIQUE constraint failed: users.email"
  }
}

test "schema" "regex" {
  catch {
    sql   = "SELECT * FROM no_such_table"
    error = "^no such table: no_such_\\w+"
  }
}

test "schema" "substring_with_regex_characters" {
  catch {
    sql   = "INSERT INTO users (id, email) VALUES (1, 'x@example.com')"
    error = "(SQLITE_CONSTRAINT_PRIMARYKEY)"
  }
}

test "schema" "syntax_error" {
  catch {
    sql   = "SELECT ("
    error = "incomplete input"
  }
}

test "schema" "any_error_without_pattern" {
  catch {
    sql = "SELECT nope FROM users"
  }
}

test "schema" "earlier_statements_run" {
  catch {
    sql = "INSERT INTO users (id, email) VALUES (7, 'g@example.com'); INSERT INTO users (id, email) VALUES (7, 'h@example.com')"
  }
  assert {
    sql = "SELECT count(*) = 1 FROM users WHERE id = 7"
  }
}
