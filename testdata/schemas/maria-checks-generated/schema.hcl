# MariaDB checks and generated columns (VIRTUAL by default, STORED, PERSISTENT).
schema "app" {}

table "rectangles" {
  schema = schema.app
  column "w" {
    type = int
  }
  column "h" {
    type = int
  }
  column "area" {
    type = int
    as   = "w * h"
  }
  column "perimeter" {
    type = int
    as {
      expr = "2 * (w + h)"
      type = STORED
    }
  }
  check "rectangles_positive" {
    expr = "w > 0 and h > 0"
  }
}
