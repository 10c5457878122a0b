# Atlas's "Testing Procedures" guide, in our words: a procedure that moves old sales to an
# archive table.
#   cargo run -- test examples/guide-procedures --url file://examples/guide-procedures/schema.hcl --dev-url local://postgres
schema "public" {}

table "sales" {
  schema = schema.public
  column "id" {
    type = int
  }
  column "amount" {
    type = numeric
  }
  column "sale_date" {
    type = date
  }
}

table "archive_sales" {
  schema = schema.public
  column "id" {
    type = int
  }
  column "amount" {
    type = numeric
  }
  column "sale_date" {
    type = date
  }
}

procedure "archive_old_sales" {
  schema = schema.public
  lang   = PLpgSQL
  arg "cutoff_date" {
    type = date
  }
  as = <<-SQL
    BEGIN
      INSERT INTO archive_sales (id, amount, sale_date)
      SELECT id, amount, sale_date FROM sales WHERE sale_date < cutoff_date;
      DELETE FROM sales WHERE sale_date < cutoff_date;
    END;
  SQL
}
