-- Accounts with a plpgsql function, one never called, an inlinable SQL function, a procedure,
-- two triggers (one never fired) and two views (one never read). The seed rows fire a trigger
-- while the schema is built: that is not a case's call.
CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL DEFAULT 0);
CREATE TABLE ledger (account int NOT NULL, delta int NOT NULL);

CREATE FUNCTION deposit(a int, amount int) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  UPDATE accounts SET balance = balance + amount WHERE id = a;
  RETURN amount;
END $$;

CREATE FUNCTION withdraw(a int, amount int) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  UPDATE accounts SET balance = balance - amount WHERE id = a;
  RETURN amount;
END $$;

-- One SELECT of one expression: the planner inlines it, and PostgreSQL counts no call.
CREATE FUNCTION doubled(x int) RETURNS int LANGUAGE sql AS $$ SELECT x * 2 $$;

CREATE PROCEDURE open_account(a int) LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO accounts (id) VALUES (a);
END $$;

CREATE FUNCTION log_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ledger VALUES (NEW.id, NEW.balance - COALESCE(OLD.balance, 0));
  RETURN NEW;
END $$;

CREATE TRIGGER accounts_log AFTER INSERT OR UPDATE ON accounts
  FOR EACH ROW EXECUTE FUNCTION log_change();

CREATE FUNCTION refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'accounts are never deleted';
END $$;

CREATE TRIGGER accounts_no_delete BEFORE DELETE ON accounts
  FOR EACH ROW EXECUTE FUNCTION refuse_delete();

CREATE VIEW rich AS SELECT id FROM accounts WHERE balance > 100;
CREATE VIEW unused_view AS SELECT 1 AS one;

INSERT INTO accounts (id) VALUES (1), (2);
