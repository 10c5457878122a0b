CREATE TABLE products (
  sku      text NOT NULL,
  vendor   text NOT NULL,
  price    numeric(10, 2) NOT NULL,
  discount numeric(10, 2) NOT NULL,
  CONSTRAINT products_price_positive CHECK (price > 0),
  CONSTRAINT products_discount_below_price CHECK (discount < price),
  CONSTRAINT products_vendor_sku UNIQUE (vendor, sku)
);
