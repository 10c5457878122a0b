CREATE TYPE status AS ENUM ('draft', 'published', 'it''s archived');
CREATE TABLE posts (
  id      integer NOT NULL,
  status  status NOT NULL DEFAULT 'draft',
  history status[]
);
