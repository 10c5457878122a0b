# variable (with its default), locals and for_each: one table per element, named from it.
variable "prefix" {
  type    = string
  default = "app"
}

locals {
  kinds   = ["alpha", "beta"]
  comment = "made by for_each"
}

schema "public" {}

table "events" {
  schema  = schema.public
  comment = "${var.prefix} ${local.comment}"
  column "kind" {
    type    = text
    default = local.kinds[0]
  }
}

enum {
  for_each = toset(local.kinds)
  name     = "${var.prefix}_${each.value}"
  schema   = schema.public
  values   = [each.value, "${each.value}_old"]
}
