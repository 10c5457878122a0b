# want-error: by-zero.test.hcl:9:15: message: division by zero in 5 % 0
# Found by the atlas_hcl fuzz target: hcl-rs computes `%` with Rust's operator, which panicked on
# a zero divisor and ended the whole run. assay checks every `+ - * / %` before hcl-rs sees it.
test "schema" "rem" {
  exec {
    sql = "SELECT 1"
  }
  log {
    message = "${5 % 0}"
  }
}
