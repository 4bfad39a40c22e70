//! Checks shared by the integration tests: a span-insensitive view of the
//! syntax tree, the comments of a file, and the layout invariants.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use remit_diagnostics::FileId;
use remit_syntax::ast::ItemKind;

/// The items of `text`, one string each, with every span removed and the
/// clauses of rules and the lines of tests in canonical order (the
/// formatter sorts them, so the input's order is not comparable).
pub fn canonical_ast(text: &str) -> Vec<String> {
    canonical_ast_with(text, true)
}

/// [`canonical_ast`], without the doc strings when `docs` is false.
pub fn canonical_ast_with(text: &str, docs: bool) -> Vec<String> {
    let (mut file, diagnostics) = remit_syntax::parse(FileId(0), text);
    assert!(
        diagnostics.is_empty(),
        "does not parse: {diagnostics:?}\n{text}"
    );
    for item in &mut file.items {
        if !docs {
            item.doc = None;
            let fields = match &mut item.kind {
                ItemKind::Customer(schema) | ItemKind::Context(schema) => &mut schema.fields,
                ItemKind::Action(action) => &mut action.params,
                _ => &mut Vec::new(),
            };
            for field in fields {
                field.doc = None;
            }
        }
        match &mut item.kind {
            ItemKind::Rule(rule) => rule.clauses.sort_by_key(|c| c.kind.rank()),
            ItemKind::Test(test) => test.entries.sort_by_key(|e| e.kind.rank()),
            _ => {}
        }
    }
    file.items
        .iter()
        .map(|item| strip_spans(&format!("{item:?}")))
        .collect()
}

/// Replaces every `Span { file: FileId(0), start: 1, end: 2 }` by `Span`.
pub fn strip_spans(debug: &str) -> String {
    const OPEN: &str = "Span { file: FileId(";
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    while let Some(at) = rest.find(OPEN) {
        out.push_str(&rest[..at]);
        out.push_str("Span");
        let after = &rest[at..];
        let close = after.find('}').expect("a span closes");
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The texts of every comment of `text`, sorted.
pub fn comment_texts(text: &str) -> Vec<String> {
    let mut texts: Vec<String> = remit_syntax::lex(FileId(0), text)
        .comments
        .into_iter()
        .map(|c| c.text)
        .collect();
    texts.sort();
    texts
}

/// Formats `input` and checks everything the formatter promises: the
/// output is a fixed point, parses to the same tree, keeps every comment
/// and follows the layout rules. Returns the output.
pub fn check_format(input: &str) -> String {
    check(input, true)
}

/// [`check_format`], except that doc strings may differ.
pub fn check_format_ignoring_docs(input: &str) -> String {
    check(input, false)
}

fn check(input: &str, docs: bool) -> String {
    let output =
        remit_fmt::format_source(input).unwrap_or_else(|e| panic!("{e}\n--- input ---\n{input}"));
    let again = remit_fmt::format_source(&output)
        .unwrap_or_else(|e| panic!("output does not parse: {e}\n--- output ---\n{output}"));
    assert_eq!(
        again, output,
        "not idempotent\n--- input ---\n{input}\n--- first ---\n{output}\n--- second ---\n{again}"
    );
    assert_eq!(
        canonical_ast_with(&output, docs),
        canonical_ast_with(input, docs),
        "the tree changed\n--- input ---\n{input}\n--- output ---\n{output}"
    );
    assert_eq!(
        comment_texts(&output),
        comment_texts(input),
        "comments changed\n--- input ---\n{input}\n--- output ---\n{output}"
    );
    check_layout(&output);
    output
}

/// No trailing whitespace, no tabs outside comments and strings is not
/// checked here; one final newline, no leading or doubled blank lines.
pub fn check_layout(output: &str) {
    if output.is_empty() {
        return;
    }
    assert!(
        output.ends_with('\n') && !output.ends_with("\n\n"),
        "{output:?}"
    );
    assert!(!output.starts_with('\n'), "{output:?}");
    assert!(!output.contains("\n\n\n"), "{output:?}");
    for line in output.lines() {
        assert_eq!(line, line.trim_end(), "trailing whitespace in {line:?}");
        let indent = line.len() - line.trim_start_matches(' ').len();
        assert_eq!(indent % 2, 0, "odd indentation in {line:?}");
        assert!(!line.starts_with('\t'), "tab indentation in {line:?}");
    }
}
