CREATE TABLE sales (region text NOT NULL, amount numeric NOT NULL);
CREATE MATERIALIZED VIEW sales_by_region (region, total) AS
  SELECT region, sum(amount) AS total FROM sales GROUP BY region;
CREATE UNIQUE INDEX sales_by_region_region ON sales_by_region (region);
