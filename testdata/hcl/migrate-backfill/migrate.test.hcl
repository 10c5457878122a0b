# The documented pattern: migrate to the version before the one under test, seed, migrate to the
# version under test, assert.
test "migrate" "backfill_splits_names" {
  migrate {
    to = "20240102000000"
  }
  exec {
    sql = "INSERT INTO users (id, name) VALUES (1, 'Ada Lovelace'), (2, 'Plato'), (3, 'Alan Mathison Turing')"
  }
  migrate {
    to = "20240103000000"
  }
  exec {
    sql    = "SELECT first_name, last_name FROM users ORDER BY id"
    output = <<EOT
Ada,Lovelace
Plato,
Alan,Mathison Turing
EOT
  }
  # The txtar check (every user has a first name) passes on the backfilled data.
  migrate {
    to = "20240104000000"
  }
}

# A case never sees another case's seed data, though both start from the same cached state.
test "migrate" "starts_without_seed_data" {
  migrate {
    to = "20240102000000"
  }
  assert {
    sql = "SELECT count(*) = 0 FROM users"
  }
}

# Every file applied leaves a row in the revisions table.
test "migrate" "revisions_table" {
  migrate {
    to = "20240103000000"
  }
  exec {
    sql    = "SELECT version, description, applied, total, error IS NULL FROM atlas_schema_revisions ORDER BY version"
    output = <<EOT
20240101000000,users,1,1,1
20240102000000,split_name,2,2,1
20240103000000,backfill,2,2,1
EOT
  }
}

# A case whose first command is not migrate starts from an empty database and migrates for real.
test "migrate" "from_empty" {
  assert {
    sql = "SELECT count(*) = 0 FROM sqlite_master WHERE name = 'users'"
  }
  migrate {
    to = "20240101000000"
  }
  exec {
    sql = "INSERT INTO users (id, name) VALUES (1, 'x')"
  }
}

# txmode none and a custom delimiter (a trigger whose body holds semicolons).
test "migrate" "txmode_none_and_delimiter" {
  migrate {
    to = "20240106000000"
  }
  exec {
    sql    = "SELECT note FROM audit ORDER BY id"
    output = <<EOT
created without a transaction
delimiter ok
EOT
  }
  exec {
    sql = "INSERT INTO users (id, name, first_name) VALUES (9, 'Grace Hopper', 'Grace')"
  }
  exec {
    sql    = "SELECT note FROM audit WHERE id > 2"
    output = "Grace Hopper"
  }
}

# testing.dev_url is the case's own database.
test "migrate" "dev_url" {
  migrate {
    to = "20240101000000"
  }
  log {
    message = "dev url: ${testing.dev_url}"
  }
}
