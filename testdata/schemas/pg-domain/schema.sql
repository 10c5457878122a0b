CREATE DOMAIN postal_code AS text
  CONSTRAINT postal_code_format CHECK ((VALUE ~ '^\d{5}$'::text) OR (VALUE ~ '^\d{5}-\d{4}$'::text));
CREATE DOMAIN percent AS integer DEFAULT 0 NOT NULL
  CONSTRAINT percent_range CHECK (VALUE BETWEEN 0 AND 100);
CREATE TABLE addresses (
  code  postal_code NOT NULL,
  share percent
);
