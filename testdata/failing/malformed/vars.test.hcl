# want-error: vars.test.hcl:2:1: missing value for required variable "needed"
variable "needed" {
  type = string
}
test "schema" "a" {
  exec {
    sql = "SELECT '${var.needed}'"
  }
}
