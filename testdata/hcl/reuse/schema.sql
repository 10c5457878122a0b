CREATE TABLE parents (id integer NOT NULL, name varchar(20) NOT NULL, PRIMARY KEY (id));
CREATE TABLE children (id integer NOT NULL, parent_id integer, PRIMARY KEY (id), FOREIGN KEY (parent_id) REFERENCES parents (id));
CREATE TABLE audit (n integer NOT NULL);
CREATE VIEW parent_names AS SELECT name FROM parents;
INSERT INTO parents (id, name) VALUES (1, 'one'), (2, 'two');
INSERT INTO children (id, parent_id) VALUES (10, 1);
