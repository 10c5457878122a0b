# MariaDB triggers: before insert and after delete, bodies of one statement and BEGIN … END.
schema "app" {}

table "items" {
  schema = schema.app
  column "name" {
    type = varchar(50)
  }
  column "qty" {
    type = int
  }
}

table "removed" {
  schema = schema.app
  column "name" {
    type = varchar(50)
  }
}

trigger "items_no_negative" {
  on = table.items
  before {
    insert = true
  }
  for = ROW
  as  = <<-SQL
    BEGIN
      IF NEW.qty < 0 THEN
        SET NEW.qty = 0;
      END IF;
    END
  SQL
}

trigger "items_remember" {
  on = table.items
  after {
    delete = true
  }
  for = ROW
  as  = "INSERT INTO removed (name) VALUES (OLD.name)"
}
