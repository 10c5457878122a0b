# A declarative plan, tested before it is approved: start from the schema it was planned from,
# seed, apply the plan, check the data it moved.
test "plan" "add_user_name" {
  schema {
    url = "file://../plans/before.sql"
  }
  exec {
    sql = "INSERT INTO users (id, email) VALUES (1, 'ada@example.com')"
  }
  apply {
    url = "file://../plans/add_user_name.plan.hcl"
  }
  exec {
    sql    = "SELECT name FROM users"
    output = "ada"
  }
}
