-- atlas:txtar

-- checks.sql --
-- The backfill left no dangling reference behind.
SELECT NOT EXISTS (
  SELECT 1 FROM users u
  WHERE u.latest_post_id IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM posts p WHERE p.id = u.latest_post_id)
);

-- migration.sql --
CREATE INDEX users_latest_post ON users (latest_post_id);
