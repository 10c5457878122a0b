CREATE TABLE customers (id integer NOT NULL PRIMARY KEY);
CREATE TABLE branches (
  region  text NOT NULL,
  manager integer NOT NULL,
  PRIMARY KEY (region, manager)
);
CREATE TABLE orders (
  id          integer NOT NULL PRIMARY KEY,
  customer_id integer NOT NULL,
  region      text NOT NULL,
  parent_id   integer,
  CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE,
  CONSTRAINT orders_branch FOREIGN KEY (region, customer_id) REFERENCES branches (region, manager)
    ON UPDATE RESTRICT ON DELETE SET NULL,
  CONSTRAINT orders_parent FOREIGN KEY (parent_id) REFERENCES orders (id) ON DELETE SET DEFAULT
);
