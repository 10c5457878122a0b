# A flyway directory: dotted versions in a sub-directory, then a repeatable migration (version
# "1.1R": it runs after the versioned files).
test "migrate" "backfill_prices" {
  migrate {
    to = "1"
  }
  exec {
    sql = "INSERT INTO items (id, price_cents) VALUES (1, 250), (2, 1999)"
  }
  migrate {
    to = "1.1R"
  }
  exec {
    sql    = "SELECT id, price FROM priced ORDER BY id"
    output = <<EOT
1,2.5
2,19.99
EOT
  }
}
