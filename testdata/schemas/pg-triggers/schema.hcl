# Triggers: before/after, several events, update_of columns, WHEN, per row and per statement,
# and arguments to the trigger function.
schema "public" {}

table "accounts" {
  schema = schema.public
  column "id" {
    type = integer
  }
  column "balance" {
    type = numeric
  }
  column "touched" {
    type = timestamptz
    null = true
  }
}

table "account_log" {
  schema = schema.public
  column "note" {
    type = text
  }
}

function "touch" {
  schema = schema.public
  lang   = PLpgSQL
  return = trigger
  as     = <<-SQL
    BEGIN
      NEW.touched := now();
      RETURN NEW;
    END;
  SQL
}

function "log_change" {
  schema = schema.public
  lang   = PLpgSQL
  return = trigger
  as     = <<-SQL
    BEGIN
      INSERT INTO account_log (note) VALUES (TG_ARGV[0] || ' ' || TG_OP);
      RETURN NULL;
    END;
  SQL
}

trigger "accounts_touch" {
  on = table.accounts
  before {
    insert    = true
    update_of = [table.accounts.column.balance]
  }
  for = ROW
  execute {
    function = function.touch
  }
}

trigger "accounts_log_big" {
  on = table.accounts
  after {
    update = true
  }
  for  = ROW
  when = "(new.balance - old.balance) > 1000"
  execute {
    function = function.log_change
    args     = ["big"]
  }
}

trigger "accounts_log_delete" {
  on = table.accounts
  after {
    delete   = true
    truncate = true
  }
  for = STATEMENT
  execute {
    function = function.log_change
    args     = ["gone"]
  }
}
