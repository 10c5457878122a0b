//! The typed schema model: what an Atlas HCL schema declares, with every reference resolved to
//! a schema-qualified name and every object carrying the place it was written.
//!
//! The model holds the union of what the three dialects accept; whether a dialect can express
//! a construct is decided when rendering (an error at the construct's location), not here.

use crate::source::Location;

/// An Atlas HCL schema: all files given are one schema (Atlas reads a directory as one).
#[derive(Clone, Debug, Default)]
pub struct Schema {
    pub schemas: Vec<SchemaDef>,
    pub extensions: Vec<Extension>,
    pub enums: Vec<Enum>,
    pub domains: Vec<Domain>,
    pub sequences: Vec<Sequence>,
    pub tables: Vec<Table>,
    pub views: Vec<View>,
    /// Functions and procedures, in file order.
    pub routines: Vec<Routine>,
    pub triggers: Vec<Trigger>,
}

/// A schema-qualified object name. `schema` is the name of the schema (after `name = …`
/// overrides), not the block label.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QualifiedName {
    pub schema: String,
    pub name: String,
}

/// `schema "name" { … }`.
#[derive(Clone, Debug)]
pub struct SchemaDef {
    pub name: String,
    pub comment: Option<String>,
    /// MySQL/MariaDB database options.
    pub charset: Option<String>,
    pub collate: Option<String>,
    pub location: Location,
}

/// A column or argument type as written.
#[derive(Clone, Debug, PartialEq)]
pub struct Type {
    pub kind: TypeKind,
    pub location: Location,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TypeKind {
    /// A registry name, possibly called: `int`, `varchar(255)`, `numeric(10,2)`,
    /// `enum("a","b")`. Arguments are kept as written (numbers as decimal text).
    Named { name: String, args: Vec<TypeArg> },
    /// `sql("…")`: type text passed through unchanged.
    Raw(String),
    /// `enum.x`, `domain.x`: a type the schema declares.
    Object(ObjectRef),
}

#[derive(Clone, Debug, PartialEq)]
pub enum TypeArg {
    Number(String),
    String(String),
}

/// A resolved reference to a declared object.
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectRef {
    pub kind: ObjectKind,
    pub name: QualifiedName,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    Schema,
    Table,
    View,
    Materialized,
    Enum,
    Domain,
    Sequence,
    Extension,
    Function,
    Procedure,
    Trigger,
}

impl ObjectKind {
    /// The block name that declares this kind of object.
    pub fn block(self) -> &'static str {
        match self {
            ObjectKind::Schema => "schema",
            ObjectKind::Table => "table",
            ObjectKind::View => "view",
            ObjectKind::Materialized => "materialized",
            ObjectKind::Enum => "enum",
            ObjectKind::Domain => "domain",
            ObjectKind::Sequence => "sequence",
            ObjectKind::Extension => "extension",
            ObjectKind::Function => "function",
            ObjectKind::Procedure => "procedure",
            ObjectKind::Trigger => "trigger",
        }
    }
}

/// A default value: an HCL literal or `sql("…")`.
#[derive(Clone, Debug, PartialEq)]
pub enum DefaultValue {
    /// An HCL string, taken as written (quoted by the renderer as the column type needs).
    String(String),
    /// An HCL number, as decimal text.
    Number(String),
    Bool(bool),
    /// `sql("…")`: SQL text passed through unchanged.
    Raw(String),
}

