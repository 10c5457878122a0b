//! Every kind of bad input is an error at `file:line:col` that names the construct and what to
//! do: unknown blocks and attributes, dangling references, types a dialect lacks, constructs
//! assay does not translate, objects a dialect has no statement for, cycles, variables.

use super::*;
use crate::hcl::Inputs;
use crate::source::SourceFile;

fn parse_errors(text: &str) -> Vec<String> {
    match parse(&[SourceFile::new("schema.hcl", text)], &Inputs::default()) {
        Ok(_) => panic!("expected parse errors"),
        Err(e) => e.iter().map(|e| e.to_string()).collect(),
    }
}

fn render_errors(dialect: Dialect, text: &str) -> Vec<String> {
    let s = match parse(&[SourceFile::new("schema.hcl", text)], &Inputs::default()) {
        Ok(s) => s,
        Err(e) => panic!("parse errors: {e:#?}"),
    };
    match render(&s, dialect) {
        Ok(out) => panic!("expected render errors, got DDL:\n{out}"),
        Err(e) => e.iter().map(|e| e.to_string()).collect(),
    }
}

/// A schema "public" (line 1) and a table "t" (line 2) whose body starts on line 4.
fn in_table(body: &str) -> String {
    format!("schema \"public\" {{}}\ntable \"t\" {{\n  schema = schema.public\n{body}\n}}\n")
}

#[test]
fn an_unknown_top_level_block_suggests_the_right_one() {
    assert_eq!(
        parse_errors("schema \"public\" {}\ntabel \"t\" {\n}\n"),
        [
            "schema.hcl:2:1: unknown block `tabel` at the top level of a schema file; did you mean `table`? \
          (allowed: schema, table, view, materialized, enum, domain, sequence, extension, function, procedure, trigger, variable, locals)"
        ]
    );
}

#[test]
fn an_unknown_attribute_names_the_block_and_the_allowed_ones() {
    let errors = parse_errors(&in_table(
        "  column \"a\" {\n    type = int\n    nul = true\n  }",
    ));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with(
            "schema.hcl:6:5: unknown attribute `nul` in column \"a\"; did you mean `null`?"
        ),
        "{errors:?}"
    );
}

#[test]
fn an_unknown_nested_block_is_an_error() {
    let errors = parse_errors(&in_table("  colum \"a\" {\n    type = int\n  }"));
    assert!(
        errors[0].starts_with(
            "schema.hcl:4:3: unknown block `colum` in table \"t\"; did you mean `column`?"
        ),
        "{errors:?}"
    );
}

#[test]
fn a_dangling_table_reference_lists_what_is_declared() {
    let errors = parse_errors(&in_table(
        "  column \"a\" {\n    type = int\n  }\n  foreign_key \"fk\" {\n    columns = [column.a]\n    ref_columns = [table.nope.column.id]\n  }",
    ));
    assert_eq!(
        errors,
        [
            "schema.hcl:9:20: dangling reference `table.nope.column.id`: no such table (declared: table.t); declare it or fix the name"
        ]
    );
}

#[test]
fn a_dangling_column_reference_lists_the_columns() {
    let errors = parse_errors(&in_table(
        "  column \"a\" {\n    type = int\n  }\n  primary_key {\n    columns = [column.b]\n  }",
    ));
    assert_eq!(
        errors,
        ["schema.hcl:8:16: `column.b`: table \"t\" has no column \"b\" (its columns: a)"]
    );
}

#[test]
fn a_dangling_type_reference_is_an_error() {
    let errors = parse_errors(&in_table("  column \"a\" {\n    type = enum.status\n  }"));
    assert_eq!(
        errors,
        [
            "schema.hcl:5:12: dangling reference `enum.status`: no such enum (no enum is declared); declare it or fix the name"
        ]
    );
}

#[test]
fn a_table_without_schema_says_how_to_set_it() {
    assert_eq!(
        parse_errors("table \"t\" {\n  column \"a\" {\n    type = int\n  }\n}\n"),
        [
            "schema.hcl:1:1: table \"t\" needs `schema = schema.<name>` (e.g. schema = schema.public)"
        ]
    );
}

