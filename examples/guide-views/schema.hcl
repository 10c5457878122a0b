# Atlas's "Testing Views" guide, in our words: a view that hides part of a sensitive column.
# Unlike the guide, `ssn` says `null = true`: an omitted `null` means NOT NULL in Atlas HCL,
# and the tests insert users without one.
#   cargo run -- test examples/guide-views --url file://examples/guide-views/schema.hcl --dev-url local://postgres
schema "public" {}

table "users" {
  schema = schema.public
  column "id" {
    type = int
  }
  column "name" {
    type = varchar(100)
  }
  column "ssn" {
    type = varchar(9)
    null = true
  }
}

view "clean_users" {
  schema = schema.public
  column "id" {
    type = int
  }
  column "name" {
    type = varchar(100)
  }
  column "ssn_last4" {
    type = text
  }
  as         = <<-SQL
    SELECT u.id, u.name, right(u.ssn, 4) AS ssn_last4
    FROM ${table.users.name} AS u
  SQL
  depends_on = [table.users]
  comment    = "users without the full social security number"
}
