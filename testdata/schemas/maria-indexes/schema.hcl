# MariaDB indexes: unique, several columns, a prefix length, descending parts, FULLTEXT,
# a hash-less BTREE type and an index comment.
schema "app" {}

table "articles" {
  schema = schema.app
  column "id" {
    type = int
  }
  column "slug" {
    type = varchar(200)
  }
  column "author" {
    type = int
  }
  column "published" {
    type = datetime
  }
  column "body" {
    type = text
  }
  primary_key {
    columns = [column.id]
  }
  index "articles_slug" {
    unique  = true
    columns = [column.slug]
  }
  index "articles_author_published" {
    on {
      column = column.author
    }
    on {
      column = column.published
      desc   = true
    }
    comment = "latest per author"
  }
  index "articles_slug_prefix" {
    on {
      column = column.slug
      prefix = 20
    }
  }
  index "articles_body" {
    type    = FULLTEXT
    columns = [column.body]
  }
}
