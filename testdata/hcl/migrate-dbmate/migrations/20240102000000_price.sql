-- migrate:up
ALTER TABLE items ADD COLUMN price real;
UPDATE items SET price = price_cents / 100.0;

-- migrate:down
ALTER TABLE items DROP COLUMN price;
