-- Orders with a domain, two plpgsql functions, an audit trigger and a view (PostgreSQL).
CREATE DOMAIN us_postal_code AS text
  CHECK (VALUE ~ '^\d{5}$' OR VALUE ~ '^\d{5}-\d{4}$');

CREATE TABLE customers (
  id     serial PRIMARY KEY,
  name   text NOT NULL,
  postal us_postal_code NOT NULL
);

CREATE TABLE orders (
  id          serial PRIMARY KEY,
  customer_id int NOT NULL REFERENCES customers (id),
  amount      numeric(10, 2) NOT NULL CHECK (amount > 0),
  placed_at   timestamp NOT NULL DEFAULT '2024-01-23 00:51:54'
);

CREATE TABLE audit_log (
  id        serial PRIMARY KEY,
  op        text NOT NULL,
  order_id  int NOT NULL,
  amount    numeric(10, 2)
);

-- Sales tax for an amount, rounded to cents.
CREATE FUNCTION with_tax(amount numeric, rate numeric DEFAULT 0.08) RETURNS numeric
  LANGUAGE sql IMMUTABLE
  AS $$ SELECT round(amount * (1 + rate), 2) $$;

-- Refuses non-positive values with a clear message.
CREATE FUNCTION positive(n numeric) RETURNS boolean
  LANGUAGE plpgsql IMMUTABLE
  AS $$
BEGIN
  IF n <= 0 THEN
    RAISE EXCEPTION 'value % is not positive', n USING ERRCODE = '22023';
  END IF;
  RETURN true;
END;
$$;

CREATE FUNCTION audit_orders() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO audit_log (op, order_id, amount) VALUES (TG_OP, OLD.id, OLD.amount);
    RETURN OLD;
  END IF;
  INSERT INTO audit_log (op, order_id, amount) VALUES (TG_OP, NEW.id, NEW.amount);
  RETURN NEW;
END;
$$;

CREATE TRIGGER orders_audit AFTER INSERT OR UPDATE OR DELETE ON orders
  FOR EACH ROW EXECUTE FUNCTION audit_orders();

CREATE VIEW customer_totals AS
  SELECT c.name, count(o.id) AS orders, coalesce(sum(o.amount), 0) AS total
  FROM customers c LEFT JOIN orders o ON o.customer_id = c.id
  GROUP BY c.name;
