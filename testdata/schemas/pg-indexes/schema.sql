CREATE TABLE documents (
  id      integer NOT NULL PRIMARY KEY,
  owner   integer NOT NULL,
  title   text NOT NULL,
  body    jsonb NOT NULL,
  created timestamp,
  deleted boolean NOT NULL
);
CREATE INDEX documents_owner ON documents (owner);
CREATE UNIQUE INDEX documents_title_live ON documents (title) WHERE NOT deleted;
CREATE INDEX documents_body ON documents USING gin (body jsonb_path_ops);
CREATE INDEX documents_owner_created ON documents (owner, created DESC) INCLUDE (title);
COMMENT ON INDEX documents_owner_created IS 'newest first per owner';
CREATE INDEX documents_lower_title ON documents (lower(title));
CREATE INDEX documents_created_hash ON documents USING hash (created);
CREATE INDEX documents_created_brin ON documents USING brin (created);
CREATE INDEX documents_created_nulls ON documents (created NULLS FIRST);
