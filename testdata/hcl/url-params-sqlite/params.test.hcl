# `_fk=1` turns foreign keys on; the other parameters Atlas accepts are ignored.

test "schema" "foreign_keys_on" {
  exec {
    sql    = "PRAGMA foreign_keys"
    output = "1"
  }
  exec {
    sql = "CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE c (p int REFERENCES p (id))"
  }
  catch {
    sql   = "INSERT INTO c VALUES (1)"
    error = "FOREIGN KEY constraint failed"
  }
}
