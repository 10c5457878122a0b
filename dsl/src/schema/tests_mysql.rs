//! Exact MySQL/MariaDB DDL per construct, and the rendered text splitting into the intended
//! statements with the MySQL scanner (DELIMITER sections around routine and trigger bodies).

use super::tests::ddl;
use crate::dialect::Dialect;

fn my(text: &str) -> String {
    ddl(Dialect::Mysql, text)
}

#[test]
fn tables_hold_keys_indexes_and_options_inline() {
    let out = my(r#"
        schema "app" {
          charset = "utf8mb4"
          collate = "utf8mb4_general_ci"
        }
        table "users" {
          schema = schema.app
          comment = "people"
          charset = "utf8mb4"
          collate = "utf8mb4_bin"
          engine = InnoDB
          auto_increment = 100
          column "id" {
            type = bigint
            unsigned = true
            auto_increment = true
            comment = "key"
          }
          column "name" {
            type = varchar(255)
            charset = "latin1"
            collate = "latin1_swedish_ci"
            null = true
          }
          column "status" {
            type = enum("active", "it's off")
            default = "active"
          }
          column "a" {
            type = int
            default = 1
          }
          column "g" {
            type = int
            as {
              expr = "a * 2"
              type = PERSISTENT
            }
          }
          column "v" {
            type = int
            as = "a + 1"
          }
          column "bio" {
            type = text
            null = true
          }
          column "u" {
            type = timestamp
            default = sql("CURRENT_TIMESTAMP")
            on_update = sql("CURRENT_TIMESTAMP")
          }
          column "price" {
            type = decimal(10,2)
            unsigned = true
          }
          primary_key {
            columns = [column.id]
          }
          index "users_name" {
            unique = true
            on {
              column = column.name
              prefix = 100
              desc = true
            }
            comment = "by name"
          }
          index "users_bio" {
            type = FULLTEXT
            columns = [column.bio]
            parser = ngram
          }
          index "users_hash" {
            type = HASH
            columns = [column.a]
          }
          index "users_expr" {
            on {
              expr = "a + 1"
            }
          }
          check "a_pos" {
            expr = "a > 0"
          }
          check "a_small" {
            expr = "a < 100"
            enforced = false
          }
        }
    "#);
    assert_eq!(
        out,
        "ALTER DATABASE CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;\n\
         CREATE TABLE `users` (`id` bigint unsigned NOT NULL AUTO_INCREMENT COMMENT 'key', \
         `name` varchar(255) CHARACTER SET latin1 COLLATE latin1_swedish_ci NULL, \
         `status` enum('active','it''s off') NOT NULL DEFAULT 'active', `a` int NOT NULL DEFAULT 1, \
         `g` int AS (a * 2) STORED, `v` int AS (a + 1) VIRTUAL, `bio` text NULL, \
         `u` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, \
         `price` decimal(10,2) unsigned NOT NULL, PRIMARY KEY (`id`), \
         UNIQUE INDEX `users_name` (`name`(100) DESC) COMMENT 'by name', \
         FULLTEXT INDEX `users_bio` (`bio`) WITH PARSER ngram, INDEX `users_hash` (`a`) USING HASH, \
         INDEX `users_expr` ((a + 1)), CONSTRAINT `a_pos` CHECK (a > 0), \
         CONSTRAINT `a_small` CHECK (a < 100) NOT ENFORCED) \
         COMMENT 'people' CHARACTER SET utf8mb4 COLLATE utf8mb4_bin ENGINE InnoDB AUTO_INCREMENT 100;\n"
    );
}

#[test]
fn string_literals_escape_backslashes() {
    let out = my(r#"
        schema "app" {}
        table "t" {
          schema = schema.app
          column "a" {
            type = varchar(10)
            default = "a\\b"
          }
        }
    "#);
    assert_eq!(
        out,
        "CREATE TABLE `t` (`a` varchar(10) NOT NULL DEFAULT 'a\\\\b');\n"
    );
}

#[test]
fn foreign_keys_views_and_several_databases() {
    let out = my(r#"
        schema "app" {}
        schema "audit" {
          charset = "latin1"
        }
        table "app" "posts" {
          schema = schema.app
          column "author" {
            type = int
          }
          foreign_key "posts_author" {
            columns = [column.author]
            ref_columns = [table.app.users.column.id]
            on_delete = CASCADE
          }
        }
        table "app" "users" {
          schema = schema.app
          column "id" {
            type = int
            auto_increment = true
          }
          primary_key {
            columns = [column.id]
          }
        }
        view "names" {
          schema = schema.audit
          column "id" {
            type = int
          }
          as = "SELECT id FROM app.users"
          depends_on = [table.app.users]
          check_option = LOCAL
          security = INVOKER
        }
    "#);
    assert_eq!(
        out,
        "CREATE DATABASE IF NOT EXISTS `app`;\n\
         CREATE DATABASE IF NOT EXISTS `audit` CHARACTER SET latin1;\n\
         CREATE TABLE `app`.`users` (`id` int NOT NULL AUTO_INCREMENT, PRIMARY KEY (`id`));\n\
         CREATE TABLE `app`.`posts` (`author` int NOT NULL, \
         CONSTRAINT `posts_author` FOREIGN KEY (`author`) REFERENCES `app`.`users` (`id`) ON DELETE CASCADE);\n\
         CREATE SQL SECURITY INVOKER VIEW `audit`.`names` (`id`) AS SELECT id FROM app.users WITH LOCAL CHECK OPTION;\n"
    );
}

const ROUTINES: &str = r#"
    schema "app" {}
    table "t" {
      schema = schema.app
      column "a" {
        type = int
      }
    }
    function "add" {
      schema = schema.app
      arg "a" {
        type = int
      }
      arg "b" {
        type = int
      }
      return = int
      deterministic = true
      data_access = NO_SQL
      security = INVOKER
      comment = "adds"
      as = "RETURN a + b"
    }
    procedure "bump" {
      schema = schema.app
      arg "x" {
        type = int
        mode = INOUT
      }
      as = <<-SQL
        BEGIN
          SET x = x + 1;
          SELECT x;
        END
      SQL
    }
    trigger "t_bi" {
      on = table.t
      before {
        insert = true
      }
      for = ROW
      as = <<-SQL
        BEGIN
          IF NEW.a < 0 THEN
            SET NEW.a = 0;
          END IF;
        END;
      SQL
    }
    trigger "t_bi2" {
      on = table.t
      before {
        insert = true
      }
      follows = trigger.t_bi
      as = "SET NEW.a = NEW.a + 1"
    }
"#;

#[test]
fn routines_and_triggers_are_in_a_delimiter_section() {
    assert_eq!(
        my(ROUTINES),
        "CREATE TABLE `t` (`a` int NOT NULL);\n\
         DELIMITER //\n\
         CREATE FUNCTION `add` (`a` int, `b` int) RETURNS int COMMENT 'adds' DETERMINISTIC NO SQL SQL SECURITY INVOKER RETURN a + b\n//\n\
         CREATE PROCEDURE `bump` (INOUT `x` int) BEGIN\n  SET x = x + 1;\n  SELECT x;\nEND\n//\n\
         CREATE TRIGGER `t_bi` BEFORE INSERT ON `t` FOR EACH ROW BEGIN\n  IF NEW.a < 0 THEN\n    SET NEW.a = 0;\n  END IF;\nEND\n//\n\
         CREATE TRIGGER `t_bi2` BEFORE INSERT ON `t` FOR EACH ROW FOLLOWS `t_bi` SET NEW.a = NEW.a + 1\n//\n\
         DELIMITER ;\n"
    );
}

#[test]
fn the_mysql_scanner_splits_the_rendered_text_into_whole_statements() {
    let out = my(ROUTINES);
    let stmts = crate::scan::split(&out, Dialect::Mysql).expect("splits");
    let texts: Vec<&str> = stmts.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(texts.len(), 5, "{texts:#?}");
    assert_eq!(texts[0], "CREATE TABLE `t` (`a` int NOT NULL);");
    assert!(texts[1].starts_with("CREATE FUNCTION `add`") && texts[1].ends_with("RETURN a + b"));
    assert!(texts[2].starts_with("CREATE PROCEDURE") && texts[2].ends_with("SELECT x;\nEND"));
    assert!(texts[3].starts_with("CREATE TRIGGER `t_bi` ") && texts[3].ends_with("END IF;\nEND"));
    assert!(texts[4].ends_with("FOLLOWS `t_bi` SET NEW.a = NEW.a + 1"));
}

#[test]
fn a_body_holding_the_delimiter_gets_another_one() {
    let out = my(r#"
        schema "app" {}
        procedure "p" {
          schema = schema.app
          as = "SELECT '//' AS slashes"
        }
    "#);
    assert_eq!(
        out,
        "DELIMITER $$\nCREATE PROCEDURE `p` () SELECT '//' AS slashes\n$$\nDELIMITER ;\n"
    );
    let stmts = crate::scan::split(&out, Dialect::Mysql).expect("splits");
    assert_eq!(stmts.len(), 1);
    assert_eq!(
        stmts[0].text,
        "CREATE PROCEDURE `p` () SELECT '//' AS slashes"
    );
}
