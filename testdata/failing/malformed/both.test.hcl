# want-error: both.test.hcl:6:14: exec: `output` and `match` cannot be used together; keep one
test "schema" "a" {
  exec {
    sql    = "SELECT 1"
    output = "1"
    match  = "1"
  }
  exec {
    sql   = "SELECT 1"
    match = "(unclosed"
  }
}
