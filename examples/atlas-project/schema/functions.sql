-- Logic the ORM does not model: a function and an audit trigger (into the baseline's schema).
CREATE FUNCTION user_total(uid bigint) RETURNS numeric LANGUAGE sql STABLE AS $$
  SELECT coalesce(sum(total), 0) FROM orders WHERE user_id = uid
$$;

CREATE FUNCTION audit_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit.events (what) VALUES ('order ' || NEW.id);
  RETURN NEW;
END $$;

CREATE TRIGGER orders_audit AFTER INSERT ON orders
  FOR EACH ROW EXECUTE FUNCTION audit_order();