/// `table "name" { … }` or `table "qualifier" "name" { … }`.
#[derive(Clone, Debug)]
pub struct Table {
    pub name: QualifiedName,
    pub columns: Vec<Column>,
    pub primary_key: Option<PrimaryKey>,
    pub indexes: Vec<Index>,
    pub foreign_keys: Vec<ForeignKey>,
    pub checks: Vec<Check>,
    /// PostgreSQL `unique "u" { … }` table constraints.
    pub uniques: Vec<Unique>,
    pub comment: Option<String>,
    pub depends_on: Vec<ObjectRef>,
    /// MySQL/MariaDB table options.
    pub charset: Option<String>,
    pub collate: Option<String>,
    pub engine: Option<String>,
    pub auto_increment: Option<i64>,
    /// SQLite table options.
    pub strict: bool,
    pub without_rowid: bool,
    /// PostgreSQL `partition { … }`.
    pub partition: Option<Partition>,
    pub location: Location,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

#[derive(Clone, Debug)]
pub struct Column {
    pub name: String,
    pub ty: Type,
    /// `null = true`; an omitted `null` means NOT NULL (Atlas's default).
    pub null: bool,
    pub default: Option<DefaultValue>,
    pub auto_increment: bool,
    pub identity: Option<Identity>,
    pub generated: Option<Generated>,
    pub comment: Option<String>,
    /// MySQL/MariaDB.
    pub charset: Option<String>,
    /// MySQL/MariaDB; PostgreSQL `COLLATE`.
    pub collate: Option<String>,
    /// MySQL `ON UPDATE …` (from `sql("…")`).
    pub on_update: Option<String>,
    pub unsigned: bool,
    pub location: Location,
}

/// PostgreSQL `identity { generated = ALWAYS|BY_DEFAULT, start, increment }`.
#[derive(Clone, Debug, PartialEq)]
pub struct Identity {
    /// `ALWAYS` or `BY DEFAULT`.
    pub generated: String,
    pub start: Option<i64>,
    pub increment: Option<i64>,
}

/// `as = "expr"` or `as { expr = "…" type = STORED|VIRTUAL }`.
#[derive(Clone, Debug, PartialEq)]
pub struct Generated {
    pub expr: String,
    /// `STORED` or `VIRTUAL` (`PERSISTENT` is read as `STORED`); `None` means the dialect's
    /// default (PostgreSQL STORED, MySQL and SQLite VIRTUAL).
    pub storage: Option<String>,
}

#[derive(Clone, Debug)]
pub struct PrimaryKey {
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub location: Location,
}

#[derive(Clone, Debug)]
pub struct Index {
    pub name: String,
    pub unique: bool,
    pub parts: Vec<IndexPart>,
    /// `type = GIN|HASH|FULLTEXT|…`, upper-cased except for names a user spelled otherwise.
    pub method: Option<String>,
    pub where_clause: Option<String>,
    pub include: Vec<String>,
    /// PostgreSQL 15 `nulls_distinct = false` → `NULLS NOT DISTINCT`.
    pub nulls_distinct: Option<bool>,
    /// MySQL FULLTEXT `parser`.
    pub parser: Option<String>,
    pub comment: Option<String>,
    pub location: Location,
}

#[derive(Clone, Debug, PartialEq)]
pub struct IndexPart {
    pub target: IndexTarget,
    pub desc: bool,
    /// PostgreSQL operator class.
    pub ops: Option<String>,
    /// PostgreSQL `nulls_first` / `nulls_last`: `Some(true)` means NULLS FIRST.
    pub nulls_first: Option<bool>,
    /// MySQL prefix length.
    pub prefix: Option<i64>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum IndexTarget {
    Column(String),
    Expr(String),
}

#[derive(Clone, Debug)]
pub struct ForeignKey {
    pub name: String,
    pub columns: Vec<String>,
    pub ref_table: QualifiedName,
    pub ref_columns: Vec<String>,
    /// `NO ACTION`, `RESTRICT`, `CASCADE`, `SET NULL`, `SET DEFAULT`.
    pub on_update: Option<String>,
    pub on_delete: Option<String>,
    pub location: Location,
}

#[derive(Clone, Debug)]
pub struct Check {
    pub name: Option<String>,
    pub expr: String,
    /// MySQL `enforced = false` → `NOT ENFORCED`.
    pub enforced: Option<bool>,
    pub location: Location,
}

/// PostgreSQL `unique "u" { columns = […] }`.
#[derive(Clone, Debug)]
pub struct Unique {
    pub name: String,
    pub columns: Vec<String>,
    pub include: Vec<String>,
    pub nulls_distinct: Option<bool>,
    pub location: Location,
}

/// PostgreSQL `partition { type = RANGE; columns = […] | by { … } }`.
#[derive(Clone, Debug)]
pub struct Partition {
    pub method: String,
    pub parts: Vec<IndexTarget>,
    pub location: Location,
}

/// `view` or `materialized`.
#[derive(Clone, Debug)]
pub struct View {
    pub name: QualifiedName,
    pub materialized: bool,
    pub columns: Vec<String>,
    /// The `as` query, without trailing whitespace and `;`.
    pub query: String,
    pub depends_on: Vec<ObjectRef>,
    pub comment: Option<String>,
    /// `LOCAL` or `CASCADED`.
    pub check_option: Option<String>,
    /// MySQL `DEFINER` or `INVOKER`.
    pub security: Option<String>,
    /// Indexes of a materialized view.
    pub indexes: Vec<Index>,
    pub location: Location,
}

/// PostgreSQL `enum "e" { values = […] }`.
#[derive(Clone, Debug)]
pub struct Enum {
    pub name: QualifiedName,
    pub values: Vec<String>,
    pub comment: Option<String>,
    pub location: Location,
}

/// PostgreSQL `domain "d" { type, null, default, check }`.
#[derive(Clone, Debug)]
pub struct Domain {
    pub name: QualifiedName,
    pub ty: Type,
    pub null: bool,
    pub default: Option<DefaultValue>,
    pub checks: Vec<Check>,
    pub comment: Option<String>,
    pub location: Location,
}

/// PostgreSQL `sequence "s" { … }`.
#[derive(Clone, Debug)]
pub struct Sequence {
    pub name: QualifiedName,
    pub ty: Option<Type>,
    pub start: Option<i64>,
    pub increment: Option<i64>,
    pub min_value: Option<i64>,
    pub max_value: Option<i64>,
    pub cache: Option<i64>,
    pub cycle: bool,
    /// `owner = table.t.column.c`.
    pub owner: Option<(QualifiedName, String)>,
    pub comment: Option<String>,
    pub location: Location,
}

/// PostgreSQL `extension "x" { schema, version }`.
#[derive(Clone, Debug)]
pub struct Extension {
    pub name: String,
    pub schema: Option<String>,
    pub version: Option<String>,
    pub depends_on: Vec<ObjectRef>,
    pub location: Location,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoutineKind {
    Function,
    Procedure,
}

/// `function` or `procedure`.
#[derive(Clone, Debug)]
pub struct Routine {
    pub kind: RoutineKind,
    pub name: QualifiedName,
    pub args: Vec<Arg>,
    pub returns: Option<Returns>,
    /// PostgreSQL `lang`, lower-cased (`sql`, `plpgsql`).
    pub lang: Option<String>,
    /// The `as` body, as written.
    pub body: String,
    /// PostgreSQL `VOLATILE`/`STABLE`/`IMMUTABLE`.
    pub volatility: Option<String>,
    pub strict: bool,
    /// `DEFINER` / `INVOKER`.
    pub security: Option<String>,
    pub leakproof: bool,
    /// `SAFE` / `UNSAFE` / `RESTRICTED`.
    pub parallel: Option<String>,
    /// MySQL.
    pub deterministic: Option<bool>,
    /// MySQL `CONTAINS SQL`, `NO SQL`, `READS SQL DATA`, `MODIFIES SQL DATA`.
    pub data_access: Option<String>,
    pub comment: Option<String>,
    pub depends_on: Vec<ObjectRef>,
    pub location: Location,
}

#[derive(Clone, Debug)]
pub struct Arg {
    pub name: Option<String>,
    pub ty: Type,
    /// `IN`, `OUT`, `INOUT`, `VARIADIC`.
    pub mode: Option<String>,
    pub default: Option<DefaultValue>,
}

#[derive(Clone, Debug)]
pub enum Returns {
    Type(Type),
    SetOf(Type),
    Table(Vec<(String, Type)>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timing {
    Before,
    After,
    InsteadOf,
}

/// `trigger "t" { on = table.x; before|after|instead_of { … } … }`.
#[derive(Clone, Debug)]
pub struct Trigger {
    pub name: String,
    /// The table or view it fires on.
    pub on: ObjectRef,
    pub timing: Timing,
    pub insert: bool,
    pub update: bool,
    pub delete: bool,
    pub truncate: bool,
    pub update_of: Vec<String>,
    /// `for = ROW` → true, `STATEMENT` → false.
    pub for_each_row: Option<bool>,
    pub when: Option<String>,
    /// PostgreSQL `execute { function = function.f, args = […] }`.
    pub execute: Option<(ObjectRef, Vec<String>)>,
    /// MySQL/SQLite `as` body.
    pub body: Option<String>,
    /// MySQL `follows` / `precedes` another trigger: (`FOLLOWS`|`PRECEDES`, name).
    pub order: Option<(String, String)>,
    pub comment: Option<String>,
    pub location: Location,
}
