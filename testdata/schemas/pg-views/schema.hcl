# Views: column lists, ${} references in the query, depends_on between views, a comment and
# a check option.
schema "public" {}

table "users" {
  schema = schema.public
  column "id" {
    type = integer
  }
  column "name" {
    type = text
  }
  column "active" {
    type = boolean
  }
}

view "active_users" {
  schema = schema.public
  column "id" {
    type = integer
  }
  column "name" {
    type = text
  }
  as           = <<-SQL
    SELECT id, name FROM ${table.users.name} WHERE active
  SQL
  depends_on   = [table.users]
  comment      = "users who may sign in"
  check_option = CASCADED
}

view "active_names" {
  schema = schema.public
  column "name" {
    type = text
  }
  as         = "SELECT name FROM active_users"
  depends_on = [view.active_users]
}
