-- Accounts with a function, one never called, a procedure, two triggers (one never fired) and
-- two views (one never read). The seed rows fire no trigger of a case.
CREATE TABLE accounts (id INT PRIMARY KEY, balance INT NOT NULL DEFAULT 0);
CREATE TABLE ledger (account INT NOT NULL, delta INT NOT NULL);

CREATE FUNCTION fee(amount INT) RETURNS INT DETERMINISTIC RETURN amount DIV 10;
CREATE FUNCTION unused_fn(x INT) RETURNS INT DETERMINISTIC RETURN x;

CREATE PROCEDURE open_account(a INT) INSERT INTO accounts (id) VALUES (a);

CREATE TRIGGER accounts_log AFTER UPDATE ON accounts
  FOR EACH ROW INSERT INTO ledger VALUES (NEW.id, NEW.balance - OLD.balance);
CREATE TRIGGER accounts_never BEFORE DELETE ON accounts
  FOR EACH ROW SET @deleted = OLD.id;

CREATE VIEW rich AS SELECT id FROM accounts WHERE balance > 100;
CREATE VIEW unused_view AS SELECT 1 AS one;

INSERT INTO accounts (id) VALUES (1), (2);
UPDATE accounts SET balance = 1 WHERE id = 2;
