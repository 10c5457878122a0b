# Cases run one after another on reused databases (a rolled-back transaction on PostgreSQL, a
# restore of what changed on MariaDB): each starts by checking that it sees exactly the desired
# schema and its rows, then changes definitions and rows in its own way. Every change runs twice
# (`first/…`, `again/…`), more cases than test threads: a leftover of any case fails a later one.

locals {
  changes = {
    rows                = <<-SQL
      INSERT INTO parents (id, name) VALUES (3, 'three');
      DELETE FROM children;
      UPDATE parents SET name = 'uno' WHERE id = 1;
      INSERT INTO audit (n) VALUES (1);
    SQL
    add_column          = <<-SQL
      ALTER TABLE parents ADD COLUMN extra integer;
      UPDATE parents SET extra = id;
    SQL
    drop_column         = <<-SQL
      ALTER TABLE audit ADD COLUMN m integer;
      ALTER TABLE audit DROP COLUMN n;
    SQL
    new_table           = <<-SQL
      CREATE TABLE scratch (a integer);
      INSERT INTO scratch (a) VALUES (1);
    SQL
    drop_view_and_table = <<-SQL
      DROP VIEW parent_names;
      DROP TABLE audit;
    SQL
    replace_view        = <<-SQL
      DROP VIEW parent_names;
      CREATE VIEW parent_names AS SELECT name FROM parents WHERE id = 1;
    SQL
    rename_table        = <<-SQL
      ALTER TABLE audit RENAME TO audit_old;
      CREATE TABLE audit (n integer NOT NULL, m integer);
      INSERT INTO audit (n, m) VALUES (1, 1);
    SQL
    index_and_rows      = <<-SQL
      CREATE INDEX parents_by_name ON parents (name);
      INSERT INTO audit (n) SELECT id FROM parents;
    SQL
  }
  pristine = <<-SQL
    SELECT (SELECT count(*) FROM parents WHERE name IN ('one', 'two')) = 2
       AND (SELECT count(*) FROM children WHERE id = 10 AND parent_id = 1) = 1
       AND (SELECT count(*) FROM audit) = 0
       AND (SELECT count(*) FROM parent_names) = 2
  SQL
}

test "schema" "first" {
  for_each = local.changes
  assert {
    sql = local.pristine
  }
  exec {
    sql = each.value
  }
}

test "schema" "again" {
  for_each = local.changes
  assert {
    sql = local.pristine
  }
  exec {
    sql = each.value
  }
}
