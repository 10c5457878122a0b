# At the latest version, the trigger keeps latest_post_ts current.
test "schema" "new_posts_move_latest_post_ts" {
  exec {
    sql = <<-SQL
      INSERT INTO users (id, name) VALUES (1, 'Ada');
      INSERT INTO posts (id, title, user_id, created_at) VALUES (1, 'Later', 1, '2024-05-01 09:00:00');
      INSERT INTO posts (id, title, user_id, created_at) VALUES (2, 'Earlier', 1, '2024-04-01 09:00:00');
    SQL
  }
  exec {
    sql    = "SELECT latest_post_ts FROM users WHERE id = 1"
    output = "2024-05-01 09:00:00"
  }
}
