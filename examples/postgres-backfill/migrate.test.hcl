# In the style of Atlas's `check_latest_post` example: migrate to the version before the
# backfill, seed, migrate to the backfill, check the data.
test "migrate" "check_latest_post" {
  migrate {
    to = "20240807192632"
  }
  exec {
    sql = "INSERT INTO users (id, name) VALUES (1, 'Ada Lovelace'), (2, 'Alan Turing')"
  }
  exec {
    sql = <<SQL
INSERT INTO posts (id, title, user_id, created_at) VALUES
  (1, 'Notes', 1, '2024-01-01 10:00:00'),
  (2, 'Sketch of the Analytical Engine', 1, '2024-03-01 10:00:00');
SQL
  }
  migrate {
    to = "20240807192934"
  }
  exec {
    sql    = "SELECT id, name, latest_post_id FROM users ORDER BY id"
    output = <<EOT
1,Ada Lovelace,2
2,Alan Turing,
EOT
  }
  log {
    message = "Data migrated successfully"
  }
}

# The pre-migration check of the next file passes on backfilled data, and the index lands.
test "migrate" "index_after_backfill" {
  migrate {
    to = "20240807192934"
  }
  exec {
    sql = "INSERT INTO users (id, name, latest_post_id) VALUES (1, 'Ada Lovelace', NULL)"
  }
  migrate {
    to = "20240807193500"
  }
  assert {
    sql = "SELECT count(*) = 1 FROM users WHERE latest_post_id IS NULL"
  }
}
