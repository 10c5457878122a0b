# MariaDB specifics: DELIMITER, routines, CALL returning rows, values, error numbers.

test "schema" "delimiter_and_routines" {
  exec {
    sql = <<-SQL
      CREATE TABLE t (a INT);
      DELIMITER //
      CREATE PROCEDURE fill(n INT)
      BEGIN
        DECLARE i INT DEFAULT 0;
        WHILE i < n DO
          INSERT INTO t VALUES (i);
          SET i = i + 1;
        END WHILE;
        SELECT count(*) AS filled FROM t;
      END//
      DELIMITER ;
      CALL fill(3);
    SQL
    output = "3"
  }
}

test "schema" "values" {
  exec {
    sql    = "SELECT 1 = 1, 1 = 0, NULL, CAST('2024-01-02' AS DATE), CAST(1.5 AS DECIMAL(4,2)), 'x'"
    output = "1,0,,2024-01-02,1.50,x"
  }
}

test "schema" "error_numbers" {
  exec {
    sql = "CREATE TABLE u (a INT PRIMARY KEY); INSERT INTO u VALUES (1)"
  }
  catch {
    sql   = "INSERT INTO u VALUES (1)"
    error = "Error 1062 (23000): Duplicate entry '1'"
  }
  catch {
    sql   = "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'custom failure'"
    error = "custom failure"
  }
}

test "schema" "trigger" {
  exec {
    sql = <<-SQL
      CREATE TABLE src (a INT);
      CREATE TABLE log (a INT);
      CREATE TRIGGER src_log AFTER INSERT ON src FOR EACH ROW
      BEGIN
        INSERT INTO log VALUES (NEW.a * 10);
      END;
      INSERT INTO src VALUES (1), (2);
      SELECT a FROM log ORDER BY a;
    SQL
    output = "10\n20"
  }
}
