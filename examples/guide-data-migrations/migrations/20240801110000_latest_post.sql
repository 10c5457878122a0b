-- Version 2: every user remembers when they last posted. New posts keep it current through a
-- trigger; existing rows are backfilled here, which is what the migrate tests check.
ALTER TABLE users ADD COLUMN latest_post_ts timestamp NULL;
CREATE FUNCTION update_latest_post() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE users SET latest_post_ts = NEW.created_at
  WHERE id = NEW.user_id AND (latest_post_ts IS NULL OR latest_post_ts < NEW.created_at);
  RETURN NEW;
END;
$$;
CREATE TRIGGER update_latest_post_trigger AFTER INSERT ON posts
  FOR EACH ROW EXECUTE FUNCTION update_latest_post();
UPDATE users SET latest_post_ts = (SELECT max(p.created_at) FROM posts p WHERE p.user_id = users.id);
