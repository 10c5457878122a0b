CREATE TABLE people (
  id    integer NOT NULL,
  email text NOT NULL,
  last  text NOT NULL,
  first text NOT NULL,
  gone  integer NOT NULL,
  PRIMARY KEY (id)
);
CREATE UNIQUE INDEX people_email ON people (email);
CREATE INDEX people_name ON people (last, first DESC);
CREATE INDEX people_present ON people (last) WHERE gone = 0;
CREATE INDEX people_email_lower ON people (lower(email));
