# One file, every engine: each case is one trial per dev URL (trial names start with the engine).

test "schema" "select" {
  exec {
    sql    = "SELECT id, name, age FROM people ORDER BY id"
    format = table
    output = <<-OUT
       id | name | age
      ----+------+-----
       1  | Ada  | 36
       2  | Alan | 41
    OUT
  }
}

test "schema" "isolated_insert" {
  exec {
    sql = "INSERT INTO people (id, name) VALUES (3, 'Grace')"
  }
  assert {
    sql = "SELECT count(*) = 3 FROM people"
  }
}

test "schema" "isolated_insert_again" {
  exec {
    sql = "INSERT INTO people (id, name) VALUES (3, 'Grace')"
  }
  catch {
    sql   = "INSERT INTO people (id, name) VALUES (4, 'Ada')"
    error = "(?i)(unique|duplicate)"
  }
}

test "schema" "null_is_empty" {
  exec {
    sql    = "SELECT name, NULL FROM people WHERE id = 1"
    output = "Ada,"
  }
}
