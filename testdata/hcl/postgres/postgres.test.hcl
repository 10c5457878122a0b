# PostgreSQL specifics: values as the server prints them, transactions, statements that cannot run
# in a transaction, plpgsql, and sequences that start where the schema leaves them.

test "schema" "values" {
  exec {
    sql    = "SELECT true, false, NULL, added, price, qty FROM items WHERE name = 'bolt'"
    output = "t,f,,2024-01-23 00:51:54,0.25,10"
  }
  exec {
    sql    = "SELECT '{\"a\": 1}'::jsonb, '\\x78'::bytea, interval '1 day', 1e100::float8"
    output = "\"{\"\"a\"\": 1}\",\\x78,1 day,1e+100"
  }
}

test "schema" "explicit_transaction" {
  exec {
    sql = <<-SQL
      BEGIN;
      INSERT INTO items (name, qty) VALUES ('washer', 1);
      COMMIT;
      BEGIN;
      INSERT INTO items (name, qty) VALUES ('gear', 1);
      ROLLBACK;
    SQL
  }
  exec {
    sql    = "SELECT name FROM items ORDER BY id"
    output = "bolt\nnut\nwasher"
  }
}

test "schema" "create_index_concurrently" {
  exec {
    sql = "CREATE INDEX CONCURRENTLY items_qty ON items (qty); SELECT 1"
  }
  assert {
    sql = "SELECT count(*) = 1 FROM pg_indexes WHERE indexname = 'items_qty'"
  }
}

test "schema" "plpgsql_and_dollar_quotes" {
  exec {
    sql = <<-SQL
      CREATE FUNCTION shout(t text) RETURNS text LANGUAGE plpgsql AS $fn$
      BEGIN
        RETURN upper(t) || '; done';
      END;
      $fn$;
      SELECT shout('hi'), total_value();
    SQL
    output = "HI; done,3.00"
  }
}

test "schema" "domain_check" {
  catch {
    sql   = "INSERT INTO items (name, qty) VALUES ('bad', 0)"
    error = "value for domain positive_int violates check constraint \"positive_int_check\" \\(23514\\)"
  }
}

test "schema" "sequence_continues_after_schema_rows" {
  exec {
    sql    = "INSERT INTO items (name, qty) VALUES ('gear', 1) RETURNING id"
    output = "3"
  }
}

test "schema" "sequence_is_fresh_in_every_case" {
  exec {
    sql    = "INSERT INTO items (name, qty) VALUES ('cog', 1) RETURNING id"
    output = "3"
  }
}

test "schema" "parallel_reads" {
  parallel = true
  for_each = ["bolt", "nut"]
  assert {
    sql = "SELECT count(*) = 1 FROM items WHERE name = '${each.value}'"
  }
}

test "schema" "dev_url_reaches_the_case_database" {
  exec {
    sql = "CREATE TABLE marker (a int)"
  }
  external {
    program = ["psql", "-X", "-A", "-t", "-c", "SELECT count(*) FROM marker", testing.dev_url]
    output  = "0"
  }
}
