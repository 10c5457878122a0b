-- migrate:up
CREATE TABLE items (id integer PRIMARY KEY, price_cents integer);

-- migrate:down
DROP TABLE items;
