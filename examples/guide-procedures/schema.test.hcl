# Sales before the cutoff move to the archive; the rest stay.

test "schema" "archives_before_the_cutoff" {
  exec {
    sql = <<-SQL
      INSERT INTO sales (id, amount, sale_date) VALUES
        (1, 100, '2024-07-01'), (2, 250.5, '2024-07-17'), (3, 75, '2024-07-18'), (4, 10, '2024-08-02');
      CALL archive_old_sales('2024-07-18');
    SQL
  }
  exec {
    sql    = "SELECT id FROM sales ORDER BY id"
    output = <<-OUT
      3
      4
    OUT
  }
  exec {
    sql    = "SELECT id, amount, sale_date FROM archive_sales ORDER BY id"
    output = <<-OUT
      1,100,2024-07-01
      2,250.5,2024-07-17
    OUT
  }
}

test "schema" "nothing_to_archive" {
  exec {
    sql = <<-SQL
      INSERT INTO sales (id, amount, sale_date) VALUES (1, 5, '2025-01-01');
      CALL archive_old_sales('2024-01-01');
    SQL
  }
  assert {
    sql = "SELECT (SELECT count(*) FROM sales) = 1 AND (SELECT count(*) FROM archive_sales) = 0"
  }
}
