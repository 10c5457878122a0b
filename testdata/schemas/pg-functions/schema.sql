CREATE FUNCTION positive(v numeric) RETURNS boolean LANGUAGE sql IMMUTABLE
  AS $$SELECT v > 0$$;
CREATE FUNCTION with_tax(amount numeric, rate numeric DEFAULT 0.08) RETURNS numeric
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
  AS $$SELECT round(amount * (1 + rate), 2)$$;
CREATE FUNCTION split_name(full_name text, OUT first text, OUT last text)
  LANGUAGE plpgsql SECURITY DEFINER
  AS $$
BEGIN
  first := split_part(full_name, ' ', 1);
  last := split_part(full_name, ' ', 2);
END;
$$;
CREATE FUNCTION evens(upto integer) RETURNS SETOF integer LANGUAGE sql
  AS $$SELECT g FROM generate_series(2, upto, 2) AS g$$;
CREATE TABLE payments (
  amount    numeric NOT NULL,
  is_income boolean NOT NULL GENERATED ALWAYS AS (positive(amount)) STORED
);
