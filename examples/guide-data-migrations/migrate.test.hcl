# The backfill of version 2, checked on data seeded at version 1.
test "migrate" "backfills_latest_post" {
  migrate {
    to = "20240801100000"
  }
  exec {
    sql = <<-SQL
      INSERT INTO users (id, name) VALUES (1, 'Ada'), (2, 'Alan');
      INSERT INTO posts (id, title, user_id, created_at) VALUES
        (1, 'Notes', 1, '2024-01-01 10:00:00'),
        (2, 'Engines', 1, '2024-03-01 10:00:00');
    SQL
  }
  migrate {
    to = "20240801110000"
  }
  exec {
    sql    = "SELECT id, latest_post_ts FROM users ORDER BY id"
    output = <<-OUT
      1,2024-03-01 10:00:00
      2,
    OUT
  }
}
