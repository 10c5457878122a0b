# want-error: syntax.test.hcl:4:5: HCL syntax error
test "schema" "a" {
  exec {
    sql = "SELECT 1
  }
}
