-- atlas:delimiter \n\n

CREATE TRIGGER users_audit AFTER INSERT ON users BEGIN
  INSERT INTO audit (note) VALUES (NEW.name);
END

INSERT INTO audit (note) VALUES ('delimiter ok')
