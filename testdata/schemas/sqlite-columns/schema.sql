CREATE TABLE notes (
  id      integer NOT NULL PRIMARY KEY AUTOINCREMENT,
  title   text NOT NULL DEFAULT 'untitled',
  stars   integer NOT NULL DEFAULT 0,
  score   real NULL,
  created datetime NOT NULL DEFAULT (CURRENT_TIMESTAMP),
  data    blob NULL
);
