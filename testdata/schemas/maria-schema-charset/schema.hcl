# The schema's charset and collation become the database's defaults, which its tables inherit.
schema "app" {
  charset = "latin1"
  collate = "latin1_swedish_ci"
}
table "t" {
  schema = schema.app
  column "a" {
    type = varchar(10)
  }
}
