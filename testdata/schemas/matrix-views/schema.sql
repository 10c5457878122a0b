CREATE TABLE items (id integer NOT NULL, price integer NOT NULL, PRIMARY KEY (id));
CREATE TABLE sold (item integer NOT NULL, qty integer NOT NULL);
CREATE VIEW revenue (item, total) AS
  SELECT s.item, sum(s.qty * i.price) AS total
  FROM sold s JOIN items i ON i.id = s.item
  GROUP BY s.item;
