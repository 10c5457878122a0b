# Atlas's "Testing Triggers" guide, in our words: price changes of products are written to an
# audit table by a PL/pgSQL trigger function, only when the price really changes.
#   cargo run -- test examples/guide-triggers --url file://examples/guide-triggers/schema.hcl --dev-url local://postgres
schema "public" {}

table "products" {
  schema = schema.public
  column "id" {
    type = integer
  }
  column "name" {
    type = text
  }
  column "price" {
    type = numeric(10, 2)
  }
  primary_key {
    columns = [column.id]
  }
}

# No primary key: one row per change, in the order they happened.
table "products_audit" {
  schema = schema.public
  column "product_id" {
    type = integer
  }
  column "old_price" {
    type = numeric(10, 2)
    null = true
  }
  column "new_price" {
    type = numeric(10, 2)
    null = false
  }
  column "changed_at" {
    type    = timestamp
    default = sql("CURRENT_TIMESTAMP")
  }
}

function "log_price_changes" {
  schema = schema.public
  lang   = PLpgSQL
  return = trigger
  as     = <<-SQL
    BEGIN
      INSERT INTO products_audit (product_id, old_price, new_price)
      VALUES (OLD.id, OLD.price, NEW.price);
      RETURN NEW;
    END;
  SQL
}

trigger "log_price_changes_trigger" {
  on = table.products
  after {
    update = true
  }
  for  = ROW
  when = "(OLD.price IS DISTINCT FROM NEW.price)"
  execute {
    function = function.log_price_changes
  }
}
