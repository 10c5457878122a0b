CREATE TABLE users (
  id integer PRIMARY KEY,
  name varchar(100) NOT NULL
);
