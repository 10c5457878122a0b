//! Types per dialect: the registry names Atlas accepts in `type = …` and the SQL each becomes
//! (docs/schemas.md, "Types"). A name the dialect lacks is an error at the type saying what to write instead;
//! `sql("…")` text is passed through unchanged.

use super::model::{ObjectKind, Type, TypeArg, TypeKind};
use super::render::Ddl;
use crate::dialect::Dialect;

/// The SQL for a type, or `None` after recording an error. `unsigned` is the column's
/// `unsigned = true` (MySQL).
pub(super) fn sql_type(ddl: &mut Ddl, t: &Type, unsigned: bool) -> Option<String> {
    let result = match &t.kind {
        TypeKind::Raw(s) => Ok(s.trim().to_string()),
        TypeKind::Object(o) => match ddl.dialect {
            Dialect::Postgres => Ok(ddl.name(&o.name)),
            d => Err(format!(
                "{} has no {} types; {}",
                dialect_name(d),
                o.kind.block(),
                if o.kind == ObjectKind::Enum && d == Dialect::Mysql {
                    "write the values inline: type = enum(\"a\", \"b\")"
                } else {
                    "use a built-in type"
                }
            )),
        },
        TypeKind::Named { name, args } => match ddl.dialect {
            Dialect::Postgres => postgres(name, args),
            Dialect::Mysql => mysql(name, args),
            Dialect::Sqlite => sqlite(name, args),
        },
    };
    let sql = match result {
        Ok(s) => s,
        Err(msg) => {
            ddl.error(&t.location, msg);
            return None;
        }
    };
    if unsigned {
        if ddl.dialect != Dialect::Mysql {
            ddl.error(
                &t.location,
                format!(
                    "`unsigned` is a MySQL/MariaDB attribute; {} has no unsigned types",
                    dialect_name(ddl.dialect)
                ),
            );
            return None;
        }
        if !super::render::numeric_type(&sql) || sql.starts_with("bool") {
            ddl.error(
                &t.location,
                format!("`unsigned` applies to numeric types, not {sql}"),
            );
            return None;
        }
        return Some(format!("{sql} unsigned"));
    }
    Some(sql)
}

pub(super) fn dialect_name(d: Dialect) -> &'static str {
    match d {
        Dialect::Postgres => "PostgreSQL",
        Dialect::Mysql => "MySQL/MariaDB",
        Dialect::Sqlite => "SQLite",
    }
}

fn nums(args: &[TypeArg]) -> Result<Vec<String>, String> {
    args.iter()
        .map(|a| match a {
            TypeArg::Number(n) => Ok(n.clone()),
            TypeArg::String(s) => Err(format!("expected a number, got {s:?}")),
        })
        .collect()
}

/// `name`, `name(a)` or `name(a,b)` with at most `max` numeric arguments.
fn with_args(sql: &str, name: &str, args: &[TypeArg], max: usize) -> Result<String, String> {
    if args.len() > max {
        return Err(if max == 0 {
            format!("type `{name}` takes no arguments")
        } else {
            format!("type `{name}` takes at most {max} argument(s)")
        });
    }
    let n = nums(args).map_err(|e| format!("type `{name}`: {e}"))?;
    Ok(if n.is_empty() {
        sql.to_string()
    } else {
        format!("{sql}({})", n.join(","))
    })
}

fn unknown(name: &str, d: Dialect) -> String {
    format!(
        "type `{name}` is not a {} type assay knows; write it as SQL: type = sql(\"{name}\")",
        dialect_name(d)
    )
}

