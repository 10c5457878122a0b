# SQLite views and triggers: after insert, before update of a column with WHEN, instead of
# on a view.
schema "main" {}

table "accounts" {
  schema = schema.main
  column "id" {
    type = integer
  }
  column "balance" {
    type = integer
  }
  primary_key {
    columns = [column.id]
  }
}

table "audit" {
  schema = schema.main
  column "note" {
    type = text
  }
}

view "rich" {
  schema = schema.main
  column "id" {
    type = integer
  }
  column "balance" {
    type = integer
  }
  as         = "SELECT id, balance FROM accounts WHERE balance > 1000"
  depends_on = [table.accounts]
}

trigger "accounts_opened" {
  on = table.accounts
  after {
    insert = true
  }
  as = <<-SQL
    BEGIN
      INSERT INTO audit (note) VALUES ('opened ' || NEW.id);
    END
  SQL
}

trigger "accounts_no_overdraft" {
  on = table.accounts
  before {
    update_of = [table.accounts.column.balance]
  }
  for  = ROW
  when = "NEW.balance < 0"
  as   = <<-SQL
    BEGIN
      SELECT RAISE(ABORT, 'overdraft');
    END
  SQL
}

trigger "rich_insert" {
  on = view.rich
  instead_of {
    insert = true
  }
  as = <<-SQL
    BEGIN
      INSERT INTO accounts (id, balance) VALUES (NEW.id, NEW.balance);
    END
  SQL
}
