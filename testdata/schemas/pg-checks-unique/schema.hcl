# Check constraints (named and unnamed) and unique constraints (the `unique` block, distinct
# from a unique index).
schema "public" {}

table "products" {
  schema = schema.public
  column "sku" {
    type = text
  }
  column "vendor" {
    type = text
  }
  column "price" {
    type = numeric(10, 2)
  }
  column "discount" {
    type = numeric(10, 2)
  }
  check "products_price_positive" {
    expr = "price > 0"
  }
  check "products_discount_below_price" {
    expr = "discount < price"
  }
  unique "products_vendor_sku" {
    columns = [column.vendor, column.sku]
  }
}
