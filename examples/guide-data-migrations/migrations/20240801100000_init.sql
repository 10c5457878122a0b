-- Version 1: users and their posts.
CREATE TABLE users (
  id   integer NOT NULL,
  name character varying(255) NOT NULL,
  PRIMARY KEY (id)
);
CREATE TABLE posts (
  id         integer NOT NULL,
  title      character varying(255) NOT NULL,
  user_id    integer NOT NULL,
  created_at timestamp NOT NULL,
  PRIMARY KEY (id),
  CONSTRAINT posts_user FOREIGN KEY (user_id) REFERENCES users (id)
);
