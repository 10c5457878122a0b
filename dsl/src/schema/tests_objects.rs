//! Exact PostgreSQL DDL for enums, domains, sequences, extensions, views, functions,
//! procedures and triggers, and their place in the order.

use super::tests::pg;

#[test]
fn enums_domains_sequences_and_extensions_come_before_tables() {
    let out = pg(r#"
        schema "public" {}
        table "t" {
          schema = schema.public
          column "s" {
            type = enum.status
            default = "on"
          }
          column "z" {
            type = domain.zip
          }
          column "n" {
            type = bigint
            default = sql("nextval('t_seq')")
          }
        }
        enum "status" {
          schema = schema.public
          values = ["on", "it's off"]
          comment = "state"
        }
        domain "zip" {
          schema = schema.public
          type = text
          null = true
          default = "00000"
          check "zip_digits" {
            expr = "VALUE ~ '^\\d{5}$'"
          }
        }
        sequence "t_seq" {
          schema = schema.public
          type = bigint
          start = 100
          increment = 5
          min_value = 1
          cache = 10
          cycle = true
          owner = table.t.column.n
        }
        extension "citext" {
          schema = schema.public
          version = "1.6"
        }
    "#);
    assert_eq!(
        out,
        "CREATE EXTENSION IF NOT EXISTS \"citext\" WITH SCHEMA \"public\" VERSION '1.6';\n\
         CREATE TYPE \"status\" AS ENUM ('on', 'it''s off');\n\
         COMMENT ON TYPE \"status\" IS 'state';\n\
         CREATE DOMAIN \"zip\" AS text DEFAULT '00000' CONSTRAINT \"zip_digits\" CHECK (VALUE ~ '^\\d{5}$');\n\
         CREATE SEQUENCE \"t_seq\" AS bigint INCREMENT BY 5 MINVALUE 1 START WITH 100 CACHE 10 CYCLE;\n\
         CREATE TABLE \"t\" (\"s\" \"status\" NOT NULL DEFAULT 'on', \"z\" \"zip\" NOT NULL, \
         \"n\" bigint NOT NULL DEFAULT nextval('t_seq'));\n\
         ALTER SEQUENCE \"t_seq\" OWNED BY \"t\".\"n\";\n"
    );
}

#[test]
fn views_follow_depends_on_and_materialized_views_keep_their_indexes() {
    let out = pg(r#"
        schema "public" {}
        view "top" {
          schema = schema.public
          as = "SELECT id FROM active WHERE id < 10;\n"
          depends_on = [view.active]
        }
        view "active" {
          schema = schema.public
          column "id" {
            type = int
          }
          as = <<-SQL
            SELECT id FROM ${table.users.name}
          SQL
          depends_on = [table.users]
          check_option = CASCADED
          comment = "active users"
        }
        materialized "counts" {
          schema = schema.public
          column "n" {
            type = bigint
          }
          as = "SELECT count(*) AS n FROM users"
          index "counts_n" {
            columns = [column.n]
          }
        }
        table "users" {
          schema = schema.public
          column "id" {
            type = int
          }
        }
    "#);
    assert_eq!(
        out,
        "CREATE TABLE \"users\" (\"id\" integer NOT NULL);\n\
         CREATE VIEW \"active\" (\"id\") AS SELECT id FROM users WITH CASCADED CHECK OPTION;\n\
         COMMENT ON VIEW \"active\" IS 'active users';\n\
         CREATE VIEW \"top\" AS SELECT id FROM active WHERE id < 10;\n\
         CREATE MATERIALIZED VIEW \"counts\" (\"n\") AS SELECT count(*) AS n FROM users;\n\
         CREATE INDEX \"counts_n\" ON \"counts\" (\"n\");\n"
    );
}

#[test]
fn functions_procedures_and_triggers() {
    let out = pg(r#"
        schema "public" {}
        table "t" {
          schema = schema.public
          column "a" {
            type = numeric
          }
          column "p" {
            type = boolean
            as = "positive(a)"
          }
        }
        function "positive" {
          schema = schema.public
          lang = SQL
          arg "v" {
            type = numeric
          }
          return = boolean
          as = "SELECT v > 0"
        }
        function "add" {
          schema = schema.public
          lang = SQL
          arg "a" {
            type = int
          }
          arg "b" {
            type = int
            default = 1
          }
          arg "r" {
            type = int
            mode = OUT
          }
          volatility = IMMUTABLE
          strict = true
          security = DEFINER
          parallel = SAFE
          as = "SELECT a + b"
          comment = "adds"
        }
        function "touch" {
          schema = schema.public
          lang = PLpgSQL
          return = trigger
          as = <<-SQL
            BEGIN
              RETURN $$x$$;
            END
          SQL
        }
        procedure "archive" {
          schema = schema.public
          lang = PLpgSQL
          arg "cutoff" {
            type = date
          }
          as = "BEGIN DELETE FROM t WHERE a < 0; END"
        }
        trigger "t_touch" {
          on = table.t
          before {
            insert = true
            update_of = [column.a]
          }
          for = ROW
          when = "NEW.a IS NOT NULL"
          execute {
            function = function.touch
            args = ["x", "it's"]
          }
          comment = "touch"
        }
    "#);
    assert_eq!(
        out,
        "CREATE FUNCTION \"positive\" (\"v\" numeric) RETURNS boolean LANGUAGE sql AS $$SELECT v > 0$$;\n\
         CREATE TABLE \"t\" (\"a\" numeric NOT NULL, \"p\" boolean NOT NULL GENERATED ALWAYS AS (positive(a)) STORED);\n\
         CREATE FUNCTION \"add\" (\"a\" integer, \"b\" integer DEFAULT 1, OUT \"r\" integer) LANGUAGE sql IMMUTABLE STRICT SECURITY DEFINER PARALLEL SAFE AS $$SELECT a + b$$;\n\
         COMMENT ON FUNCTION \"add\"(integer, integer) IS 'adds';\n\
         CREATE FUNCTION \"touch\" () RETURNS trigger LANGUAGE plpgsql AS $body$BEGIN\n  RETURN $$x$$;\nEND\n$body$;\n\
         CREATE PROCEDURE \"archive\" (\"cutoff\" date) LANGUAGE plpgsql AS $$BEGIN DELETE FROM t WHERE a < 0; END$$;\n\
         CREATE TRIGGER \"t_touch\" BEFORE INSERT OR UPDATE OF \"a\" ON \"t\" FOR EACH ROW WHEN (NEW.a IS NOT NULL) EXECUTE FUNCTION \"touch\"('x', 'it''s');\n\
         COMMENT ON TRIGGER \"t_touch\" ON \"t\" IS 'touch';\n"
    );
}

#[test]
fn sql_standard_bodies_are_not_quoted() {
    let out = pg(r#"
        schema "public" {}
        function "one" {
          schema = schema.public
          lang = SQL
          return = int
          as = "RETURN 1"
        }
        function "two" {
          schema = schema.public
          lang = SQL
          return = int
          as = "BEGIN ATOMIC SELECT 2; END"
        }
    "#);
    assert_eq!(
        out,
        "CREATE FUNCTION \"one\" () RETURNS integer LANGUAGE sql RETURN 1;\n\
         CREATE FUNCTION \"two\" () RETURNS integer LANGUAGE sql BEGIN ATOMIC SELECT 2; END;\n"
    );
}

#[test]
fn set_and_table_returns_instead_of_and_statement_triggers() {
    let out = pg(r#"
        schema "public" {}
        table "t" {
          schema = schema.public
          column "a" {
            type = int
          }
        }
        view "v" {
          schema = schema.public
          as = "SELECT a FROM t"
          depends_on = [table.t]
        }
        function "evens" {
          schema = schema.public
          lang = SQL
          return_set = int
          as = "SELECT a FROM t WHERE a % 2 = 0"
          depends_on = [table.t]
        }
        function "pairs" {
          schema = schema.public
          lang = SQL
          arg {
            type = int
          }
          return_table {
            column "x" {
              type = int
            }
            column "y" {
              type = text
            }
          }
          as = "SELECT $1, 'y'"
          volatility = STABLE
        }
        function "v_insert" {
          schema = schema.public
          lang = PLpgSQL
          return = trigger
          as = "BEGIN INSERT INTO t VALUES (NEW.a); RETURN NEW; END"
        }
        trigger "v_ins" {
          on = view.v
          instead_of {
            insert = true
          }
          for = ROW
          execute {
            function = function.v_insert
          }
        }
        trigger "t_trunc" {
          on = table.t
          before {
            truncate = true
          }
          for = STATEMENT
          execute {
            function = function.v_insert
          }
        }
    "#);
    assert_eq!(
        out,
        "CREATE TABLE \"t\" (\"a\" integer NOT NULL);\n\
         CREATE FUNCTION \"evens\" () RETURNS SETOF integer LANGUAGE sql AS $$SELECT a FROM t WHERE a % 2 = 0$$;\n\
         CREATE FUNCTION \"pairs\" (integer) RETURNS TABLE (\"x\" integer, \"y\" text) LANGUAGE sql STABLE AS $$SELECT $1, 'y'$$;\n\
         CREATE FUNCTION \"v_insert\" () RETURNS trigger LANGUAGE plpgsql AS $$BEGIN INSERT INTO t VALUES (NEW.a); RETURN NEW; END$$;\n\
         CREATE VIEW \"v\" AS SELECT a FROM t;\n\
         CREATE TRIGGER \"v_ins\" INSTEAD OF INSERT ON \"v\" FOR EACH ROW EXECUTE FUNCTION \"v_insert\"();\n\
         CREATE TRIGGER \"t_trunc\" BEFORE TRUNCATE ON \"t\" FOR EACH STATEMENT EXECUTE FUNCTION \"v_insert\"();\n"
    );
}
