//! `textDocument/formatting` over LSP: `remit-ide`'s line edits (the
//! same formatter as `remit fmt`) as LSP text edits.

use crate::position::LineIndex;
use tower_lsp_server::ls_types::TextEdit;

/// The edits that format `text`; empty when it is already canonical or
/// does not parse.
pub fn format(text: &str) -> Vec<TextEdit> {
    let index = LineIndex::new(text);
    remit_ide::formatting::format(text)
        .into_iter()
        .map(|e| TextEdit {
            range: index.range(e.range.start, e.range.end),
            new_text: e.text,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Applies edits (non-overlapping, in any order) to a text.
    fn apply(text: &str, edits: &[TextEdit]) -> String {
        let index = LineIndex::new(text);
        let mut spans: Vec<(usize, usize, &str)> = edits
            .iter()
            .map(|e| {
                (
                    index.offset(e.range.start),
                    index.offset(e.range.end),
                    e.new_text.as_str(),
                )
            })
            .collect();
        spans.sort_by_key(|s| std::cmp::Reverse(s.0));
        let mut out = text.to_string();
        for (start, end, new) in spans {
            out.replace_range(start..end, new);
        }
        out
    }

    #[test]
    fn canonical_text_needs_no_edits() {
        assert!(format("role clerk\n").is_empty());
    }

    #[test]
    fn edits_touch_only_the_lines_that_change() {
        let text = "// the desk\nrole clerk\nrule r {permit clerk to refund\n  for any customer}\n// é ✓ after\n";
        let edits = format(text);
        assert_eq!(apply(text, &edits), remit_fmt::format_source(text).unwrap());
        // The comment lines before and after the rule are left alone.
        assert!(edits.iter().all(|e| e.range.start.line >= 2));
        assert!(edits.iter().all(|e| e.range.end.line <= 4));
    }

    #[test]
    fn a_missing_final_newline_is_added() {
        let text = "role clerk";
        let edits = format(text);
        assert_eq!(apply(text, &edits), "role clerk\n");
    }

    #[test]
    fn windows_line_endings_are_kept() {
        let text = "role clerk\r\nrule r {permit clerk to refund\r\n  for any customer}\r\n";
        let edits = format(text);
        assert_eq!(
            apply(text, &edits),
            "role clerk\r\nrule r {\r\n  permit clerk to refund\r\n  for any customer\r\n}\r\n"
        );
        // The first line is already canonical: no edit touches it.
        assert!(edits.iter().all(|e| e.range.start.line >= 1));
        let formatted = apply(text, &edits);
        assert!(format(&formatted).is_empty());
    }

    #[test]
    fn broken_text_is_left_alone() {
        assert!(format("rule r { permit }\n").is_empty());
    }
}
