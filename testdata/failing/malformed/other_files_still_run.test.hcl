# A broken file fails only its own trial: this file, in the same plan as the broken files beside it,
# still runs (its one case must fail with the text below, proving it ran).
# want ran: output mismatch
test "schema" "ran" {
  exec {
    sql    = "SELECT 'I ran'"
    output = "I did not run"
  }
}
