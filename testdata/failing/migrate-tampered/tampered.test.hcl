# A migration edited after atlas.sum was written: every migrate case fails with the checksum
# error and the hint, before anything runs.

# want first: checksum mismatch: file "2_b.sql" was edited
test "migrate" "first" {
  migrate {
    to = "1"
  }
}

# want second: assay migrate hash
test "migrate" "second" {
  migrate {
    to = "2"
  }
}