#[test]
fn an_unknown_scoped_word_lists_the_allowed_ones() {
    let errors = parse_errors(&in_table(
        "  column \"a\" {\n    type = int\n  }\n  foreign_key \"fk\" {\n    columns = [column.a]\n    ref_columns = [column.a]\n    on_delete = CASCADES\n  }",
    ));
    assert_eq!(
        errors,
        [
            "schema.hcl:10:17: on_delete: unknown value `CASCADES` in foreign_key \"fk\"; use one of: NO_ACTION, RESTRICT, CASCADE, SET_NULL, SET_DEFAULT"
        ]
    );
}

#[test]
fn a_missing_type_is_an_error() {
    assert_eq!(
        parse_errors(&in_table("  column \"a\" {\n    null = true\n  }")),
        ["schema.hcl:4:3: column \"a\" needs `type` (e.g. type = int)"]
    );
}

#[test]
fn blocks_assay_does_not_translate_yet_say_so() {
    let errors = parse_errors(
        "schema \"public\" {}\npolicy \"p\" {\n}\ntable \"t\" {\n  schema = schema.public\n  exclude \"x\" {\n  }\n}\n",
    );
    assert_eq!(
        errors,
        [
            "schema.hcl:2:1: `policy` blocks are Atlas schema syntax that assay does not translate yet; create it in SQL (a migration file or a test's exec) or remove the block",
            "schema.hcl:6:3: `exclude` blocks are Atlas schema syntax that assay does not translate yet; create it in SQL (a migration file or a test's exec) or remove the block",
        ]
    );
}

#[test]
fn a_syntax_error_has_its_place() {
    let errors = parse_errors("schema \"public\" {\n  comment = \n}\n");
    assert_eq!(errors.len(), 1);
    assert!(errors[0].starts_with("schema.hcl:2:"), "{errors:?}");
    assert!(errors[0].contains("HCL syntax error"), "{errors:?}");
}

#[test]
fn a_missing_variable_is_an_error() {
    assert_eq!(
        parse_errors(
            "variable \"tenant\" {\n  type = string\n}\nschema \"s\" {\n  name = var.tenant\n}\n"
        ),
        ["schema.hcl:1:1: missing value for required variable \"tenant\""]
    );
}

#[test]
fn for_each_over_a_string_is_an_error() {
    assert_eq!(
        parse_errors(
            "schema \"public\" {}\nenum \"e\" {\n  for_each = \"x\"\n  schema = schema.public\n  values = [\"a\"]\n}\n"
        ),
        ["schema.hcl:3:14: for_each: expected a list, set or map, got \"x\""]
    );
}

#[test]
fn duplicate_objects_are_an_error() {
    let errors = parse_errors(&format!(
        "{}table \"t\" {{\n  schema = schema.public\n  column \"a\" {{\n    type = int\n  }}\n}}\n",
        in_table("  column \"a\" {\n    type = int\n  }")
    ));
    assert_eq!(
        errors,
        [
            "schema.hcl:8:1: table.t is declared twice (first at schema.hcl:2:1); give each a different name"
        ]
    );
}

#[test]
fn a_type_the_dialect_lacks_is_an_error_at_the_type() {
    let text = in_table(
        "  column \"a\" {\n    type = serial\n  }\n  column \"b\" {\n    type = geography\n  }",
    );
    assert_eq!(
        render_errors(Dialect::Mysql, &text),
        [
            "schema.hcl:5:12: type `serial` is not a MySQL/MariaDB type assay knows; write it as SQL: type = sql(\"serial\")",
            "schema.hcl:8:12: type `geography` is not a MySQL/MariaDB type assay knows; write it as SQL: type = sql(\"geography\")",
        ]
    );
    assert_eq!(
        render_errors(
            Dialect::Postgres,
            &in_table("  column \"a\" {\n    type = enum(\"x\")\n  }")
        ),
        [
            "schema.hcl:5:12: PostgreSQL has no inline enum type; declare enum \"name\" { schema = schema.public, values = […] } and write type = enum.name"
        ]
    );
    assert_eq!(
        render_errors(
            Dialect::Mysql,
            &in_table("  column \"a\" {\n    type = varchar\n  }")
        ),
        ["schema.hcl:5:12: type `varchar` needs a length: varchar(255)"]
    );
    assert_eq!(
        render_errors(
            Dialect::Postgres,
            &in_table("  column \"a\" {\n    type = text(10)\n  }")
        ),
        ["schema.hcl:5:12: type `text` takes no arguments"]
    );
    assert_eq!(
        render_errors(
            Dialect::Postgres,
            &in_table("  column \"a\" {\n    type = int\n    unsigned = true\n  }")
        ),
        [
            "schema.hcl:5:12: `unsigned` is a MySQL/MariaDB attribute; PostgreSQL has no unsigned types"
        ]
    );
}

