-- atlas:txmode none

CREATE TABLE audit (id integer PRIMARY KEY, note text);
INSERT INTO audit (id, note) VALUES (1, 'created without a transaction');
