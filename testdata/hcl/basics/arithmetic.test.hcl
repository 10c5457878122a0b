# Arithmetic reads as hcl-rs reads it; an integer result past 64 bits becomes a float instead of
# panicking or wrapping, printed as hcl-rs prints floats (assay; Atlas computes exactly).
locals {
  big = 9223372036854775807
}

test "schema" "integers" {
  exec {
    sql    = "SELECT '${1 + 2 * 3} ${7 % 3} ${-7 % 3} ${7 / 2} ${6 / 2} ${local.big * 2}'"
    output = "7 1 -1 3.5 3 18446744073709551614"
  }
}

test "schema" "past-64-bits" {
  exec {
    sql    = "SELECT '${local.big * 4} ${18446744073709551615 + 1}'"
    output = "3.6893488147419103e19 1.8446744073709552e19"
  }
}
