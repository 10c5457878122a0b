test "schema" "external_program" {
  external {
    program = ["sh", "-c", "echo hello; echo world"]
    output  = "hello\nworld"
  }
  external {
    program     = ["pwd"]
    working_dir = "."
    match       = "testdata/hcl/basics\n$"
  }
}

test "schema" "skipped_case_is_not_run" {
  skip = true
  exec {
    sql    = "SELECT 1"
    output = "this would fail"
  }
}
