ALTER TABLE items ADD COLUMN price real;
UPDATE items SET price = price_cents / 100.0;
