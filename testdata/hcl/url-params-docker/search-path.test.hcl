# `docker://postgres/15/dev?search_path=app,public&sslmode=disable`: the container's sessions get
# the URL's search path, as on every other PostgreSQL dev URL.

test "schema" "search_path_is_the_urls" {
  exec {
    sql    = "SHOW search_path"
    output = "\"app,public\""
  }
  exec {
    sql    = "SELECT schemaname FROM pg_tables WHERE tablename = 'items'"
    output = "app"
  }
}

test "schema" "reset_returns_to_the_urls_path" {
  exec {
    sql = "SET search_path TO public; RESET search_path"
  }
  exec {
    sql    = "SELECT current_schema()"
    output = "app"
  }
}
