CREATE TABLE boxes (
  width  integer NOT NULL,
  height integer NOT NULL,
  area   integer NOT NULL GENERATED ALWAYS AS (width * height) STORED,
  label  text GENERATED ALWAYS AS ('box ' || width::text || 'x' || height::text) STORED
);
