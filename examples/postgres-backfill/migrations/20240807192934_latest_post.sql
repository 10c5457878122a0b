-- Denormalize each user's latest post onto the user, and backfill it for existing rows.
ALTER TABLE users ADD COLUMN latest_post_id integer NULL;

UPDATE users
SET latest_post_id = (
  SELECT p.id
  FROM posts p
  WHERE p.user_id = users.id
  ORDER BY p.created_at DESC, p.id DESC
  LIMIT 1
);
