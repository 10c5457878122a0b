# Two schemas holding tables of the same name: the two-label `table "schema" "name"` form,
# references through the qualifier, a schema comment, a cross-schema foreign key.
schema "public" {}

schema "audit" {
  comment = "copies kept for the auditors"
}

table "public" "users" {
  schema = schema.public
  column "id" {
    type = integer
  }
  primary_key {
    columns = [column.id]
  }
}

table "audit" "users" {
  schema = schema.audit
  column "id" {
    type = integer
  }
  column "seen_as" {
    type = integer
  }
  foreign_key "audit_users_seen_as" {
    columns     = [column.seen_as]
    ref_columns = [table.public.users.column.id]
  }
}
