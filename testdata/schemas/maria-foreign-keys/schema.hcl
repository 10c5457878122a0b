# MariaDB foreign keys: actions, a self-reference, and a cycle between two tables.
schema "app" {}

table "teams" {
  schema = schema.app
  column "id" {
    type = int
  }
  column "captain" {
    type = int
    null = true
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "teams_captain" {
    columns     = [column.captain]
    ref_columns = [table.players.column.id]
    on_delete   = SET_NULL
  }
}

table "players" {
  schema = schema.app
  column "id" {
    type = int
  }
  column "team" {
    type = int
  }
  column "mentor" {
    type = int
    null = true
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "players_team" {
    columns     = [column.team]
    ref_columns = [table.teams.column.id]
    on_delete   = CASCADE
    on_update   = RESTRICT
  }
  foreign_key "players_mentor" {
    columns     = [column.mentor]
    ref_columns = [column.id]
  }
}
