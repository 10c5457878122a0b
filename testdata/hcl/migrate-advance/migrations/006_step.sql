CREATE TABLE t6 (id integer NOT NULL, PRIMARY KEY (id));
ALTER TABLE items ADD COLUMN c6 integer NULL;
UPDATE items SET c6 = v + 6;
