CREATE TABLE t8 (id integer NOT NULL, PRIMARY KEY (id));
ALTER TABLE items ADD COLUMN c8 integer NULL;
UPDATE items SET c8 = v + 8;
