# The dev URL's `?search_path=app,public&sslmode=disable` applies to every session assay opens:
# the one that builds the desired schema, every case's, and the reused ones after a reset.

test "schema" "search_path_is_the_urls" {
  exec {
    sql    = "SHOW search_path"
    output = "\"app,public\""
  }
}

test "schema" "the_schema_was_built_in_app" {
  exec {
    sql    = "SELECT schemaname FROM pg_tables WHERE tablename = 'items'"
    output = "app"
  }
  exec {
    sql    = "SELECT name FROM items"
    output = "bolt"
  }
}

# A case that changes its search path does not leak it: RESET (and the reset between reused
# sessions) returns to the URL's, which the server received when the session started.
test "schema" "reset_returns_to_the_urls_path" {
  exec {
    sql = "SET search_path TO public"
  }
  exec {
    sql    = "SHOW search_path"
    output = "public"
  }
  exec {
    sql = "RESET search_path"
  }
  exec {
    sql    = "SHOW search_path"
    output = "\"app,public\""
  }
}

test "schema" "after_a_case_that_set_it" {
  exec {
    sql    = "SHOW search_path"
    output = "\"app,public\""
  }
}

test "schema" "parallel_one" {
  parallel = true
  exec {
    sql = "SET search_path TO public"
  }
}

test "schema" "parallel_two" {
  parallel = true
  exec {
    sql    = "SELECT current_schema()"
    output = "app"
  }
}

test "schema" "no_tls" {
  exec {
    sql    = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
    output = "f"
  }
}
