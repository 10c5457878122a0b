# Indexes: plain, unique, partial (where), access methods (type), include, per-column desc and
# nulls order, expressions, operator classes, and an index comment.
schema "public" {}

table "documents" {
  schema = schema.public
  column "id" {
    type = integer
  }
  column "owner" {
    type = integer
  }
  column "title" {
    type = text
  }
  column "body" {
    type = jsonb
  }
  column "created" {
    type = timestamp
    null = true
  }
  column "deleted" {
    type = boolean
  }
  primary_key {
    columns = [column.id]
  }
  index "documents_owner" {
    columns = [column.owner]
  }
  index "documents_title_live" {
    unique  = true
    columns = [column.title]
    where   = "NOT deleted"
  }
  index "documents_body" {
    type = GIN
    on {
      column = column.body
      ops    = jsonb_path_ops
    }
  }
  index "documents_owner_created" {
    on {
      column = column.owner
    }
    on {
      column = column.created
      desc   = true
    }
    include = [column.title]
    comment = "newest first per owner"
  }
  index "documents_lower_title" {
    on {
      expr = "lower(title)"
    }
  }
  index "documents_created_hash" {
    type    = HASH
    columns = [column.created]
  }
  index "documents_created_brin" {
    type    = BRIN
    columns = [column.created]
  }
  index "documents_created_nulls" {
    on {
      column      = column.created
      nulls_first = true
    }
  }
}