#[test]
fn objects_a_dialect_has_no_statement_for_are_errors_at_their_blocks() {
    let text = "schema \"main\" {}\nenum \"e\" {\n  schema = schema.main\n  values = [\"a\"]\n}\nfunction \"f\" {\n  schema = schema.main\n  return = int\n  as = \"RETURN 1\"\n}\n";
    assert_eq!(
        render_errors(Dialect::Sqlite, text),
        [
            "schema.hcl:2:1: enum \"e\": SQLite has no enums; remove the block or keep it in a PostgreSQL/MySQL schema",
            "schema.hcl:6:1: function \"f\": SQLite has no functions; remove the block or keep it in a PostgreSQL/MySQL schema",
        ]
    );
    assert_eq!(
        render_errors(Dialect::Mysql, text),
        [
            "schema.hcl:2:1: enum \"e\": MySQL/MariaDB has no enum types; write the values on the column: type = enum(\"a\", \"b\")"
        ]
    );
}

#[test]
fn attributes_of_another_dialect_are_errors_not_dropped() {
    let text = in_table(
        "  engine = InnoDB\n  column \"a\" {\n    type = int\n    auto_increment = true\n  }",
    );
    assert_eq!(
        render_errors(Dialect::Postgres, &text),
        [
            "schema.hcl:5:3: column \"a\": `auto_increment` is a MySQL/MariaDB attribute; on PostgreSQL use identity { generated = ALWAYS } or type = serial",
            "schema.hcl:2:1: table \"t\": `engine` is not a PostgreSQL table option; remove it",
        ]
    );
}

#[test]
fn a_view_cycle_is_an_error() {
    let text = "schema \"public\" {}\nview \"a\" {\n  schema = schema.public\n  as = \"SELECT 1\"\n  depends_on = [view.b]\n}\nview \"b\" {\n  schema = schema.public\n  as = \"SELECT 1\"\n  depends_on = [view.a]\n}\n";
    assert_eq!(
        render_errors(Dialect::Postgres, text),
        [
            "schema.hcl:2:1: views depend on each other in a cycle (a → b); remove one of the depends_on"
        ]
    );
}

#[test]
fn a_postgres_trigger_without_a_function_is_an_error() {
    let text = in_table(
        "  column \"a\" {\n    type = int\n  }\n}\ntrigger \"tr\" {\n  on = table.t\n  after {\n    insert = true\n  }\n  as = \"BEGIN END\"",
    );
    let errors = render_errors(Dialect::Postgres, &text);
    assert_eq!(
        errors,
        [
            "schema.hcl:8:1: trigger \"tr\": PostgreSQL triggers run a function; add execute { function = function.<name> }",
            "schema.hcl:8:1: trigger \"tr\": `as` is for MySQL and SQLite trigger bodies; on PostgreSQL put the body in a function and use execute",
        ]
    );
}

#[test]
fn a_dangling_reference_inside_a_string_is_an_error() {
    assert_eq!(
        parse_errors(
            "schema \"public\" {}\nview \"v\" {\n  schema = schema.public\n  as = \"SELECT * FROM ${table.nope.name}\"\n}\n"
        ),
        [
            "schema.hcl:4:8: as: no such key: `nope` (nothing of that name is declared: check the reference against the labels of the blocks, variables and locals)"
        ]
    );
}

#[test]
fn attributes_assay_does_not_translate_yet_are_errors() {
    let errors = parse_errors(&in_table(
        "  column \"a\" {\n    type = int\n  }\n  check \"c\" {\n    expr = \"a > 0\"\n    comment = \"why\"\n  }",
    ));
    assert_eq!(
        errors,
        [
            "schema.hcl:9:15: `comment` in check \"c\" is Atlas syntax that assay does not translate yet; remove it (or set it in SQL)"
        ]
    );
}
