# want-error: unknown attribute `paralel` in test block; did you mean `parallel`?
test "schema" "a" {
  paralel = true
  exec {
    sql = "SELECT 1"
    outptu = "1"
  }
  assrt {
    sql = "SELECT 1"
  }
}
