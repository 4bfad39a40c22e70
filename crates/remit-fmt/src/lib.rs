//! The canonical formatter of the Remit policy language.
//!
//! [`format_source`] parses a file and prints it in the one canonical
//! layout described in `docs/formatting.md`: two-space indentation, rule
//! clauses in the order of LANGUAGE.md §4, test lines in the order of §7,
//! long `and`/`or` chains and enums broken to fit [`MAX_WIDTH`], the
//! author's parentheses and blank lines between items kept, and every
//! comment kept in its place. Formatting is idempotent, and a file that
//! does not parse is never formatted.
//!
//! ```
//! let messy = "rule r {permit a to b\n   when x\nfor any customer}  // the box\n";
//! let tidy = remit_fmt::format_source(messy).unwrap();
//! assert_eq!(tidy, "rule r {\n  permit a to b\n  for any customer\n  when x\n} // the box\n");
//! assert_eq!(remit_fmt::format_source(&tidy).unwrap(), tidy);
//! ```
//!
//! The pipeline: `lower` builds a layout tree from the syntax tree,
//! `comments` hangs every comment on a node of it by byte position, and
//! `print` prints it.

mod comments;
mod error;
mod lower;
mod print;
mod render;
mod tree;

pub use error::FormatError;

use remit_diagnostics::{Code, Diagnostic, FileId, Severity, Span};

/// The widest a line may be, in characters, before an `and`/`or` chain is
/// broken before its operators or an enum is put one variant per line.
/// Lines that cannot be broken (a long effect line, a test's `customer`
/// line, a comment) may be wider.
pub const MAX_WIDTH: usize = 100;

