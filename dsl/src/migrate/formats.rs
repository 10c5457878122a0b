//! Listing and reading the files of each directory format (docs/migrations.md, "Migration directories").

use std::cmp::Ordering;
use std::path::{Path, PathBuf};

use super::directive::{self, Fail};
use super::{Body, CheckSection, FileKind, Format, MigrationFile, TxMode};
use crate::scan::Statement;
use crate::source::{Error, Location, SourceFile};

/// The files of a directory in the order they apply.
pub(super) fn read(dir: &Path, format: Format) -> Result<Vec<MigrationFile>, Error> {
    match format {
        Format::Atlas => {
            let mut names = top_level_sql(dir)?;
            names.sort();
            names.into_iter().map(|n| atlas_file(dir, n)).collect()
        }
        Format::GolangMigrate => {
            let mut files = Vec::new();
            for name in top_level_sql(dir)? {
                let Some(stem) = name.strip_suffix(".up.sql") else {
                    continue;
                };
                // golang-migrate's own rule: `<digits>_<anything>.up.sql`; other names are not
                // migrations to it.
                let Some((version, desc)) = stem.split_once('_') else {
                    continue;
                };
                if version.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) {
                    continue;
                }
                let (version, desc) = (version.to_string(), desc.to_string());
                let mut f = atlas_file(dir, name)?;
                f.version = version;
                f.description = desc;
                files.push(f);
            }
            files.sort_by(|a, b| {
                numeric_cmp(&a.version, &b.version).then_with(|| a.name.cmp(&b.name))
            });
            Ok(files)
        }
        Format::Goose => {
            let mut files = Vec::new();
            for name in top_level_sql(dir)? {
                let path = dir.join(&name);
                let text = read_text(&path)?;
                let (version, description) = split_name(&name);
                if version.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(Error::new(
                        Location::file(&path),
                        format!(
                            "goose file {name:?} has no numeric version: name it like `20240101120000_{description}.sql`"
                        ),
                    ));
                }
                let (stmts, txmode) =
                    goose_up(&text).map_err(|(at, m)| at_offset(&path, &text, at, m))?;
                let mut f = plain_file(path, name, version, description, text);
                f.txmode = txmode;
                f.sum_ignore = directive::sum_ignore(&f.text);
                f.body = Body::Cut(stmts);
                files.push(f);
            }
            files.sort_by(|a, b| {
                numeric_cmp(&a.version, &b.version).then_with(|| a.name.cmp(&b.name))
            });
            Ok(files)
        }
        Format::Dbmate => {
            let mut names = top_level_sql(dir)?;
            names.sort();
            let mut files = Vec::new();
            for name in names {
                let path = dir.join(&name);
                let text = read_text(&path)?;
                let (version, description) = split_name(&name);
                let (range, txmode) =
                    dbmate_up(&text).map_err(|(at, m)| at_offset(&path, &text, at, m))?;
                let mut f = plain_file(path, name, version, description, text);
                f.txmode = txmode;
                f.sum_ignore = directive::sum_ignore(&f.text);
                f.body = Body::Scan(range);
                files.push(f);
            }
            Ok(files)
        }
        Format::Flyway => flyway(dir),
    }
}

/// An error at a byte offset of a file being read.
fn at_offset(path: &Path, text: &str, at: usize, message: String) -> Error {
    Error::new(SourceFile::new(path, text).location(at), message)
}

fn read_text(path: &Path) -> Result<String, Error> {
    let bytes = std::fs::read(path)
        .map_err(|e| Error::new(Location::file(path), format!("cannot read file: {e}")))?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let text = String::from_utf8_lossy(&e.into_bytes()[..at]).into_owned();
        at_offset(
            path,
            &text,
            at,
            "the file is not UTF-8: save it as UTF-8".into(),
        )
    })
}

/// The names of the regular `*.sql` files directly in `dir`.
fn top_level_sql(dir: &Path) -> Result<Vec<String>, Error> {
    let mut names = Vec::new();
    for entry in read_dir(dir)? {
        let (path, name, is_file) = entry?;
        let name = name_string(&path, name)?;
        if is_file && name.ends_with(".sql") {
            names.push(name);
        }
    }
    Ok(names)
}

type Entry = Result<(PathBuf, std::ffi::OsString, bool), Error>;

