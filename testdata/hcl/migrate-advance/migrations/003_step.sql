CREATE TABLE t3 (id integer NOT NULL, PRIMARY KEY (id));
ALTER TABLE items ADD COLUMN c3 integer NULL;
UPDATE items SET c3 = v + 3;
