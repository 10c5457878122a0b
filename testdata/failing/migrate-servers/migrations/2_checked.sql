-- atlas:txtar

-- checks.sql --
SELECT count(*) > 0 FROM t;

-- migration.sql --
ALTER TABLE t ADD COLUMN w text;
