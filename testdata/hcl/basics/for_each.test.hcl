test "schema" "tuple" {
  for_each = [
    {input: "hello", expected: "HELLO"},
    {input = "world", expected = "WORLD"},
  ]
  exec {
    sql    = "SELECT upper('${each.value.input}')"
    output = each.value.expected
  }
  exec {
    sql    = "SELECT '${testing.name}'"
    output = "tuple/${each.key + 1}"
  }
}

test "schema" "map" {
  for_each = {
    ada   = "Ada"
    alan  = "Alan"
  }
  exec {
    sql    = "SELECT '${each.key}', '${each.value}', '${self.name}'"
    output = "${each.key},${each.value},map/${each.key}"
  }
}
