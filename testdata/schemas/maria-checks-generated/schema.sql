CREATE TABLE rectangles (
  w         int NOT NULL,
  h         int NOT NULL,
  area      int AS (w * h) VIRTUAL,
  perimeter int AS (2 * (w + h)) STORED,
  CONSTRAINT rectangles_positive CHECK (w > 0 and h > 0)
);
