# assay migrate test --env dev                              (embedded SQLite)
# assay migrate test --env dev --var dev=local://postgres   (a throw-away PostgreSQL)
variable "dev" {
  type    = string
  default = "sqlite://dev?mode=memory"
}

env "dev" {
  dev = var.dev
  migration {
    dir    = "file://migrations"
    format = atlas
  }
  test {
    migrate {
      src = ["migrate.test.hcl"]
    }
  }
}
