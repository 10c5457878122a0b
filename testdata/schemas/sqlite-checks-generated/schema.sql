CREATE TABLE lines (
  qty   integer NOT NULL,
  unit  real NOT NULL,
  total real NOT NULL AS (qty * unit) VIRTUAL,
  label text NOT NULL AS ('x' || qty) STORED,
  CONSTRAINT lines_qty_positive CHECK (qty > 0),
  CHECK (unit >= 0)
);
