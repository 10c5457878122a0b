# The same database as schema.sql, written in Atlas HCL; the tests pass on either:
#   cargo run -- test examples/postgres-functions --url file://examples/postgres-functions/schema.hcl --dev-url local://postgres
schema "public" {}

domain "us_postal_code" {
  schema = schema.public
  type   = text
  null   = true
  check {
    expr = "VALUE ~ '^\\d{5}$' OR VALUE ~ '^\\d{5}-\\d{4}$'"
  }
}

table "customers" {
  schema = schema.public
  column "id" {
    type = serial
  }
  column "name" {
    type = text
  }
  column "postal" {
    type = domain.us_postal_code
  }
  primary_key {
    columns = [column.id]
  }
}

table "orders" {
  schema = schema.public
  column "id" {
    type = serial
  }
  column "customer_id" {
    type = int
  }
  column "amount" {
    type = numeric(10, 2)
  }
  column "placed_at" {
    type    = timestamp
    default = "2024-01-23 00:51:54"
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "orders_customer_id_fkey" {
    columns     = [column.customer_id]
    ref_columns = [table.customers.column.id]
  }
  check "orders_amount_check" {
    expr = "amount > 0"
  }
}

table "audit_log" {
  schema = schema.public
  column "id" {
    type = serial
  }
  column "op" {
    type = text
  }
  column "order_id" {
    type = int
  }
  column "amount" {
    type = numeric(10, 2)
    null = true
  }
  primary_key {
    columns = [column.id]
  }
}

# Sales tax for an amount, rounded to cents.
function "with_tax" {
  schema = schema.public
  lang   = SQL
  arg "amount" {
    type = numeric
  }
  arg "rate" {
    type    = numeric
    default = 0.08
  }
  return     = numeric
  volatility = IMMUTABLE
  as         = "SELECT round(amount * (1 + rate), 2)"
}

# Refuses non-positive values with a clear message.
function "positive" {
  schema = schema.public
  lang   = PLpgSQL
  arg "n" {
    type = numeric
  }
  return     = boolean
  volatility = IMMUTABLE
  as         = <<-SQL
    BEGIN
      IF n <= 0 THEN
        RAISE EXCEPTION 'value % is not positive', n USING ERRCODE = '22023';
      END IF;
      RETURN true;
    END;
  SQL
}

function "audit_orders" {
  schema = schema.public
  lang   = PLpgSQL
  return = trigger
  as     = <<-SQL
    BEGIN
      IF TG_OP = 'DELETE' THEN
        INSERT INTO audit_log (op, order_id, amount) VALUES (TG_OP, OLD.id, OLD.amount);
        RETURN OLD;
      END IF;
      INSERT INTO audit_log (op, order_id, amount) VALUES (TG_OP, NEW.id, NEW.amount);
      RETURN NEW;
    END;
  SQL
}

trigger "orders_audit" {
  on = table.orders
  after {
    insert = true
    update = true
    delete = true
  }
  for = ROW
  execute {
    function = function.audit_orders
  }
}

view "customer_totals" {
  schema = schema.public
  column "name" {
    type = text
  }
  column "orders" {
    type = bigint
  }
  column "total" {
    type = numeric
  }
  as         = <<-SQL
    SELECT c.name, count(o.id) AS orders, coalesce(sum(o.amount), 0) AS total
    FROM customers c LEFT JOIN orders o ON o.customer_id = c.id
    GROUP BY c.name
  SQL
  depends_on = [table.customers, table.orders]
}