fn postgres(name: &str, args: &[TypeArg]) -> Result<String, String> {
    let plain = |sql: &str| with_args(sql, name, args, 0);
    match name {
        "int" | "integer" | "int4" => plain("integer"),
        "smallint" | "int2" => plain("smallint"),
        "bigint" | "int8" => plain("bigint"),
        "serial" | "serial4" => plain("serial"),
        "smallserial" | "serial2" => plain("smallserial"),
        "bigserial" | "serial8" => plain("bigserial"),
        "numeric" | "decimal" => with_args("numeric", name, args, 2),
        "real" | "float4" => plain("real"),
        "double_precision" | "float8" => plain("double precision"),
        "float" => {
            let n = nums(args)?;
            match n.as_slice() {
                [] => Ok("double precision".into()),
                [p] if p.parse::<u32>().is_ok_and(|p| p <= 24) => Ok("real".into()),
                [_] => Ok("double precision".into()),
                _ => Err("type `float` takes one argument (precision)".into()),
            }
        }
        "text" | "bytea" | "uuid" | "json" | "jsonb" | "xml" | "money" | "hstore" | "tsvector"
        | "tsquery" | "date" | "inet" | "cidr" | "macaddr" | "macaddr8" | "point" | "line"
        | "lseg" | "box" | "path" | "polygon" | "circle" | "int4range" | "int8range"
        | "numrange" | "tsrange" | "tstzrange" | "daterange" | "int4multirange"
        | "int8multirange" | "nummultirange" | "tsmultirange" | "tstzmultirange"
        | "datemultirange" | "xid" | "xid8" | "oid" | "regclass" | "regcollation"
        | "regconfig" | "regdictionary" | "regnamespace" | "regoper" | "regoperator"
        | "regproc" | "regprocedure" | "regrole" | "regtype" | "any" | "anyelement"
        | "anyarray" | "anynonarray" | "anyenum" | "internal" | "record" | "trigger"
        | "event_trigger" | "void" | "unknown" | "name" | "bpchar" | "pg_lsn" | "txid_snapshot"
        | "citext" => plain(name),
        "boolean" | "bool" => plain("boolean"),
        "varchar" | "character_varying" => with_args("character varying", name, args, 1),
        "char" | "character" => with_args("character", name, args, 1),
        "time" | "timetz" | "timestamp" | "timestamptz" | "interval" => {
            let n = nums(args)?;
            match n.as_slice() {
                [] => Ok(name.to_string()),
                [p] if p == "6" && name != "interval" => Ok(name.to_string()),
                [p] => Ok(format!("{name}({p})")),
                _ => Err(format!("type `{name}` takes one argument (precision)")),
            }
        }
        "bit" => with_args("bit", name, args, 1),
        "bit_varying" => with_args("bit varying", name, args, 1),
        "enum" => Err(
            "PostgreSQL has no inline enum type; declare enum \"name\" { schema = schema.public, values = […] } and write type = enum.name".into(),
        ),
        _ => Err(unknown(name, Dialect::Postgres)),
    }
}

fn mysql(name: &str, args: &[TypeArg]) -> Result<String, String> {
    let plain = |sql: &str| with_args(sql, name, args, 0);
    match name {
        "bool" | "boolean" => plain("bool"),
        // Display widths are deprecated in MySQL 8 and dropped (as Atlas does).
        "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint" => {
            nums(args).map_err(|e| format!("type `{name}`: {e}"))?;
            if args.len() > 1 {
                return Err(format!(
                    "type `{name}` takes at most one argument (display width)"
                ));
            }
            Ok(if name == "integer" { "int" } else { name }.to_string())
        }
        "decimal" | "numeric" => with_args("decimal", name, args, 2),
        "float" => with_args("float", name, args, 2),
        "double" | "real" | "double_precision" => with_args("double", name, args, 2),
        "bit" | "char" | "binary" | "text" | "blob" | "time" | "datetime" | "timestamp" => {
            with_args(name, name, args, 1)
        }
        "varchar" | "varbinary" => {
            if args.len() != 1 {
                return Err(format!("type `{name}` needs a length: {name}(255)"));
            }
            with_args(name, name, args, 1)
        }
        "tinytext" | "mediumtext" | "longtext" | "tinyblob" | "mediumblob" | "longblob"
        | "date" | "year" | "json" | "geometry" | "point" | "multipoint" | "linestring"
        | "multilinestring" | "polygon" | "multipolygon" | "geometrycollection" | "inet4"
        | "inet6" | "uuid" => plain(name),
        "enum" | "set" => {
            if args.is_empty() {
                return Err(format!(
                    "type `{name}` needs its values: {name}(\"a\", \"b\")"
                ));
            }
            let values: Vec<String> = args
                .iter()
                .map(|a| match a {
                    TypeArg::String(s) | TypeArg::Number(s) => Dialect::Mysql.quote_str(s),
                })
                .collect();
            Ok(format!("{name}({})", values.join(",")))
        }
        _ => Err(unknown(name, Dialect::Mysql)),
    }
}

fn sqlite(name: &str, args: &[TypeArg]) -> Result<String, String> {
    match name {
        "integer" | "int" | "tinyint" | "smallint" | "mediumint" | "bigint" | "int2" | "int8"
        | "uint64" | "real" | "double" | "float" | "text" | "blob" | "bool" | "boolean"
        | "date" | "datetime" | "json" | "jsonb" | "uuid" | "clob" => {
            with_args(name, name, args, 0)
        }
        "unsigned_big_int" => with_args("unsigned big int", name, args, 0),
        "double_precision" => with_args("double precision", name, args, 0),
        // Sizes are kept as written: SQLite ignores them, and the declared type stays visible.
        "numeric" | "decimal" => with_args(name, name, args, 2),
        "varchar" | "character" | "nchar" | "nvarchar" => with_args(name, name, args, 1),
        "varying_character" => with_args("varying character", name, args, 1),
        "native_character" => with_args("native character", name, args, 1),
        _ => Err(unknown(name, Dialect::Sqlite)),
    }
}
