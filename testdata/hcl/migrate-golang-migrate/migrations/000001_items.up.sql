CREATE TABLE items (id integer PRIMARY KEY, price_cents integer);
