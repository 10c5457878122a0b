-- atlas:txtar

-- checks.sql --
-- Every user has a first name before last_name becomes required.
SELECT NOT EXISTS (SELECT 1 FROM users WHERE first_name IS NULL);

-- migration.sql --
CREATE INDEX users_last_name ON users (last_name);
