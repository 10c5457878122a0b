CREATE TABLE users (id integer NOT NULL PRIMARY KEY);
CREATE TABLE posts (
  author integer NOT NULL,
  CONSTRAINT posts_author FOREIGN KEY (author) REFERENCES users (id)
);
