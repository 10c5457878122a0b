-- The desired schema of the parallel pins: rows every case reads, a table each writer adds
-- its own row to.
CREATE TABLE items (
  id   INTEGER PRIMARY KEY,
  name VARCHAR(40) NOT NULL
);
INSERT INTO items (id, name) VALUES (1, 'one');
INSERT INTO items (id, name) VALUES (2, 'two');
CREATE TABLE marks (
  id INTEGER PRIMARY KEY,
  n  INTEGER NOT NULL
);
