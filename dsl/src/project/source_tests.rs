//! Schema sources and dev databases of atlas.hcl: what an env's `src` and `dev` become.

use super::*;

fn env(text: &str) -> Result<Env, String> {
    let source = SourceFile::new("proj/atlas.hcl", text);
    load(&source, "dev", &Inputs::default()).map_err(|e| {
        e.iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    })
}

const PROJECT: &str = r#"data "external_schema" "orm" {
  program = ["sh", "print-ddl.sh", "--dialect", "sqlite"]
}

data "hcl_schema" "app" {
  paths = ["schema/a.hcl", "file://schema/b.hcl"]
}

data "composite_schema" "all" {
  schema "public" {
    url = data.external_schema.orm.url
  }
  schema "app" {
    url = data.hcl_schema.app.url
  }
  schema "extra" {
    url = "file://extra.sql"
  }
}

docker "postgres" "dev" {
  image    = "postgres:15"
  schema   = "public"
  template = true
  baseline = <<SQL
CREATE EXTENSION IF NOT EXISTS citext;
SQL
}

env "dev" {
  dev = docker.postgres.dev.url
  schema {
    src = data.composite_schema.all.url
  }
}
"#;

#[test]
fn composite_expands_every_part_in_order() {
    let e = env(PROJECT).unwrap();
    assert_eq!(
        e.src,
        [
            SchemaSource::Program(Program {
                name: "orm".into(),
                argv: vec![
                    "sh".into(),
                    "print-ddl.sh".into(),
                    "--dialect".into(),
                    "sqlite".into()
                ],
                working_dir: PathBuf::from("proj"),
                at: Location {
                    path: "proj/atlas.hcl".into(),
                    line: 1,
                    col: 1
                },
            }),
            SchemaSource::Url("file://proj/schema/a.hcl".into()),
            SchemaSource::Url("file://proj/schema/b.hcl".into()),
            SchemaSource::Url("file://extra.sql".into()),
        ]
    );
}

#[test]
fn docker_block_is_a_dev_url_with_its_baseline() {
    let e = env(PROJECT).unwrap();
    assert_eq!(
        e.dev.as_deref(),
        Some("docker://postgres/15/dev?search_path=public")
    );
    let baseline = e.baseline.unwrap();
    assert_eq!(baseline.text, "CREATE EXTENSION IF NOT EXISTS citext;\n");
    assert_eq!(
        (baseline.start.line, baseline.start.col, baseline.exact),
        (26, 1, true)
    );
}

#[test]
fn docker_images_map_onto_docker_urls() {
    let url = |block: &str| {
        env(&format!(
            "{block}\nenv \"dev\" {{\n  dev = {}.{}.x.url\n}}\n",
            block.split(' ').next().unwrap(),
            block.split('"').nth(1).unwrap()
        ))
        .map(|e| e.dev.unwrap_or_default())
    };
    assert_eq!(
        url("docker \"mysql\" \"x\" {\n  image = \"mysql:8\"\n  schema = \"app\"\n}").unwrap(),
        "docker://mysql/8/app"
    );
    assert_eq!(
        url("docker \"mariadb\" \"x\" {\n  image = \"mariadb\"\n}").unwrap(),
        "docker://maria/latest"
    );
    assert_eq!(
        url("docker \"postgres\" \"x\" {\n  image = \"postgis/postgis:15-3.4\"\n}").unwrap(),
        "docker+postgres://postgis/postgis:15-3.4/dev"
    );
    assert_eq!(
        url("dev \"postgres\" \"x\" {\n  url = \"local://postgres/15/dev\"\n  template = true\n}")
            .unwrap(),
        "local://postgres/15/dev"
    );
    let e = url("docker \"sqlserver\" \"x\" {\n  image = \"mcr/mssql:2022\"\n}").unwrap_err();
    assert!(
        e.starts_with("proj/atlas.hcl:1:1: docker \"sqlserver\""),
        "{e}"
    );
    let e = url("docker \"postgres\" \"x\" {\n  schema = \"public\"\n}").unwrap_err();
    assert!(e.contains("missing the required attribute `image`"), "{e}");
}

