# The domain admits five digits, or five and four; NULL passes (the domain allows it).

test "schema" "valid_codes" {
  parallel = true
  for_each = ["12345", "12345-6789"]
  exec {
    sql    = "SELECT '${each.value}'::us_postal_code"
    output = each.value
  }
}

test "schema" "invalid_codes" {
  parallel = true
  for_each = ["1234", "123456", "12345-678", "abcde"]
  catch {
    sql   = "SELECT '${each.value}'::us_postal_code"
    error = "value for domain us_postal_code violates check constraint \"us_postal_code_check\""
  }
}

test "schema" "columns_use_the_domain" {
  exec {
    sql = "INSERT INTO users (id, name, zip) VALUES (1, 'Ada', '02139'), (2, 'Alan', NULL)"
  }
  catch {
    sql   = "INSERT INTO users (id, name, zip) VALUES (3, 'Bad', '2139')"
    error = "violates check constraint"
  }
}
