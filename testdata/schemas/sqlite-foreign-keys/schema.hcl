# SQLite foreign keys: actions, two columns, a self-reference.
schema "main" {}

table "folders" {
  schema = schema.main
  column "owner" {
    type = integer
  }
  column "name" {
    type = text
  }
  column "parent_owner" {
    type = integer
    null = true
  }
  column "parent_name" {
    type = text
    null = true
  }
  primary_key {
    columns = [column.owner, column.name]
  }
  foreign_key "folders_parent" {
    columns     = [column.parent_owner, column.parent_name]
    ref_columns = [column.owner, column.name]
    on_delete   = CASCADE
  }
}

table "files" {
  schema = schema.main
  column "owner" {
    type = integer
  }
  column "folder" {
    type = text
  }
  foreign_key "files_folder" {
    columns     = [column.owner, column.folder]
    ref_columns = [table.folders.column.owner, table.folders.column.name]
    on_update   = CASCADE
    on_delete   = RESTRICT
  }
}
