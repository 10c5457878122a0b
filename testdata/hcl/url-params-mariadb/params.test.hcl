# `local://mariadb?tls=false&parseTime=true&charset=utf8mb4` runs: tls=false is what assay does
# (plain text), the others change nothing a case sees.

test "schema" "plain_connection" {
  exec {
    sql    = "SHOW SESSION STATUS LIKE 'Ssl_cipher'"
    output = "Ssl_cipher,"
  }
}

test "schema" "works" {
  exec {
    sql = "CREATE TABLE t (id int PRIMARY KEY)"
  }
  exec {
    sql    = "SELECT count(*) FROM t"
    output = "0"
  }
}
