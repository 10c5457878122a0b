# MariaDB columns: unsigned integers, auto_increment, nullability, comments, charset and
# collation on the table and on one column, the table engine and its start value.
schema "app" {}

table "customers" {
  schema         = schema.app
  comment        = "who buys"
  charset        = "utf8mb4"
  collate        = "utf8mb4_unicode_ci"
  engine         = InnoDB
  auto_increment = 100
  column "id" {
    type           = int
    unsigned       = true
    auto_increment = true
  }
  column "name" {
    type    = varchar(100)
    comment = "as printed on the invoice"
  }
  column "code" {
    type    = char(8)
    charset = "latin1"
    collate = "latin1_bin"
  }
  column "note" {
    type = text
    null = true
  }
  primary_key {
    columns = [column.id]
  }
}
