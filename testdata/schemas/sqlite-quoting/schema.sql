CREATE TABLE "order" (
  "first name" text NOT NULL DEFAULT 'O''Brien',
  total integer NOT NULL
);
CREATE INDEX order_total ON "order" (total);
