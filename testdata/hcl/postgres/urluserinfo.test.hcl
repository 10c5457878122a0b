# Atlas's documented pattern for testing under a reduced role: the case's own URL with other
# credentials, urluserinfo(self.dev_url, user, password), used by an external program.
test "schema" "as_a_reduced_role" {
  exec {
    sql = "CREATE ROLE assay_urluserinfo_reader LOGIN PASSWORD 'pw'"
  }
  cleanup {
    sql = "RESET ROLE; DROP ROLE assay_urluserinfo_reader"
  }
  external {
    program = [
      "/usr/lib/postgresql/15/bin/psql",
      urluserinfo(self.dev_url, "assay_urluserinfo_reader", "pw"),
      "-tAc", "SELECT current_user",
    ]
    output = "assay_urluserinfo_reader"
  }
  catch {
    sql = "SET ROLE assay_urluserinfo_reader; CREATE TABLE not_allowed (id int)"
    error = "permission denied"
  }
}
