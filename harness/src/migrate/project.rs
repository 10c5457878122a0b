//! `--env NAME` / `-c file://atlas.hcl`: the selected env of the project file fills in the
//! settings the command line left out (the command line always wins).
//!
//! The env's schema sources are resolved here: URLs go to `--url` as if typed, the output of
//! `external_schema` programs and the dev block's `baseline` become SQL applied before them.

use std::collections::BTreeMap;
use std::path::PathBuf;

use dbassay_dsl::hcl::{CaseKind, HclValue, Inputs, Sql};
use dbassay_dsl::project::{self, SchemaSource};
use dbassay_dsl::source::SourceFile;

/// The command-line settings an env may fill in.
pub struct Settings<'a> {
    pub config: Option<&'a str>,
    pub env: Option<&'a str>,
    pub dev_urls: &'a mut Vec<String>,
    pub schema: &'a mut Vec<String>,
    pub dir: &'a mut Option<String>,
    pub dir_format: &'a mut Option<String>,
    pub revisions_schema: &'a mut Option<String>,
    /// Test paths from `test { schema|migrate { src } }`, filled when empty.
    pub paths: &'a mut Vec<String>,
    /// SQL applied before the `schema` URLs: the dev block's `baseline`, then what
    /// `external_schema` programs printed (filled only when the env supplies the schema).
    pub schema_sql: &'a mut Vec<Sql>,
    /// The dev block's `baseline`, for migrate cases (run before the first migration).
    pub migration_baseline: &'a mut Vec<Sql>,
}

/// Loads the env and fills `settings`; returns the typed `vars` for the test files. `kind` is
/// the command (`schema test`, `migrate test`, or both for `assay test`).
pub fn apply(
    settings: &mut Settings<'_>,
    vars: &[(String, String)],
    kind: Option<CaseKind>,
) -> Result<BTreeMap<String, HclValue>, String> {
    let name = settings
        .env
        .ok_or("-c/--config needs --env NAME: the env block to use")?;
    let path = PathBuf::from(
        settings
            .config
            .map_or("atlas.hcl", |c| c.strip_prefix("file://").unwrap_or(c)),
    );
    let source = SourceFile::read(&path).map_err(|e| {
        format!("{e}\n  --env reads the project file atlas.hcl in the working directory; give another with -c file://path")
    })?;
    let inputs = Inputs {
        vars: vars.to_vec(),
        ..Inputs::default()
    };
    // Loaded in rounds: each names the data sources (`sql`, `external`, `template_dir`) it
    // needs a value of; every round evaluates at least one, so there are at most as many
    // rounds as data blocks.
    let mut resolved = project::Resolved::new();
    let env = loop {
        let loaded = project::load_with(&source, name, &inputs, &resolved).map_err(|errors| {
            errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        })?;
        match loaded {
            project::Loaded::Env(env) => break *env,
            project::Loaded::Needs(requests) => {
                for r in requests {
                    let value = super::data_sources::evaluate(&r)?;
                    resolved.insert(r.key.clone(), value);
                }
            }
        }
    };
    // A dev block's baseline goes with its URL: not with a --dev-url given instead.
    let baseline = if settings.dev_urls.is_empty() {
        env.baseline.clone()
    } else {
        None
    };
    if settings.dev_urls.is_empty()
        && let Some(dev) = env.dev.filter(|d| !d.is_empty())
    {
        settings.dev_urls.push(dev);
    }
    // (assay) The baseline runs before the desired schema of schema cases; the printed SQL of
    // programs runs before the env's file sources, in the order written.
    if matches!(kind, None | Some(CaseKind::Schema)) {
        settings.schema_sql.extend(baseline.clone());
    }
    if settings.schema.is_empty() && matches!(kind, None | Some(CaseKind::Schema)) {
        for src in &env.src {
            match src {
                SchemaSource::Url(url) => settings.schema.push(url.clone()),
                SchemaSource::Program(p) => {
                    settings.schema_sql.push(super::schema_program::run(p)?)
                }
            }
        }
    }
    if matches!(kind, None | Some(CaseKind::Migrate)) {
        settings.migration_baseline.extend(baseline);
    }
    fill(settings.dir, env.migration.dir);
    fill(settings.dir_format, env.migration.format);
    fill(settings.revisions_schema, env.migration.revisions_schema);
    let mut values = BTreeMap::new();
    // Plan tests are listed with the schema tests (`test { schema { src } }`), as in Atlas.
    for (kinds, config) in [
        (&[CaseKind::Schema, CaseKind::Plan][..], env.test_schema),
        (&[CaseKind::Migrate][..], env.test_migrate),
        (&[CaseKind::Script][..], env.test_script),
    ] {
        if kind.is_some_and(|want| !kinds.contains(&want)) {
            continue;
        }
        settings.paths.extend(config.src);
        values.extend(config.vars);
    }
    Ok(values)
}

fn fill(slot: &mut Option<String>, value: Option<String>) {
    if slot.is_none() {
        *slot = value.filter(|v| !v.is_empty());
    }
}
