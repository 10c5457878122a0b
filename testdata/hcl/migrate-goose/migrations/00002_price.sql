-- +goose Up
-- +goose StatementBegin
ALTER TABLE items ADD COLUMN price real;
-- +goose StatementEnd
UPDATE items SET price = price_cents / 100.0;

-- +goose Down
ALTER TABLE items DROP COLUMN price;
