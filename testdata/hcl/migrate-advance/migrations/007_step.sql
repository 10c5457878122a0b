CREATE TABLE t7 (id integer NOT NULL, PRIMARY KEY (id));
ALTER TABLE items ADD COLUMN c7 integer NULL;
UPDATE items SET c7 = v + 7;
