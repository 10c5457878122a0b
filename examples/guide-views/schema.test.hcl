# The view shows every user, and at most four digits of a number.

test "schema" "masks_numbers" {
  exec {
    sql = <<-SQL
      INSERT INTO users (id, name, ssn) VALUES (1, 'Ada', '123456789'), (2, 'Alan', NULL);
    SQL
  }
  exec {
    sql    = "SELECT id, name, ssn_last4 FROM clean_users ORDER BY id"
    format = table
    output = <<-OUT
       id | name | ssn_last4
      ----+------+-----------
       1  | Ada  | 6789
       2  | Alan |
    OUT
  }
}

test "schema" "has_the_comment" {
  exec {
    sql    = "SELECT obj_description('clean_users'::regclass, 'pg_class')"
    output = "users without the full social security number"
  }
}
