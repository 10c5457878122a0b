//! `--update`: after a rewrite the file reads back with the new expectation (an HCL `output`
//! compares after trimming surrounding newlines; a txtar section holds the data), and a second
//! `--update` with the same output changes nothing. A rewrite may refuse (an error); it may
//! never write a file that means something else.

use dbassay_dsl::hcl::{CommandKind, Expect, Inputs, Literal, Output, TestFile};
use dbassay_dsl::{SourceFile, txtar, update};

use crate::NOWHERE;

/// The first literal `output` of the file and the text it holds.
fn first_literal(text: &str) -> Option<(Literal, String)> {
    let src = SourceFile::new(format!("{NOWHERE}/fuzz.test.hcl"), text);
    let file = TestFile::parse(src, &Inputs::default()).ok()?;
    file.cases
        .iter()
        .flat_map(|c| &c.commands)
        .find_map(|c| match &c.kind {
            CommandKind::Exec(e) => match &e.expect {
                Some(Expect::Output(Output {
                    text,
                    literal: Some(l),
                })) => Some((l.clone(), text.clone())),
                _ => None,
            },
            _ => None,
        })
}

/// One `--update` of the file's first literal `output` with `actual`; `None` when refused.
fn rewrite(text: &str, literal: &Literal, actual: &str) -> Option<String> {
    let current = text
        .get(literal.span.clone())
        .unwrap_or_else(|| panic!("literal span {:?} is not in the file", literal.span));
    assert!(
        update::plausible(current, &literal.style),
        "the parser's literal {current:?} does not look like a {:?} literal",
        literal.style
    );
    let replacement = update::literal(current, &literal.style, actual).ok()?;
    Some(format!(
        "{}{replacement}{}",
        &text[..literal.span.start],
        &text[literal.span.end..]
    ))
}

/// Rewrites the first literal `output` of an HCL test file with `actual`, twice.
pub fn hcl(text: &str, actual: &str) {
    let Some((literal, _)) = first_literal(text) else {
        return;
    };
    let Some(new) = rewrite(text, &literal, actual) else {
        return;
    };
    let Some((again, now)) = first_literal(&new) else {
        panic!("the rewritten file does not parse or lost its output:\n{new}");
    };
    assert_eq!(
        now.trim_matches('\n'),
        actual.trim_matches('\n'),
        "the rewritten output reads back differently:\n{new}"
    );
    let twice = rewrite(&new, &again, actual).expect("a second rewrite is refused");
    assert_eq!(twice, new, "a second --update changed the file again");
}

/// Rewrites section `name` of a txtar script with `data`, twice.
pub fn section(text: &str, name: &str, data: &str) {
    let Ok(Some((new, line))) = update::section(text, name, data) else {
        return;
    };
    let archive = txtar::parse(&new);
    let file = archive
        .file(name)
        .unwrap_or_else(|| panic!("section {name:?} is gone after the rewrite:\n{new}"));
    assert_eq!(file.marker_line, line, "the section moved");
    let mut want = data.to_string();
    if !want.is_empty() && !want.ends_with('\n') {
        want.push('\n');
    }
    assert_eq!(
        file.data, want,
        "the section reads back differently:\n{new}"
    );
    let before = txtar::parse(text);
    assert_eq!(archive.comment, before.comment, "the script changed");
    let (twice, _) = update::section(&new, name, data)
        .expect("a second rewrite is refused")
        .expect("the section is gone");
    assert_eq!(twice, new, "a second --update changed the file again");
}
