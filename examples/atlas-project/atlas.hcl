# An Atlas project laid out as Atlas users lay one out in 2026.
#
#   assay test --env dev                                 # dev database in Docker (the docker block)
#   assay test --env dev --var dev=local://postgres      # or a throw-away local PostgreSQL
#   assay schema test --env dev / migrate test / schema plan test

variable "dev" {
  type    = string
  default = getenv("ASSAY_EXAMPLE_DEV_URL")
}

locals {
  # What the application does not own (extensions, roles, other schemas): it runs before the
  # schema of every schema case.
  baseline = <<-SQL
    CREATE SCHEMA IF NOT EXISTS audit;
    CREATE TABLE IF NOT EXISTS audit.events (id bigserial PRIMARY KEY, what text NOT NULL);
  SQL
}

# The dev database: PostgreSQL 15 in Docker …
docker "postgres" "dev" {
  image    = "postgres:15"
  schema   = "public"
  template = true
  baseline = local.baseline
}

# … or one given with --var dev=URL (assay also reads `baseline` in dev blocks).
dev "postgres" "given" {
  url      = var.dev
  baseline = local.baseline
}

# The application's tables come from its "ORM" (here a small program printing DDL, as
# atlas-provider-gorm, -sqlalchemy, -drizzle … do); functions and triggers from plain SQL.
data "external_schema" "models" {
  program = ["sh", "models/print-schema.sh"]
}

data "composite_schema" "app" {
  schema "public" {
    url = data.external_schema.models.url
  }
  schema "public" {
    url = "file://schema/functions.sql"
  }
}

env "dev" {
  dev = var.dev != "" ? dev.postgres.given.url : docker.postgres.dev.url
  schema {
    src = data.composite_schema.app.url
  }
  migration {
    dir = "file://migrations"
  }
  test {
    schema {
      src = ["tests/schema.test.hcl", "tests/script.test.hcl", "tests/plan.test.hcl"]
    }
    migrate {
      src = ["tests/migrate.test.hcl"]
    }
  }
}
