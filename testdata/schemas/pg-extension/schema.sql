CREATE EXTENSION citext WITH SCHEMA public;
CREATE EXTENSION pg_trgm WITH SCHEMA public;
CREATE TABLE members (handle citext NOT NULL);
CREATE INDEX members_handle_trgm ON members USING gin (handle gin_trgm_ops);
