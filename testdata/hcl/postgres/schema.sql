CREATE DOMAIN positive_int AS int CHECK (VALUE > 0);
CREATE TABLE items (
  id    serial PRIMARY KEY,
  name  text NOT NULL UNIQUE,
  qty   positive_int NOT NULL,
  price numeric(8, 2),
  added timestamp DEFAULT '2024-01-23 00:51:54'
);
INSERT INTO items (name, qty, price) VALUES ('bolt', 10, 0.25), ('nut', 5, 0.10);

CREATE FUNCTION total_value() RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE v numeric;
BEGIN
  SELECT sum(qty * price) INTO v FROM items;
  RAISE NOTICE 'total is %', v;
  RETURN v;
END;
$$;