fn read_dir(dir: &Path) -> Result<impl Iterator<Item = Entry>, Error> {
    let it = std::fs::read_dir(dir).map_err(|e| {
        Error::new(
            Location::file(dir),
            format!("cannot read migration directory: {e}; check the `dir` path"),
        )
    })?;
    Ok(it.map(move |entry| {
        let entry = entry.map_err(|e| {
            Error::new(
                Location::file(dir),
                format!("cannot read migration directory: {e}"),
            )
        })?;
        let path = entry.path();
        // Follow symlinks: a linked file is a file.
        let meta = std::fs::metadata(&path)
            .map_err(|e| Error::new(Location::file(&path), format!("cannot read file: {e}")))?;
        Ok((path, entry.file_name(), meta.is_file()))
    }))
}

fn name_string(path: &Path, name: std::ffi::OsString) -> Result<String, Error> {
    name.into_string().map_err(|_| {
        Error::new(
            Location::file(path),
            "the file name is not UTF-8: rename it",
        )
    })
}

/// Atlas's name rule: version before the first `_`, description after it, `.sql` removed.
fn split_name(name: &str) -> (String, String) {
    let stem = name.strip_suffix(".sql").unwrap_or(name);
    match stem.split_once('_') {
        Some((v, d)) => (v.to_string(), d.to_string()),
        None => (stem.to_string(), String::new()),
    }
}

fn plain_file(
    path: PathBuf,
    name: String,
    version: String,
    description: String,
    text: String,
) -> MigrationFile {
    let len = text.len();
    MigrationFile {
        name,
        path,
        version,
        description,
        kind: FileKind::Versioned,
        text,
        txmode: TxMode::File,
        delimiter: None,
        nolint: None,
        sum_ignore: false,
        checkpoint: None,
        body: Body::Scan(0..len),
        checks: Vec::new(),
    }
}

/// A file read the Atlas way: whole-file body, `atlas:` directives, `-- atlas:txtar` checks.
fn atlas_file(dir: &Path, name: String) -> Result<MigrationFile, Error> {
    let path = dir.join(&name);
    let text = read_text(&path)?;
    let (version, description) = split_name(&name);
    let fail = |(at, m): Fail| at_offset(&path, &text, at, m);
    let d = directive::file_directives(&text).map_err(fail)?;
    let mut checks = Vec::new();
    let mut body = 0..text.len();
    if let Some(from) = d.txtar {
        let archive = directive::archive(&text, from).map_err(fail)?;
        checks = archive
            .checks
            .into_iter()
            .map(|(name, oneof, range)| CheckSection { name, oneof, range })
            .collect();
        body = archive.migration;
    }
    let mut f = plain_file(path, name, version, description, text);
    f.txmode = d.txmode;
    f.delimiter = d.delimiter;
    f.nolint = d.nolint;
    f.sum_ignore = d.sum_ignore;
    f.checkpoint = d.checkpoint;
    f.body = Body::Scan(body);
    f.checks = checks;
    Ok(f)
}

/// Compares versions made of digits by their numbers (any width), then as text.
pub(super) fn numeric_cmp(a: &str, b: &str) -> Ordering {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if digits(a) && digits(b) {
        let (ta, tb) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
        ta.len()
            .cmp(&tb.len())
            .then_with(|| ta.cmp(tb))
            .then_with(|| a.cmp(b))
    } else {
        a.cmp(b)
    }
}

