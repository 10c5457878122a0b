-- The desired schema of the basics pins.
CREATE TABLE users (
  id    INTEGER PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  name  TEXT
);
INSERT INTO users (id, email, name) VALUES (1, 'ada@example.com', 'Ada');
