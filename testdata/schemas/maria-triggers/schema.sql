CREATE TABLE items (name varchar(50) NOT NULL, qty int NOT NULL);
CREATE TABLE removed (name varchar(50) NOT NULL);
CREATE TRIGGER items_no_negative BEFORE INSERT ON items FOR EACH ROW
BEGIN
  IF NEW.qty < 0 THEN
    SET NEW.qty = 0;
  END IF;
END;
CREATE TRIGGER items_remember AFTER DELETE ON items FOR EACH ROW
  INSERT INTO removed (name) VALUES (OLD.name);
