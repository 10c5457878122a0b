CREATE TABLE accounts (id integer NOT NULL, balance integer NOT NULL, PRIMARY KEY (id));
CREATE TABLE audit (note text NOT NULL);
CREATE VIEW rich (id, balance) AS SELECT id, balance FROM accounts WHERE balance > 1000;
CREATE TRIGGER accounts_opened AFTER INSERT ON accounts
BEGIN
  INSERT INTO audit (note) VALUES ('opened ' || NEW.id);
END;
CREATE TRIGGER accounts_no_overdraft BEFORE UPDATE OF balance ON accounts FOR EACH ROW
  WHEN NEW.balance < 0
BEGIN
  SELECT RAISE(ABORT, 'overdraft');
END;
CREATE TRIGGER rich_insert INSTEAD OF INSERT ON rich
BEGIN
  INSERT INTO accounts (id, balance) VALUES (NEW.id, NEW.balance);
END;
