CREATE TABLE t4 (id integer NOT NULL, PRIMARY KEY (id));
ALTER TABLE items ADD COLUMN c4 integer NULL;
UPDATE items SET c4 = v + 4;
