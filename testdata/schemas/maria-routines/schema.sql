CREATE TABLE prices (item varchar(50) NOT NULL, cents int NOT NULL);
CREATE FUNCTION to_euros(cents int) RETURNS decimal(10,2) DETERMINISTIC NO SQL
  RETURN cents / 100;
CREATE PROCEDURE price_of(IN wanted varchar(50), OUT found int)
BEGIN
  SELECT cents INTO found FROM prices WHERE item = wanted;
END;
