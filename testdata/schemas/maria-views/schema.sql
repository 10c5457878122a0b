CREATE TABLE stock (item varchar(50) NOT NULL, qty int NOT NULL);
CREATE SQL SECURITY INVOKER VIEW low_stock (item, qty) AS
  SELECT item, qty FROM stock WHERE qty < 5
  WITH CASCADED CHECK OPTION;
