table "posts" {
  schema = schema.public
  column "author" {
    type = integer
  }
  foreign_key "posts_author" {
    columns     = [column.author]
    ref_columns = [table.users.column.id]
  }
}
