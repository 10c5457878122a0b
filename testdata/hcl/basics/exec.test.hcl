# exec: every statement runs; the rows of the last statement that returned rows are compared.

test "schema" "csv_quoting_and_null" {
  exec {
    sql    = "SELECT 1, 'a,b', NULL, 'say \"hi\"'"
    output = "1,\"a,b\",,\"say \"\"hi\"\"\""
  }
}

test "schema" "last_result_set_wins" {
  exec {
    sql = <<-SQL
      SELECT 'first';
      INSERT INTO users (id, email) VALUES (2, 'b@example.com');
      SELECT id FROM users ORDER BY id;
      UPDATE users SET name = 'B' WHERE id = 2;
    SQL
    output = <<-OUT
      1
      2
    OUT
  }
}

test "schema" "empty_output_is_an_assertion" {
  exec {
    sql    = "SELECT id FROM users WHERE id < 0"
    output = ""
  }
  exec {
    sql    = "CREATE TABLE nothing_returned (a int)"
    output = ""
  }
}

test "schema" "lenient_csv_spacing" {
  exec {
    sql    = "SELECT 'Ada', 'Lovelace'"
    output = "Ada, Lovelace"
  }
  exec {
    sql    = "SELECT 'Prince', ''"
    output = "Prince, "
  }
}

test "schema" "match_is_an_unanchored_regex" {
  exec {
    sql   = "SELECT email FROM users"
    match = "@example\\.(com|org)"
  }
}

test "schema" "output_unset_only_runs" {
  exec {
    sql = "SELECT * FROM users"
  }
}

test "schema" "table_format" {
  exec {
    sql    = "SELECT id, email, name AS who, NULL AS missing FROM users"
    format = table
    output = <<OUT
 id |      email      | who | missing
----+-----------------+-----+---------
 1  | ada@example.com | Ada |
OUT
  }
}

test "schema" "table_format_lenient_alignment" {
  exec {
    sql    = "SELECT id, name FROM users"
    format = table
    output = <<-OUT
      id | name
      ---+-----
      1  | Ada
    OUT
  }
}

test "schema" "values_as_text" {
  exec {
    sql    = "SELECT 42, 2.5, 2.0, 1500000.0, x'00ff', 'text'"
    output = "42,2.5,2,1.5e+06,\\x00ff,text"
  }
}

test "schema" "trigger_bodies_are_one_statement" {
  exec {
    sql = <<-SQL
      CREATE TABLE audit (email TEXT);
      CREATE TRIGGER users_audit AFTER INSERT ON users
      BEGIN
        INSERT INTO audit VALUES (NEW.email);
        INSERT INTO audit VALUES (upper(NEW.email));
      END;
      INSERT INTO users (id, email) VALUES (3, 'c@example.com');
      SELECT email FROM audit ORDER BY email;
    SQL
    output = "C@EXAMPLE.COM\nc@example.com"
  }
}

test "schema" "semicolons_in_strings_and_comments" {
  exec {
    sql = <<-SQL
      -- a comment; with a semicolon
      SELECT 'a;b' /* and ; here */ , ';';
    SQL
    output = "a;b,;"
  }
}