/// Flyway versions: numbers separated by `.` or `_`, compared part by part (`2` < `2.1` < `10`).
pub(super) fn flyway_version_cmp(a: &str, b: &str) -> Ordering {
    let parts = |s: &str| s.split(['.', '_']).map(str::to_string).collect::<Vec<_>>();
    let (pa, pb) = (parts(a), parts(b));
    for k in 0..pa.len().max(pb.len()) {
        let x = pa.get(k).map_or("0", String::as_str);
        let y = pb.get(k).map_or("0", String::as_str);
        let o = numeric_cmp(x, y);
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// The `-- +goose Up` section cut into statements the way goose cuts it: a
/// `StatementBegin`/`StatementEnd` block is one statement; elsewhere a statement ends at a line
/// whose last word before any `--` comment ends with `;`.
fn goose_up(text: &str) -> Result<(Vec<Statement>, TxMode), Fail> {
    #[derive(PartialEq)]
    enum State {
        Start,
        Up,
    }
    let mut state = State::Start;
    let mut txmode = TxMode::File;
    let mut stmts = Vec::new();
    let mut block: Option<usize> = None; // offset of the first line inside StatementBegin
    let mut pending: Option<usize> = None; // offset where the current statement starts
    let mut up_at = None;
    let mut at = 0;
    let mut line_no = 0;
    let mut lines_at = Vec::new(); // (offset, line number) to number statements
    let emit =
        |stmts: &mut Vec<Statement>, start: usize, end: usize, lines_at: &[(usize, usize)]| {
            let raw = &text[start..end];
            let lead = raw.len() - raw.trim_start().len();
            let body = raw.trim();
            if !body.is_empty() {
                let offset = start + lead;
                let line = lines_at
                    .iter()
                    .rev()
                    .find(|(o, _)| *o <= offset)
                    .map_or(1, |(_, l)| *l);
                stmts.push(Statement {
                    text: body.to_string(),
                    offset,
                    line,
                    comments: Vec::new(),
                });
            }
        };
    let mut finished = false;
    while at < text.len() && !finished {
        let end = text[at..].find('\n').map_or(text.len(), |n| at + n + 1);
        let line = &text[at..end];
        line_no += 1;
        lines_at.push((at, line_no));
        let t = line.trim();
        if let Some(cmd) = t.strip_prefix("-- +goose") {
            let cmd = cmd.trim().to_ascii_lowercase();
            match cmd.as_str() {
                "up" => {
                    if state == State::Up {
                        return Err((at, "a second `-- +goose Up`: keep one".into()));
                    }
                    state = State::Up;
                    up_at = Some(at);
                }
                "down" => {
                    if state != State::Up {
                        return Err((at, "unexpected `-- +goose Down` before `-- +goose Up`: put the Up section first".into()));
                    }
                    finished = true;
                    continue;
                }
                "statementbegin" => {
                    if state != State::Up {
                        return Err((
                            at,
                            "unexpected `-- +goose StatementBegin` before `-- +goose Up`".into(),
                        ));
                    }
                    if block.is_some() {
                        return Err((at, "unexpected `-- +goose StatementBegin` inside another: close it with `-- +goose StatementEnd`".into()));
                    }
                    if let Some(start) = pending.take() {
                        return Err((start, "unfinished statement before `-- +goose StatementBegin`: missing semicolon?".into()));
                    }
                    block = Some(end);
                }
                "statementend" => match block.take() {
                    Some(start) => emit(&mut stmts, start, at, &lines_at),
                    None => {
                        return Err((at, "unexpected `-- +goose StatementEnd` without `-- +goose StatementBegin`".into()));
                    }
                },
                "no transaction" => txmode = TxMode::None,
                "envsub on" | "envsub off" => {}
                _ => {
                    return Err((
                        at,
                        format!(
                            "unknown goose annotation {t:?}: use Up, Down, StatementBegin, StatementEnd or NO TRANSACTION"
                        ),
                    ));
                }
            }
            at = end;
            continue;
        }
        match state {
            State::Start => {
                if !t.is_empty() && !t.starts_with("--") {
                    return Err((
                        at,
                        "SQL before `-- +goose Up`: start the file with `-- +goose Up`".into(),
                    ));
                }
            }
            State::Up if block.is_some() => {}
            State::Up => {
                if pending.is_none() && !t.is_empty() && !t.starts_with("--") {
                    pending = Some(at);
                }
                if let Some(start) = pending
                    && !t.starts_with("--")
                    && ends_statement(t)
                {
                    emit(&mut stmts, start, end, &lines_at);
                    pending = None;
                }
            }
        }
        at = end;
    }
    if let Some(start) = block {
        return Err((
            start,
            "`-- +goose StatementBegin` is never closed: add `-- +goose StatementEnd`".into(),
        ));
    }
    if let Some(start) = pending {
        return Err((
            start,
            "unfinished SQL statement at the end of the Up section: missing semicolon?".into(),
        ));
    }
    if up_at.is_none() {
        return Err((
            0,
            "no `-- +goose Up` annotation: goose files start with `-- +goose Up`".into(),
        ));
    }
    Ok((stmts, txmode))
}

/// goose's rule: the last word before a `--` word ends with `;`.
fn ends_statement(line: &str) -> bool {
    let mut last = "";
    for word in line.split_whitespace() {
        if word.starts_with("--") {
            break;
        }
        last = word;
    }
    last.ends_with(';')
}

/// The `-- migrate:up` section of a dbmate file (up to `-- migrate:down`) and its transaction
/// option (`transaction:false`).
fn dbmate_up(text: &str) -> Result<(std::ops::Range<usize>, TxMode), Fail> {
    let mut up: Option<(usize, TxMode)> = None;
    let mut at = 0;
    while at < text.len() {
        let end = text[at..].find('\n').map_or(text.len(), |n| at + n + 1);
        let line = text[at..end].trim_end();
        if let Some(rest) = line.strip_prefix("--") {
            let rest = rest.trim_start();
            if let Some(opts) = rest.strip_prefix("migrate:up") {
                if up.is_some() {
                    return Err((at, "a second `-- migrate:up`: keep one".into()));
                }
                let mut tx = TxMode::File;
                for opt in opts.split_whitespace() {
                    match opt {
                        "transaction:false" => tx = TxMode::None,
                        "transaction:true" => tx = TxMode::File,
                        other => {
                            return Err((
                                at,
                                format!("unknown dbmate option {other:?}: use `transaction:false`"),
                            ));
                        }
                    }
                }
                up = Some((end, tx));
            } else if rest.starts_with("migrate:down") {
                return match up {
                    Some((start, tx)) => Ok((start..at, tx)),
                    None => Err((
                        at,
                        "`-- migrate:down` before `-- migrate:up`: put the up section first".into(),
                    )),
                };
            }
        }
        at = end;
    }
    match up {
        Some((start, tx)) => Ok((start..text.len(), tx)),
        None => Err((
            0,
            "no `-- migrate:up` line: dbmate files start with `-- migrate:up`".into(),
        )),
    }
}

/// Flyway: `V<ver>__<desc>.sql`, `B<ver>__<desc>.sql`, `R__<desc>.sql` anywhere below the
/// directory (hidden directories skipped). Order: the latest baseline, the versioned files after
/// it by version, then repeatables by description.
fn flyway(dir: &Path) -> Result<Vec<MigrationFile>, Error> {
    let mut found = Vec::new();
    walk(dir, dir, &mut found)?;
    let mut versioned = Vec::new();
    let mut baselines = Vec::new();
    let mut repeatable = Vec::new();
    for (path, name) in found {
        let base = name.rsplit('/').next().unwrap_or(&name).to_string();
        let Some(stem) = base.strip_suffix(".sql") else {
            continue;
        };
        let kind = match stem.as_bytes().first() {
            Some(b'V') => FileKind::Versioned,
            Some(b'B') => FileKind::Baseline,
            Some(b'R') => FileKind::Repeatable,
            _ => continue, // `U…` undo files and anything else are not applied
        };
        let Some((version, desc)) = stem[1..].split_once("__") else {
            continue;
        };
        if kind == FileKind::Repeatable && !version.is_empty() {
            continue;
        }
        if kind != FileKind::Repeatable
            && (version.is_empty()
                || !version
                    .split(['.', '_'])
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())))
        {
            return Err(Error::new(
                Location::file(&path),
                format!(
                    "flyway version {version:?} in {base:?} is not numbers separated by dots: name it like `V2.1__{desc}.sql`"
                ),
            ));
        }
        let (version, desc) = (version.to_string(), desc.to_string());
        let mut f = atlas_file_at(path, name)?;
        f.version = version;
        f.description = desc;
        f.kind = kind;
        match kind {
            FileKind::Versioned => versioned.push(f),
            FileKind::Baseline => baselines.push(f),
            FileKind::Repeatable => repeatable.push(f),
        }
    }
    let by_version =
        |a: &MigrationFile, b: &MigrationFile| flyway_version_cmp(&a.version, &b.version);
    versioned.sort_by(by_version);
    for pair in versioned.windows(2) {
        if by_version(&pair[0], &pair[1]) == Ordering::Equal {
            return Err(Error::new(
                Location::file(&pair[1].path),
                format!(
                    "flyway version {:?} is used by both {:?} and {:?}: give one a new version",
                    pair[1].version, pair[0].name, pair[1].name
                ),
            ));
        }
    }
    baselines.sort_by(by_version);
    let mut files = Vec::new();
    if let Some(baseline) = baselines.pop() {
        versioned.retain(|f| by_version(f, &baseline) == Ordering::Greater);
        files.push(baseline);
    }
    files.extend(versioned);
    repeatable.sort_by(|a, b| {
        a.description
            .cmp(&b.description)
            .then_with(|| a.name.cmp(&b.name))
    });
    // Atlas gives a repeatable the previous file's version plus `R`.
    let mut prev = files.last().map_or(String::new(), |f| f.version.clone());
    for mut f in repeatable {
        prev.push('R');
        f.version = prev.clone();
        files.push(f);
    }
    Ok(files)
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, String)>) -> Result<(), Error> {
    for entry in read_dir(dir)? {
        let (path, name, is_file) = entry?;
        let name = name_string(&path, name)?;
        if is_file {
            let rel = path.strip_prefix(root).unwrap_or(&path);
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push((path.clone(), rel.join("/")));
        } else if path.is_dir() && !name.starts_with('.') {
            walk(root, &path, out)?;
        }
    }
    Ok(())
}

/// Like [`atlas_file`] for a file whose path is already known (flyway sub-directories).
fn atlas_file_at(path: PathBuf, name: String) -> Result<MigrationFile, Error> {
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let base = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut f = atlas_file(&dir, base)?;
    f.name = name;
    f.path = path;
    Ok(f)
}
