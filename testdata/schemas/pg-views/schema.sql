CREATE TABLE users (id integer NOT NULL, name text NOT NULL, active boolean NOT NULL);
CREATE VIEW active_users (id, name) AS
  SELECT id, name FROM users WHERE active
  WITH CASCADED CHECK OPTION;
COMMENT ON VIEW active_users IS 'users who may sign in';
CREATE VIEW active_names (name) AS SELECT name FROM active_users;