#[test]
fn data_source_errors_name_the_place() {
    let e =
        env("data \"external_schema\" \"x\" {\n  program = []\n}\nenv \"dev\" {}\n").unwrap_err();
    assert!(
        e.starts_with("proj/atlas.hcl:2:13: program: the list is empty"),
        "{e}"
    );
    let e =
        env("data \"hcl_schema\" \"x\" {\n  path = \"a.hcl\"\n  paths = []\n}\nenv \"dev\" {}\n")
            .unwrap_err();
    assert!(e.contains("takes one of `path`"), "{e}");
    let e = env("env \"dev\" {\n  src = data.sql.tenants.url\n}\n").unwrap_err();
    assert!(e.starts_with("proj/atlas.hcl:2:"), "{e}");
}

/// `sql`, `external` and `template_dir` are loaded in rounds: each round asks for the sources
/// whose arguments it can evaluate, only those the selected env refers to.
#[test]
fn data_sources_are_requested_in_rounds_when_referenced() {
    let text = r#"data "external" "url" {
  program = ["cat", "url.txt"]
}
data "sql" "tenants" {
  url   = data.external.url
  query = "SELECT name FROM tenants WHERE name LIKE $1"
  args  = ["a%"]
}
data "template_dir" "migrations" {
  path = "migrations"
  vars = { tenants = data.sql.tenants.values }
}
data "sql" "unused" {
  url   = "postgres://nowhere"
  query = "SELECT 1"
}
env "dev" {
  dev = "sqlite://dev?mode=memory"
  migration {
    dir = data.template_dir.migrations.url
  }
}
env "other" {
  url = data.sql.unused.value
}
"#;
    let source = SourceFile::new("proj/atlas.hcl", text);
    let inputs = Inputs::default();
    let mut resolved = Resolved::new();
    let round = |resolved: &Resolved| match load_with(&source, "dev", &inputs, resolved) {
        Ok(Loaded::Needs(r)) => r,
        other => panic!("{other:?}"),
    };
    let first = round(&resolved);
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].key, "external/url");
    assert_eq!(first[0].at.to_string(), "proj/atlas.hcl:1:1");
    assert!(
        matches!(&first[0].kind, DataKind::External { argv, working_dir }
        if argv == &["cat", "url.txt"] && working_dir == std::path::Path::new("proj"))
    );
    resolved.insert("external/url".into(), Value::from("sqlite://t.db"));
    let second = round(&resolved);
    assert_eq!(second.len(), 1);
    assert!(matches!(&second[0].kind, DataKind::Sql { url, args, .. }
        if url == "sqlite://t.db" && args == &[Value::from("a%")]));
    let values: Value = [
        ("count".to_string(), Value::from(1)),
        (
            "values".to_string(),
            Value::Array(vec![Value::from("acme")]),
        ),
        ("value".to_string(), Value::from("acme")),
    ]
    .into_iter()
    .collect();
    resolved.insert("sql/tenants".into(), values);
    let third = round(&resolved);
    assert!(
        matches!(&third[0].kind, DataKind::TemplateDir { path, vars }
        if path == std::path::Path::new("proj/migrations")
            && vars == &hcl::value!({ tenants = ["acme"] }))
    );
    resolved.insert(
        "template_dir/migrations".into(),
        [("url".to_string(), Value::from("file:///tmp/r"))]
            .into_iter()
            .collect(),
    );
    match load_with(&source, "dev", &inputs, &resolved) {
        Ok(Loaded::Env(env)) => assert_eq!(env.migration.dir.as_deref(), Some("file:///tmp/r")),
        other => panic!("{other:?}"),
    }
}
