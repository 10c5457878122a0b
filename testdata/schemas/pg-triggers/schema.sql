CREATE TABLE accounts (id integer NOT NULL, balance numeric NOT NULL, touched timestamptz);
CREATE TABLE account_log (note text NOT NULL);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.touched := now();
  RETURN NEW;
END;
$$;
CREATE FUNCTION log_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO account_log (note) VALUES (TG_ARGV[0] || ' ' || TG_OP);
  RETURN NULL;
END;
$$;
CREATE TRIGGER accounts_touch BEFORE INSERT OR UPDATE OF balance ON accounts
  FOR EACH ROW EXECUTE FUNCTION touch();
CREATE TRIGGER accounts_log_big AFTER UPDATE ON accounts
  FOR EACH ROW WHEN ((new.balance - old.balance) > 1000) EXECUTE FUNCTION log_change('big');
CREATE TRIGGER accounts_log_delete AFTER DELETE OR TRUNCATE ON accounts
  FOR EACH STATEMENT EXECUTE FUNCTION log_change('gone');
