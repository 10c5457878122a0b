# A golang-migrate directory: migrate to the version before the backfill, seed, migrate, assert.
test "migrate" "backfill_prices" {
  migrate {
    to = "000001"
  }
  exec {
    sql = "INSERT INTO items (id, price_cents) VALUES (1, 250), (2, 1999)"
  }
  migrate {
    to = "000002"
  }
  exec {
    sql    = "SELECT id, price FROM items ORDER BY id"
    output = <<EOT
1,2.5
2,19.99
EOT
  }
}
