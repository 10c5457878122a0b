# want-error: unknown test kind "unit"; use test "schema", "migrate", "plan" or "script"
test "unit" "a" {
  exec {
    sql = "SELECT 1"
  }
}
test "schema" "b" {
  exec {
    format = json
  }
}
