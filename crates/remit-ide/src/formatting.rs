//! Formatting: the same formatter as `remit fmt`, as edits.
//!
//! The answer is the smallest set of whole-line edits that turns the
//! buffer into its canonical form (a line diff), so the editor keeps the
//! cursor, folds and marks on the lines formatting leaves alone. A buffer
//! that does not parse is not formatted: the answer is no edits, and its
//! syntax errors are already reported as diagnostics.

use similar::{DiffOp, TextDiff};
use std::ops::Range;

/// One edit: the bytes of the old text to replace, and their replacement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextEdit {
    /// The bytes replaced (whole lines).
    pub range: Range<usize>,
    /// What replaces them.
    pub text: String,
}

/// The edits that format `text` (in order, not overlapping); empty when
/// it is already canonical or does not parse.
pub fn format(text: &str) -> Vec<TextEdit> {
    match remit_fmt::format_source(text) {
        // The formatter writes `\n`; a buffer whose lines end in `\r\n`
        // keeps its line endings (otherwise every line would change).
        Ok(formatted) if uses_crlf(text) => edits(text, &formatted.replace('\n', "\r\n")),
        Ok(formatted) => edits(text, &formatted),
        Err(_) => Vec::new(),
    }
}

/// Whether a text's first line ends in `\r\n`.
fn uses_crlf(text: &str) -> bool {
    text.find('\n')
        .is_some_and(|i| text.as_bytes().get(i.wrapping_sub(1)) == Some(&b'\r'))
}

/// Whole-line edits from `old` to `new`.
fn edits(old: &str, new: &str) -> Vec<TextEdit> {
    if old == new {
        return Vec::new();
    }
    let diff = TextDiff::from_lines(old, new);
    let old_lines = diff.old_slices();
    let new_lines = diff.new_slices();
    // Byte offset at which each old line starts, plus the end of the text.
    let old_starts: Vec<usize> = std::iter::once(0)
        .chain(old_lines.iter().scan(0, |end, line| {
            *end += line.len();
            Some(*end)
        }))
        .collect();
    let at = |line: usize| old_starts.get(line).copied().unwrap_or(old.len());
    diff.ops()
        .iter()
        .filter_map(|op| {
            let (old_range, new_range) = match *op {
                DiffOp::Equal { .. } => return None,
                DiffOp::Delete {
                    old_index,
                    old_len,
                    new_index,
                } => (old_index..old_index + old_len, new_index..new_index),
                DiffOp::Insert {
                    old_index,
                    new_index,
                    new_len,
                } => (old_index..old_index, new_index..new_index + new_len),
                DiffOp::Replace {
                    old_index,
                    old_len,
                    new_index,
                    new_len,
                } => (
                    old_index..old_index + old_len,
                    new_index..new_index + new_len,
                ),
            };
            Some(TextEdit {
                range: at(old_range.start)..at(old_range.end),
                text: new_lines.get(new_range).unwrap_or_default().concat(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Applies edits (in order, not overlapping) to a text.
    fn apply(text: &str, edits: &[TextEdit]) -> String {
        let mut out = text.to_string();
        for e in edits.iter().rev() {
            out.replace_range(e.range.clone(), &e.text);
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
        let rule = text.find("rule").unwrap();
        let after = text.find("// é").unwrap();
        assert!(edits
            .iter()
            .all(|e| e.range.start >= rule && e.range.end <= after));
        assert!(edits.windows(2).all(|w| w[0].range.end <= w[1].range.start));
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
        assert!(edits
            .iter()
            .all(|e| e.range.start >= "role clerk\r\n".len()));
        assert!(format(&apply(text, &edits)).is_empty());
    }

    #[test]
    fn broken_text_is_left_alone() {
        assert!(format("rule r { permit }\n").is_empty());
    }
}
