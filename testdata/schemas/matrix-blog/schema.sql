-- Portable SQL: the same text on PostgreSQL, MariaDB and SQLite.
CREATE TABLE authors (
  id    integer NOT NULL,
  email varchar(120) NOT NULL,
  bio   text NULL,
  PRIMARY KEY (id)
);
CREATE UNIQUE INDEX authors_email ON authors (email);
CREATE TABLE posts (
  id        integer NOT NULL,
  author_id integer NOT NULL,
  title     varchar(200) NOT NULL,
  words     integer NOT NULL DEFAULT 0,
  PRIMARY KEY (id),
  CONSTRAINT posts_author FOREIGN KEY (author_id) REFERENCES authors (id) ON DELETE CASCADE,
  CONSTRAINT posts_words_positive CHECK (words >= 0)
);
CREATE INDEX posts_author_title ON posts (author_id, title);
