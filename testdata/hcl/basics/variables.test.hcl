# Values come from testdata/hcl/basics/vars.txt (--var who=Grace --var tags=a --var tags=b).

variable "who" {
  type = string
}

variable "greeting" {
  type    = string
  default = "Hello"
}

variable "tags" {
  type = list(string)
}

variable "limit" {
  type    = number
  default = 3
}

locals {
  message = "${var.greeting}, ${var.who}"
  shout   = upper(local.message)
}

test "schema" "vars_and_locals" {
  exec {
    sql    = "SELECT '${local.message}', '${local.shout}', ${var.limit} + 1"
    output = "\"Hello, Grace\",\"HELLO, GRACE\",4"
  }
  exec {
    sql    = "SELECT '${join("+", var.tags)}', ${length(var.tags)}"
    output = "a+b,2"
  }
}

test "schema" "functions" {
  exec {
    sql    = "SELECT '${lower("ABC")}', '${replace("a-b-c", "-", "_")}', '${trimspace("  x  ")}', '${format("%s=%d", "n", 7)}'"
    output = "abc,a_b_c,x,n=7"
  }
  exec {
    sql    = "SELECT '${jsonencode({a = 1})}'"
    # The value holds quotes, so csv quotes the field and doubles them.
    output = "\"{\"\"a\"\":1}\""
  }
}

test "schema" "heredocs_and_escapes" {
  exec {
    sql    = <<SQL
SELECT '$${not_interpolated}'
SQL
    output = "$${not_interpolated}"
  }
  exec {
    sql    = "SELECT '%%{also_literal}', 'dollar $1 $$'"
    output = "%%{also_literal},dollar $1 $$"
  }
}
