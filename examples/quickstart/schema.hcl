# The quickstart's schema in Atlas HCL: the same database as schema.sql, so either runs the tests:
#   cargo run -- test examples/quickstart --url file://examples/quickstart/schema.hcl
schema "main" {}

table "users" {
  schema = schema.main
  column "id" {
    type = integer
  }
  column "email" {
    type = text
  }
  column "name" {
    type = text
  }
  column "post_count" {
    type    = integer
    default = 0
  }
  primary_key {
    columns = [column.id]
  }
  index "users_email" {
    unique  = true
    columns = [column.email]
  }
  check "users_email_shape" {
    expr = "email LIKE '%_@_%'"
  }
}

table "posts" {
  schema = schema.main
  column "id" {
    type = integer
  }
  column "author_id" {
    type = integer
  }
  column "title" {
    type = text
  }
  column "published" {
    type    = integer
    default = 0
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "posts_author" {
    columns     = [column.author_id]
    ref_columns = [table.users.column.id]
  }
}

# Keep users.post_count in step with posts.
trigger "posts_count_insert" {
  on = table.posts
  after {
    insert = true
  }
  as = <<-SQL
    BEGIN
      UPDATE users SET post_count = post_count + 1 WHERE id = NEW.author_id;
    END
  SQL
}

trigger "posts_count_delete" {
  on = table.posts
  after {
    delete = true
  }
  as = <<-SQL
    BEGIN
      UPDATE users SET post_count = post_count - 1 WHERE id = OLD.author_id;
    END
  SQL
}

# Published posts with their author's name.
view "published_posts" {
  schema = schema.main
  column "id" {
    type = integer
  }
  column "title" {
    type = text
  }
  column "author" {
    type = text
  }
  as         = <<-SQL
    SELECT p.id, p.title, u.name AS author
    FROM ${table.posts.name} p JOIN ${table.users.name} u ON u.id = p.author_id
    WHERE p.published = 1
  SQL
  depends_on = [table.posts, table.users]
}
