# Cases run one after another on reused databases (a rolled-back transaction on PostgreSQL, a
# restore of what changed on MariaDB): each starts by checking that it sees exactly the desired
# schema and its rows, then changes definitions and rows in its own way. With more cases than
# test threads, a leftover of any case fails a later one.

test "schema" "rows" {
  for_each = [1, 2]
  assert {
    sql = "SELECT count(*) = 2 FROM parents WHERE name IN ('one', 'two')"
  }
  assert {
    sql = "SELECT count(*) = 1 FROM children WHERE id = 10 AND parent_id = 1"
  }
  assert {
    sql = "SELECT count(*) = 0 FROM audit"
  }
  assert {
    sql = "SELECT count(*) = 2 FROM parent_names"
  }
  exec {
    sql = <<-SQL
      INSERT INTO parents (id, name) VALUES (3, 'three');
      DELETE FROM children;
      UPDATE parents SET name = 'uno' WHERE id = 1;
      INSERT INTO audit (n) VALUES (1);
    SQL
  }
}

test "schema" "add_column" {
  for_each = [1, 2]
  assert {
    sql = "SELECT count(*) = 2 FROM parents WHERE name IN ('one', 'two')"
  }
  assert {
    sql = "SELECT count(*) = 1 FROM children WHERE id = 10 AND parent_id = 1"
  }
  assert {
    sql = "SELECT count(*) = 0 FROM audit"
  }
  assert {
    sql = "SELECT count(*) = 2 FROM parent_names"
  }
  exec {
    sql = <<-SQL
      ALTER TABLE parents ADD COLUMN extra integer;
      UPDATE parents SET extra = id;
    SQL
  }
}

test "schema" "drop_column" {
  for_each = [1, 2]
  assert {
    sql = "SELECT count(*) = 2 FROM parents WHERE name IN ('one', 'two')"
  }
  assert {
    sql = "SELECT count(*) = 1 FROM children WHERE id = 10 AND parent_id = 1"
  }
  assert {
    sql = "SELECT count(*) = 0 FROM audit"
  }
  assert {
    sql = "SELECT count(*) = 2 FROM parent_names"
  }
  exec {
    sql = <<-SQL
      ALTER TABLE audit ADD COLUMN m integer;
      ALTER TABLE audit DROP COLUMN n;
    SQL
  }
}

test "schema" "new_table" {
  for_each = [1, 2]
  assert {
    sql = "SELECT count(*) = 2 FROM parents WHERE name IN ('one', 'two')"
  }
  assert {
    sql = "SELECT count(*) = 1 FROM children WHERE id = 10 AND parent_id = 1"
  }
  assert {
    sql = "SELECT count(*) = 0 FROM audit"
  }
  assert {
    sql = "SELECT count(*) = 2 FROM parent_names"
  }
  exec {
    sql = <<-SQL
      CREATE TABLE scratch (a integer);
      INSERT INTO scratch (a) VALUES (1);
    SQL
  }
}

test "schema" "drop_view_and_table" {
  for_each = [1, 2]
  assert {
    sql = "SELECT count(*) = 2 FROM parents WHERE name IN ('one', 'two')"
  }
  assert {
    sql = "SELECT count(*) = 1 FROM children WHERE id = 10 AND parent_id = 1"
  }
  assert {
    sql = "SELECT count(*) = 0 FROM audit"
  }
  assert {
    sql = "SELECT count(*) = 2 FROM parent_names"
  }
  exec {
    sql = <<-SQL
      DROP VIEW parent_names;
      DROP TABLE audit;
    SQL
  }
}

test "schema" "replace_view" {
  for_each = [1, 2]
  assert {
    sql = "SELECT count(*) = 2 FROM parents WHERE name IN ('one', 'two')"
  }
  assert {
    sql = "SELECT count(*) = 1 FROM children WHERE id = 10 AND parent_id = 1"
  }
  assert {
    sql = "SELECT count(*) = 0 FROM audit"
  }
  assert {
    sql = "SELECT count(*) = 2 FROM parent_names"
  }
  exec {
    sql = <<-SQL
      DROP VIEW parent_names;
      CREATE VIEW parent_names AS SELECT name FROM parents WHERE id = 1;
    SQL
  }
}

test "schema" "rename_table" {
  for_each = [1, 2]
  assert {
    sql = "SELECT count(*) = 2 FROM parents WHERE name IN ('one', 'two')"
  }
  assert {
    sql = "SELECT count(*) = 1 FROM children WHERE id = 10 AND parent_id = 1"
  }
  assert {
    sql = "SELECT count(*) = 0 FROM audit"
  }
  assert {
    sql = "SELECT count(*) = 2 FROM parent_names"
  }
  exec {
    sql = <<-SQL
      ALTER TABLE audit RENAME TO audit_old;
      CREATE TABLE audit (n integer NOT NULL, m integer);
      INSERT INTO audit (n, m) VALUES (1, 1);
    SQL
  }
}

test "schema" "index_and_rows" {
  for_each = [1, 2]
  assert {
    sql = "SELECT count(*) = 2 FROM parents WHERE name IN ('one', 'two')"
  }
  assert {
    sql = "SELECT count(*) = 1 FROM children WHERE id = 10 AND parent_id = 1"
  }
  assert {
    sql = "SELECT count(*) = 0 FROM audit"
  }
  assert {
    sql = "SELECT count(*) = 2 FROM parent_names"
  }
  exec {
    sql = <<-SQL
      CREATE INDEX parents_by_name ON parents (name);
      INSERT INTO audit (n) SELECT id FROM parents;
    SQL
  }
}
