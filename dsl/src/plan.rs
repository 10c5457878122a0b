//! Atlas migration plan files (`*.plan.hcl`), as `apply { url }` of a `test "plan"` case reads
//! them:
//!
//! ```hcl
//! plan "20260613061102" {
//!   from      = "SMKH4vp9zdHDtpr9NrB4Li3n8x0meA3QrnRdJZuDQDM="  # the state it starts from
//!   to        = "oCvOMG7NOE+XUz04UA674zNYVdrN3qoFkJDZPKLPGA0="  # the state it ends in
//!   migration = <<-SQL
//!     ALTER TABLE users ADD COLUMN email text;
//!   SQL
//! }
//! ```

use hcl::edit::Span as _;
use hcl::edit::structure::{Attribute, Structure};

use crate::hcl::{Sql, eval_support as support};
use crate::source::{Error, Location, SourceFile};

/// One plan: its name, the fingerprints it moves between, and its SQL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanFile {
    pub name: String,
    pub from: String,
    pub to: String,
    pub migration: Sql,
    /// The `plan` block.
    pub location: Location,
    /// The `from` attribute's value, for a mismatch error.
    pub from_location: Location,
}

/// Reads the one `plan` block of a plan file.
pub fn parse(source: &SourceFile) -> Result<PlanFile, Vec<Error>> {
    let body = crate::hcl::parse::parse_body(source).map_err(|e| vec![e])?;
    let plans: Vec<_> = body
        .iter()
        .filter_map(|s| match s {
            Structure::Block(b) if b.ident.as_str() == "plan" => Some(b),
            _ => None,
        })
        .collect();
    let [block] = plans.as_slice() else {
        return Err(vec![Error::new(
            Location::file(source.path()),
            format!(
                "a plan file holds exactly one `plan \"NAME\" {{ from = … to = … migration = … }}` block; this one has {}",
                plans.len()
            ),
        )]);
    };
    let location = source.location(block.span().map_or(0, |s| s.start));
    let mut errors = Vec::new();
    let name = match block.labels.as_slice() {
        [label] => label.as_str().to_string(),
        _ => {
            errors.push(Error::new(
                location.clone(),
                "plan blocks take one label: plan \"NAME\" { … }",
            ));
            String::new()
        }
    };
    let ctx = crate::hcl::arith::context();
    let mut get = |key: &str| -> Option<(String, &Attribute)> {
        let Some(a) = block.body.iter().find_map(|s| match s {
            Structure::Attribute(a) if a.key.as_str() == key => Some(a),
            _ => None,
        }) else {
            errors.push(Error::new(
                location.clone(),
                format!("plan block is missing the required attribute `{key}`"),
            ));
            return None;
        };
        let compiled = support::compile(source, a);
        match support::eval(&compiled, source, &ctx) {
            Ok(v) => match support::to_string(&v) {
                Some(s) => Some((s, a)),
                None => {
                    errors.push(Error::new(
                        source.location(a.value.span().map_or(0, |s| s.start)),
                        format!("{key}: expected a string, got {}", support::show(&v)),
                    ));
                    None
                }
            },
            Err(e) => {
                errors.push(e);
                None
            }
        }
    };
    let from = get("from");
    let to = get("to");
    let migration = get("migration");
    let (Some((from, from_attr)), Some((to, _)), Some((text, sql_attr))) = (from, to, migration)
    else {
        return Err(errors);
    };
    let (start, exact) = support::text_start(&support::compile(source, sql_attr), source);
    let from_location = source.location(from_attr.value.span().map_or(0, |s| s.start));
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(PlanFile {
        name,
        from,
        to,
        migration: Sql {
            text,
            start,
            exact,
            origins: Vec::new(),
        },
        location,
        from_location,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_plan_block() {
        let text = "plan \"v2\" {\n  from = \"a\"\n  to   = \"b\"\n  migration = <<SQL\nALTER TABLE t ADD COLUMN c int;\nSQL\n}\n";
        let p = parse(&SourceFile::new("x.plan.hcl", text)).unwrap();
        assert_eq!(
            (p.name.as_str(), p.from.as_str(), p.to.as_str()),
            ("v2", "a", "b")
        );
        assert_eq!(p.migration.text, "ALTER TABLE t ADD COLUMN c int;\n");
        assert_eq!((p.migration.start.line, p.migration.exact), (5, true));
        assert_eq!(p.from_location.to_string(), "x.plan.hcl:2:10");
    }

    #[test]
    fn errors_name_the_place() {
        let e = parse(&SourceFile::new(
            "x.plan.hcl",
            "plan \"v2\" {\n  from = \"a\"\n}\n",
        ))
        .unwrap_err();
        let text: Vec<String> = e.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            text,
            [
                "x.plan.hcl:1:1: plan block is missing the required attribute `to`",
                "x.plan.hcl:1:1: plan block is missing the required attribute `migration`"
            ]
        );
        let e = parse(&SourceFile::new("x.plan.hcl", "env \"x\" {}\n")).unwrap_err();
        assert!(e[0].to_string().contains("exactly one `plan"), "{:?}", e);
    }
}
