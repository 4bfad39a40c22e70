//! The complete example of LANGUAGE.md §1 is already canonical.

const EXAMPLE: &str = include_str!("../fixtures/language_example.remit");

#[test]
fn the_language_example_is_a_fixed_point() {
    let output = crate::common::check_format(EXAMPLE);
    assert_eq!(output, EXAMPLE);
}

#[test]
fn the_language_example_reparses_to_the_same_tree() {
    let output = remit_fmt::format_source(EXAMPLE).unwrap();
    assert_eq!(
        crate::common::canonical_ast(&output),
        crate::common::canonical_ast(EXAMPLE)
    );
    // The tree comparison sees the doc comments and the clause order too.
    let (file, _) = remit_syntax::parse(remit_diagnostics::FileId(0), &output);
    assert_eq!(
        file.items[0].doc.as_deref(),
        Some("Front desk empowerment for service recovery at hotel properties.")
    );
}

#[test]
fn the_language_example_survives_whitespace_damage() {
    // Indentation stripped, the lines of each item joined by spaces, blank
    // lines tripled.
    let damaged: String = EXAMPLE
        .lines()
        .map(|l| {
            let l = l.trim();
            if l.is_empty() {
                "\n\n\n".to_string()
            } else if l.starts_with("///") || l.starts_with('@') {
                format!("{l}\n")
            } else {
                format!("{l}    ")
            }
        })
        .collect();
    let output = crate::common::check_format(&damaged);
    assert_eq!(output, EXAMPLE, "--- damaged ---\n{damaged}");
}

#[test]
fn the_strip_spans_helper_removes_every_span() {
    let stripped = crate::common::strip_spans(
        "Ident { name: \"a\", span: Span { file: FileId(0), start: 1, end: 2 } }, Any(Span { file: FileId(0), start: 3, end: 6 })",
    );
    assert_eq!(stripped, "Ident { name: \"a\", span: Span }, Any(Span)");
}
