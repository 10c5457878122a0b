# Generated columns: the `as` attribute (STORED by default) and the `as` block.
schema "public" {}

table "boxes" {
  schema = schema.public
  column "width" {
    type = integer
  }
  column "height" {
    type = integer
  }
  column "area" {
    type = integer
    as   = "width * height"
  }
  column "label" {
    type = text
    null = true
    as {
      expr = "'box ' || width::text || 'x' || height::text"
      type = STORED
    }
  }
}
