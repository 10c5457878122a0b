# A dbmate directory: migrate to the version before the backfill, seed, migrate, assert.
test "migrate" "backfill_prices" {
  migrate {
    to = "20240101000000"
  }
  exec {
    sql = "INSERT INTO items (id, price_cents) VALUES (1, 250), (2, 1999)"
  }
  migrate {
    to = "20240102000000"
  }
  exec {
    sql    = "SELECT id, price FROM items ORDER BY id"
    output = <<EOT
1,2.5
2,19.99
EOT
  }
}
