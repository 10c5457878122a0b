-- A tiny blog on SQLite: users, posts, a trigger that keeps a post count, and a view.
CREATE TABLE users (
  id         INTEGER PRIMARY KEY,
  email      TEXT    NOT NULL UNIQUE CHECK (email LIKE '%_@_%'),
  name       TEXT    NOT NULL,
  post_count INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE posts (
  id        INTEGER PRIMARY KEY,
  author_id INTEGER NOT NULL REFERENCES users (id),
  title     TEXT    NOT NULL,
  published INTEGER NOT NULL DEFAULT 0
);

-- Keep users.post_count in step with posts.
CREATE TRIGGER posts_count_insert AFTER INSERT ON posts
BEGIN
  UPDATE users SET post_count = post_count + 1 WHERE id = NEW.author_id;
END;

CREATE TRIGGER posts_count_delete AFTER DELETE ON posts
BEGIN
  UPDATE users SET post_count = post_count - 1 WHERE id = OLD.author_id;
END;

-- Published posts with their author's name.
CREATE VIEW published_posts AS
  SELECT p.id, p.title, u.name AS author
  FROM posts p JOIN users u ON u.id = p.author_id
  WHERE p.published = 1;
