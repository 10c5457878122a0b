-- Stock keeping on MariaDB / MySQL: a trigger and a stored function, written with the mysql
-- client's DELIMITER command as they usually are.
CREATE TABLE products (
  id    INT PRIMARY KEY,
  name  VARCHAR(100) NOT NULL UNIQUE,
  stock INT NOT NULL DEFAULT 0,
  price DECIMAL(8, 2) NOT NULL
);

CREATE TABLE stock_moves (
  id         INT AUTO_INCREMENT PRIMARY KEY,
  product_id INT NOT NULL,
  delta      INT NOT NULL
);

DELIMITER //

-- Every stock move updates the product; stock may never go negative.
CREATE TRIGGER stock_moves_apply BEFORE INSERT ON stock_moves
FOR EACH ROW
BEGIN
  DECLARE current INT;
  SELECT stock INTO current FROM products WHERE id = NEW.product_id;
  IF current + NEW.delta < 0 THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'stock cannot go negative';
  END IF;
  UPDATE products SET stock = stock + NEW.delta WHERE id = NEW.product_id;
END//

-- The value of the stock of one product.
CREATE FUNCTION stock_value(pid INT) RETURNS DECIMAL(12, 2)
READS SQL DATA
BEGIN
  DECLARE v DECIMAL(12, 2);
  SELECT stock * price INTO v FROM products WHERE id = pid;
  RETURN COALESCE(v, 0);
END//

DELIMITER ;

CREATE VIEW low_stock AS SELECT name, stock FROM products WHERE stock < 5;