/// Formats one file. Fails, returning the syntax errors, if the file does
/// not parse; otherwise returns the canonical text, which parses to the
/// same syntax tree (clauses and test lines in canonical order) with the
/// same comments.
pub fn format_source(text: &str) -> Result<String, FormatError> {
    let file_id = FileId(0);
    let (file, diagnostics) = remit_syntax::parse(file_id, text);
    if diagnostics.iter().any(|d| d.severity == Severity::Error) {
        return Err(FormatError { diagnostics });
    }
    let lexed = remit_syntax::lex(file_id, text);
    let Some(mut root) = lower::lower(&file, text, &lexed.tokens) else {
        // Unreachable in practice: a node that did not parse comes with
        // its error. Refuse rather than drop its text.
        let end = text.len();
        return Err(FormatError {
            diagnostics: vec![Diagnostic::new(
                Code::SYNTAX_ERROR,
                "the file holds a construct that did not parse",
                Span::new(file_id, end, end),
                "",
            )],
        });
    };
    comments::attach(&mut root, &file.comments, text);
    Ok(print::print(&root))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(src: &str) -> String {
        let out = format_source(src).unwrap_or_else(|e| panic!("{e}: {src}"));
        let again = format_source(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
        assert_eq!(again, out, "not idempotent for:\n{src}");
        out
    }

    #[test]
    fn refuses_files_that_do_not_parse() {
        let err = format_source("rule r { permit a }\nrole ok\n").unwrap_err();
        assert_eq!(err.diagnostics.len(), 1);
        assert!(format_source("role \"x").is_err());
    }

    #[test]
    fn empty_and_comment_only_files() {
        assert_eq!(fmt(""), "");
        assert_eq!(fmt("  \n\n"), "");
        assert_eq!(fmt("\n\n// a   \n\n\n// b\n\n"), "// a\n\n// b\n");
    }

    #[test]
    fn blank_lines_between_items_are_kept_but_collapsed() {
        assert_eq!(
            fmt("role a\nrole b\n\n\n\nrole c\n\n"),
            "role a\nrole b\n\nrole c\n"
        );
        assert_eq!(fmt("role a role b"), "role a\nrole b\n");
    }

    #[test]
    fn declarations_are_normalised() {
        assert_eq!(
            fmt("policy  p   version\"1\" currency   USD\nenum T{a b,c,}\naction  x ( amount :Money,n:Int )\naction y()\nobligation o\"d \\\"q\\\"\"\nrole r extends a,b"),
            "policy p version \"1\"\ncurrency USD\nenum T { a, b, c }\naction x(amount: Money, n: Int)\naction y\nobligation o \"d \\\"q\\\"\"\nrole r extends a, b\n"
        );
    }

    #[test]
    fn schemas_put_one_field_per_line_and_keep_blank_lines() {
        assert_eq!(
            fmt("customer { a: Int, b: Set < T >\n\n\n c: Bool }"),
            "customer {\n  a: Int\n  b: Set<T>\n\n  c: Bool\n}\n"
        );
        assert_eq!(fmt("context {   }"), "context {}\n");
        assert_eq!(fmt("context { // none\n}"), "context { // none\n}\n");
    }

    #[test]
    fn expressions_get_single_spaces_and_keep_parentheses() {
        assert_eq!(
            fmt("segment s=customer . tier in{gold,platinum}or(not(customer.x))and((a))"),
            "segment s = customer.tier in {gold, platinum} or (not (customer.x)) and ((a))\n"
        );
        assert_eq!(
            fmt("situation t = context.wait>=30 minutes and 100USD<amount and s contains x and y not in {}"),
            "situation t = context.wait >= 30 minutes and 100 USD < amount and s contains x and y not in {}\n"
        );
    }

    #[test]
    fn rules_print_the_canonical_clause_order() {
        let src = "@allow(a,b) @deny(c)\nrule r{escalate any from x,y to z notify n when w for any customer}";
        assert_eq!(
            fmt(src),
            "@allow(a, b)\n@deny(c)\nrule r {\n  escalate any from x, y to z\n  for any customer\n  when w\n  notify n\n}\n"
        );
    }

    #[test]
    fn tests_print_the_canonical_line_order() {
        let src = "test \"a \\\\ b\" { expect permit requiring o, p history { refund 30 USD 3 days ago refund 1 day ago } context { } customer { tier: gold, products: {room,spa} } action refund { amount: 80 USD, } role front_desk }";
        assert_eq!(
            fmt(src),
            "test \"a \\\\ b\" {\n  role front_desk\n  action refund { amount: 80 USD }\n  customer { tier: gold, products: {room, spa} }\n  context {}\n  history { refund 30 USD 3 days ago, refund 1 day ago }\n  expect permit requiring o, p\n}\n"
        );
    }

    #[test]
    fn comments_open_up_test_blocks_and_enums() {
        assert_eq!(
            fmt("test \"t\" {\n customer { a: 1, // one\n b: 2 }\n expect deny\n}"),
            "test \"t\" {\n  customer {\n    a: 1, // one\n    b: 2,\n  }\n  expect deny\n}\n"
        );
        assert_eq!(
            fmt("enum T {\n  // first\n  a, b }"),
            "enum T {\n  // first\n  a,\n  b,\n}\n"
        );
        assert_eq!(fmt("enum T {\n  a,\n  b,\n}"), "enum T { a, b }\n");
    }

    #[test]
    fn trailing_comments_stay_on_their_line() {
        assert_eq!(
            fmt("rule r { // header\n permit a to b // effect\n when x // cond\n} // end\n"),
            "rule r { // header\n  permit a to b // effect\n  when x // cond\n} // end\n"
        );
    }

    #[test]
    fn a_comment_in_a_chain_breaks_it() {
        assert_eq!(
            fmt("segment s = a and // after a\n b and c"),
            "segment s = a // after a\n  and b\n  and c\n"
        );
        assert_eq!(
            fmt("segment s = a and\n // before b\n b"),
            "segment s = a\n  // before b\n  and b\n"
        );
    }

    #[test]
    fn a_comment_inside_a_line_moves_above_it() {
        assert_eq!(
            fmt("rule r {\n  permit a, // who\n    b to c\n  limit amount // what\n <= 5 USD\n}"),
            "rule r {\n  // who\n  permit a, b to c\n  // what\n  limit amount <= 5 USD\n}\n"
        );
    }

    #[test]
    fn doc_comments_stay_attached() {
        let out = fmt("/// The role.\n/// Second line.\n@allow(x)\nrule r { permit a to b }\n");
        assert_eq!(
            out,
            "/// The role.\n/// Second line.\n@allow(x)\nrule r {\n  permit a to b\n}\n"
        );
        let (file, _) = remit_syntax::parse(FileId(0), &out);
        assert_eq!(
            file.items[0].doc.as_deref(),
            Some("The role.\nSecond line.")
        );
    }

    #[test]
    fn trailing_whitespace_in_comments_is_trimmed() {
        assert_eq!(fmt("role a //  x  \t\n"), "role a //  x\n");
    }

    #[test]
    fn the_examples_of_the_formatting_guide_are_canonical() {
        let examples = [
            "segment very_loyal = customer.tier in {gold, platinum}\n  and customer.nights_this_year >= 10\n  and not customer.flagged_for_abuse\n",
            "rule r {\n  permit front_desk to refund\n  when ((context.incident == noise\n        or context.incident == dirty_room\n        or context.incident == late_checkin)\n      and context.wait >= 45 minutes)\n    or context.bill_total >= 5_000 USD\n}\n",
            "enum Incident {\n  noise,\n  dirty_room,\n  late_checkin,\n  billing_error,\n  lost_item,\n  broken_elevator,\n  rude_staff,\n}\n",
            "segment loyal = customer.tier in {gold, platinum} // the top tiers\n  or customer.nights_this_year >= 10 // frequent guests\n",
            "rule r {\n  // the desk\n  permit front_desk, concierge to refund\n}\n",
        ];
        for example in examples {
            assert_eq!(fmt(example), example);
        }
    }

    #[test]
    fn crlf_line_endings_become_newlines() {
        assert_eq!(
            fmt("role a // x\r\n\r\n\r\nrole b\r\n"),
            "role a // x\n\nrole b\n"
        );
    }

    #[test]
    fn comments_in_odd_places_are_kept() {
        let src = "customer // c1\n{ a: Int }\ntest // c2\n\"t\" { role // c3\n r }\n@allow(x) // c4\n/// c5\nrule // c6\nr { permit a to b }";
        let out = fmt(src);
        assert_eq!(
            out,
            "// c1\ncustomer {\n  a: Int\n}\n// c2\ntest \"t\" {\n  // c3\n  role r\n}\n@allow(x) // c4\n/// c5\n// c6\nrule r {\n  permit a to b\n}\n"
        );
    }

    #[test]
    fn a_trailing_doc_comment_moves_to_the_item_it_documents() {
        let out = fmt("role a /// for b\nrole b\nrole c /// at the end\n");
        assert_eq!(out, "role a\n/// for b\nrole b\nrole c /// at the end\n");
        let (file, _) = remit_syntax::parse(FileId(0), &out);
        assert_eq!(file.items[1].doc.as_deref(), Some("for b"));
    }

    #[test]
    fn a_chain_after_a_comment_in_a_parenthesis() {
        assert_eq!(
            fmt("situation s = a and (b // why b\n or c)"),
            "situation s = a\n  and (b // why b\n    or c)\n"
        );
        assert_eq!(
            fmt("situation s = a and (b or c // why c\n)"),
            "situation s = a and (b or c) // why c\n"
        );
    }

    #[test]
    fn a_doc_comment_lifted_out_of_an_item_documents_the_next() {
        // Found by the property tests: the `///` ends up at the end of the
        // segment's line, where it documents `policy a`.
        assert_eq!(
            fmt("segment s = not (x or y /// d\n) policy a"),
            "segment s = not (x or y)\n/// d\npolicy a\n"
        );
    }
}
