# Atlas's "Testing Data Migrations" guide, in our words. This file is the desired schema at the
# latest version (what `atlas migrate diff` would have generated migrations/ from); the schema
# tests run on it, the migrate tests run the directory.
#   cargo run -- test examples/guide-data-migrations --url file://examples/guide-data-migrations/schema.hcl \
#     --dir file://examples/guide-data-migrations/migrations --dev-url local://postgres
schema "public" {}

table "users" {
  schema = schema.public
  column "id" {
    type = int
  }
  column "name" {
    type = varchar(255)
  }
  column "latest_post_ts" {
    type = timestamp
    null = true
  }
  primary_key {
    columns = [column.id]
  }
}

table "posts" {
  schema = schema.public
  column "id" {
    type = int
  }
  column "title" {
    type = character_varying(255)
  }
  column "user_id" {
    type = integer
  }
  column "created_at" {
    type = timestamp
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "posts_user" {
    columns     = [column.user_id]
    ref_columns = [table.users.column.id]
  }
}

function "update_latest_post" {
  schema = schema.public
  lang   = PLpgSQL
  return = trigger
  as     = <<-SQL
    BEGIN
      UPDATE users SET latest_post_ts = NEW.created_at
      WHERE id = NEW.user_id AND (latest_post_ts IS NULL OR latest_post_ts < NEW.created_at);
      RETURN NEW;
    END;
  SQL
}

trigger "update_latest_post_trigger" {
  on = table.posts
  after {
    insert = true
  }
  for = ROW
  execute {
    function = function.update_latest_post
  }
}
