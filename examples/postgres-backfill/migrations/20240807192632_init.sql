CREATE TABLE users (
  id integer NOT NULL,
  name varchar(100) NOT NULL,
  PRIMARY KEY (id)
);

CREATE TABLE posts (
  id integer NOT NULL,
  title varchar(200) NOT NULL,
  user_id integer NOT NULL,
  created_at timestamp NOT NULL,
  PRIMARY KEY (id),
  CONSTRAINT posts_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
);
