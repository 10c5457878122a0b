-- +goose Up
CREATE TABLE items (id integer PRIMARY KEY, price_cents integer);

-- +goose Down
DROP TABLE items;
