# Run with: cargo run -- test examples/quickstart --url file://examples/quickstart/schema.sql
# Every `test "schema"` case starts from a fresh copy of schema.sql.

variable "greeting" {
  type    = string
  default = "hello"
}

test "schema" "post_count_trigger" {
  exec {
    sql = <<-SQL
      INSERT INTO users (id, email, name) VALUES (1, 'ada@example.com', 'Ada');
      INSERT INTO posts (author_id, title) VALUES (1, 'Notes'), (1, 'Engines');
    SQL
  }
  # The trigger counted both posts.
  assert {
    sql           = "SELECT post_count = 2 FROM users WHERE id = 1"
    error_message = "the insert trigger should count posts"
  }
  exec {
    sql    = "DELETE FROM posts WHERE title = 'Notes'; SELECT post_count FROM users WHERE id = 1"
    output = "1"
  }
  log {
    message = "post_count follows inserts and deletes"
  }
}

test "schema" "published_view" {
  exec {
    sql = <<-SQL
      INSERT INTO users (id, email, name) VALUES (1, 'ada@example.com', 'Ada'), (2, 'alan@example.com', 'Alan');
      INSERT INTO posts (author_id, title, published) VALUES (1, 'Notes', 1), (2, 'Draft', 0), (2, 'Machines', 1);
    SQL
  }
  exec {
    sql    = "SELECT id, title, author FROM published_posts ORDER BY id"
    format = table
    output = <<-OUT
       id |  title   | author
      ----+----------+--------
       1  | Notes    | Ada
       3  | Machines | Alan
    OUT
  }
}

test "schema" "constraints" {
  exec {
    sql = "INSERT INTO users (id, email, name) VALUES (1, 'ada@example.com', 'Ada')"
  }
  catch {
    sql   = "INSERT INTO users (id, email, name) VALUES (2, 'ada@example.com', 'Other Ada')"
    error = "UNIQUE constraint failed: users.email"
  }
  catch {
    sql   = "INSERT INTO users (id, email, name) VALUES (3, 'not-an-email', 'Nobody')"
    error = "CHECK constraint failed"
  }
}

# A cleanup runs after the case, whatever its result; here it empties a table the case filled.
test "schema" "cleanup_runs_last" {
  exec {
    sql = "INSERT INTO users (id, email, name) VALUES (9, 'tmp@example.com', 'Temp')"
  }
  cleanup {
    sql = "DELETE FROM users WHERE id = 9"
  }
  assert {
    sql = "SELECT count(*) = 1 FROM users"
  }
}

# One case per element: upper/1 and upper/2.
test "schema" "upper" {
  parallel = true
  for_each = [
    {input: "${var.greeting}", expected: "HELLO"},
    {input: "world", expected: "WORLD"},
  ]
  exec {
    sql    = "SELECT upper('${each.value.input}')"
    output = each.value.expected
  }
  log {
    message = "Testing ${each.value.input} -> ${each.value.expected}"
  }
}
