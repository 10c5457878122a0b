# The data migration 2_split_name: migrate to the version before it, seed, migrate, check.
test "migrate" "2_split_name" {
  migrate {
    to = "1"
  }
  exec {
    sql = "INSERT INTO customers (id, name) VALUES (1, 'Ada Lovelace'), (2, 'Plato')"
  }
  migrate {
    to = "2"
  }
  exec {
    sql    = "SELECT first_name, last_name FROM customers ORDER BY id"
    format = table
    output = <<-TAB
       first_name | last_name
      ------------+-----------
       Ada        | Lovelace
       Plato      |
    TAB
  }
}
