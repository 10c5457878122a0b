CREATE TABLE t2 (id integer NOT NULL, PRIMARY KEY (id));
ALTER TABLE items ADD COLUMN c2 integer NULL;
UPDATE items SET c2 = v + 2;
