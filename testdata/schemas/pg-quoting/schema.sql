CREATE TABLE "order" (
  "first name" text NOT NULL DEFAULT 'O''Brien',
  "Total"      integer NOT NULL,
  CHECK ("Total" >= 0)
);
COMMENT ON TABLE "order" IS 'the customer''s order';
COMMENT ON COLUMN "order"."first name" IS 'as "written"';
CREATE UNIQUE INDEX order_first_name ON "order" ("first name") NULLS NOT DISTINCT;
