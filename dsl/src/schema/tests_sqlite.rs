//! Exact SQLite DDL per construct, and the rendered text splitting with the SQLite scanner.

use super::tests::{ddl, schema_of};
use crate::dialect::Dialect;

fn lite(text: &str) -> String {
    ddl(Dialect::Sqlite, text)
}

const SCHEMA: &str = r#"
    schema "main" {}
    table "users" {
      schema = schema.main
      comment = "people"
      column "id" {
        type = integer
        auto_increment = true
      }
      column "name" {
        type = varchar(255)
        null = true
        collate = "NOCASE"
      }
      column "a" {
        type = int
        default = 1
      }
      column "g" {
        type = int
        as = "a * 2"
      }
      column "s" {
        type = int
        as {
          expr = "a * 3"
          type = STORED
        }
      }
      column "created" {
        type = datetime
        default = sql("CURRENT_TIMESTAMP")
      }
      column "price" {
        type = decimal(10,2)
        default = "0"
      }
      primary_key {
        columns = [column.id]
      }
      index "users_name" {
        unique = true
        on {
          expr = "lower(name)"
          desc = true
        }
        where = "a > 1"
      }
      check {
        expr = "a >= 0"
      }
    }
    table "kv" {
      schema = schema.main
      strict = true
      without_rowid = true
      column "k" {
        type = text
      }
      column "user" {
        type = integer
        null = true
      }
      primary_key {
        columns = [column.k]
      }
      foreign_key "kv_user" {
        columns = [column.user]
        ref_columns = [table.users.column.id]
        on_delete = CASCADE
      }
    }
    view "names" {
      schema = schema.main
      column "name" {
        type = text
      }
      as = "SELECT name FROM users"
      depends_on = [table.users]
    }
    trigger "users_cap" {
      on = table.users
      after {
        update_of = [table.users.column.a]
      }
      for = ROW
      when = "NEW.a > 10"
      as = "UPDATE users SET a = 10 WHERE id = NEW.id"
    }
    trigger "users_log" {
      on = table.users
      before {
        delete = true
      }
      as = <<-SQL
        BEGIN
          DELETE FROM kv WHERE user = OLD.id;
        END;
      SQL
    }
"#;

#[test]
fn tables_indexes_views_and_triggers() {
    assert_eq!(
        lite(SCHEMA),
        "-- table users: people\n\
         CREATE TABLE `users` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, \
         `name` varchar(255) NULL COLLATE NOCASE, `a` int NOT NULL DEFAULT 1, \
         `g` int NOT NULL AS (a * 2) VIRTUAL, `s` int NOT NULL AS (a * 3) STORED, \
         `created` datetime NOT NULL DEFAULT (CURRENT_TIMESTAMP), \
         `price` decimal(10,2) NOT NULL DEFAULT 0, CHECK (a >= 0));\n\
         CREATE UNIQUE INDEX `users_name` ON `users` ((lower(name)) DESC) WHERE a > 1;\n\
         CREATE TABLE `kv` (`k` text NOT NULL, `user` integer NULL, PRIMARY KEY (`k`), \
         CONSTRAINT `kv_user` FOREIGN KEY (`user`) REFERENCES `users` (`id`) ON DELETE CASCADE) \
         WITHOUT ROWID, STRICT;\n\
         CREATE VIEW `names` (`name`) AS SELECT name FROM users;\n\
         CREATE TRIGGER `users_cap` AFTER UPDATE OF `a` ON `users` FOR EACH ROW WHEN NEW.a > 10 \
         BEGIN UPDATE users SET a = 10 WHERE id = NEW.id; END;\n\
         CREATE TRIGGER `users_log` BEFORE DELETE ON `users` BEGIN\n  DELETE FROM kv WHERE user = OLD.id;\nEND;\n"
    );
}

#[test]
fn the_sqlite_scanner_splits_the_rendered_text_into_whole_statements() {
    let out = lite(SCHEMA);
    let stmts = crate::scan::split(&out, Dialect::Sqlite).expect("splits");
    assert_eq!(stmts.len(), 6);
    assert!(stmts[5].text.starts_with("CREATE TRIGGER `users_log`"));
    assert!(stmts[5].text.ends_with("END;"));
}

#[test]
fn a_foreign_key_cycle_stays_inline() {
    let out = lite(
        r#"
        schema "main" {}
        table "a" {
          schema = schema.main
          column "b" {
            type = int
          }
          foreign_key "a_b" {
            columns = [column.b]
            ref_columns = [table.b.column.a]
          }
        }
        table "b" {
          schema = schema.main
          column "a" {
            type = int
          }
          foreign_key "b_a" {
            columns = [column.a]
            ref_columns = [table.a.column.b]
          }
        }
    "#,
    );
    assert_eq!(
        out,
        "CREATE TABLE `a` (`b` int NOT NULL, CONSTRAINT `a_b` FOREIGN KEY (`b`) REFERENCES `b` (`a`));\n\
         CREATE TABLE `b` (`a` int NOT NULL, CONSTRAINT `b_a` FOREIGN KEY (`a`) REFERENCES `a` (`b`));\n"
    );
}

#[test]
fn a_lone_schema_of_any_name_is_the_database_itself() {
    // (assay) One schema file for PostgreSQL's `public` also serves SQLite.
    let public = r#"
        schema "public" {}
        table "t" {
          schema = schema.public
          column "id" {
            type = int
          }
        }
    "#;
    assert_eq!(lite(public), "CREATE TABLE `t` (`id` int NOT NULL);\n");
    // Two schemas: only `main` exists.
    let two = format!("{public}\nschema \"other\" {{}}\n");
    let parsed = schema_of(&two);
    let err = super::render(&parsed, Dialect::Sqlite).unwrap_err();
    let text = format!("{err:?}");
    assert!(text.contains("SQLite has one schema, main"), "{text}");
}
