-- Accounts with two triggers (one never fired) and two views (one never read). SQLite has no
-- stored functions or procedures. The seed rows fire a trigger while the schema is built: that
-- is not a case's call.
CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INT NOT NULL DEFAULT 0);
CREATE TABLE ledger (account INT NOT NULL, delta INT NOT NULL);

CREATE TRIGGER accounts_log AFTER UPDATE ON accounts
BEGIN
  INSERT INTO ledger VALUES (NEW.id, NEW.balance - OLD.balance);
END;

CREATE TRIGGER accounts_never BEFORE DELETE ON accounts
BEGIN
  SELECT RAISE(ABORT, 'accounts are never deleted');
END;

CREATE VIEW rich AS SELECT id FROM accounts WHERE balance > 100;
CREATE VIEW unused_view AS SELECT 1 AS one;

INSERT INTO accounts (id) VALUES (1), (2);
UPDATE accounts SET balance = 1 WHERE id = 2;
