CREATE TABLE t5 (id integer NOT NULL, PRIMARY KEY (id));
ALTER TABLE items ADD COLUMN c5 integer NULL;
UPDATE items SET c5 = v + 5;
