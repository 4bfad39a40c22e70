//! Applying `textDocument/didChange` content changes to a buffer.
//!
//! The server advertises incremental sync: a change with a `range`
//! replaces that range (UTF-16 positions, the only encoding negotiated,
//! converted by [`LineIndex`]), a change without one is the whole new
//! text, and the changes of one notification apply one after the other,
//! each to the text the previous one left.
//!
//! A column past the end of its line is the line's end (before a `\r\n`),
//! as LSP specifies, and a column inside a surrogate pair moves back to
//! the character. A line past the last one, or a range whose end comes
//! before its start, is no edit of this text: the client and the server
//! disagree about it. That is a [`SyncError`], and the notification is
//! refused whole, leaving the text as it was before it (never a guess
//! that would leave a silently wrong buffer).

use crate::position::LineIndex;
use std::fmt;
use tower_lsp_server::ls_types::{Position, Range, TextDocumentContentChangeEvent};

/// Why a change cannot apply to the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncError {
    /// A position's line is past the last line of the text.
    PastTheEnd {
        /// The position (0-based, as sent).
        position: Position,
        /// How many lines the text has.
        lines: usize,
    },
    /// The range ends before it starts.
    Reversed {
        /// The range, as sent.
        range: Range,
    },
}

impl fmt::Display for SyncError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyncError::PastTheEnd { position, lines } => write!(
                f,
                "a change's range reaches line {} (0-based {}:{}), past the end of the text, \
                 which has {lines} line{}",
                position.line + 1,
                position.line,
                position.character,
                if *lines == 1 { "" } else { "s" }
            ),
            SyncError::Reversed { range } => write!(
                f,
                "a change's range ends (0-based {}:{}) before it starts ({}:{})",
                range.end.line, range.end.character, range.start.line, range.start.character
            ),
        }
    }
}

/// The byte range a change's range covers in the text `index` indexes.
fn byte_range(index: &LineIndex<'_>, range: Range) -> Result<std::ops::Range<usize>, SyncError> {
    for position in [range.start, range.end] {
        if position.line as usize >= index.line_count() {
            return Err(SyncError::PastTheEnd {
                position,
                lines: index.line_count(),
            });
        }
    }
    let (start, end) = (index.offset(range.start), index.offset(range.end));
    if (range.end.line, range.end.character) < (range.start.line, range.start.character) {
        return Err(SyncError::Reversed { range });
    }
    Ok(start..end.max(start))
}

/// Applies one change to `text`; on an error `text` is unchanged.
pub fn apply(text: &mut String, change: &TextDocumentContentChangeEvent) -> Result<(), SyncError> {
    let Some(range) = change.range else {
        text.clone_from(&change.text);
        return Ok(());
    };
    let bytes = byte_range(&LineIndex::new(text), range)?;
    text.replace_range(bytes, &change.text);
    Ok(())
}

/// Applies the changes of one notification to `text`, in order. On an
/// error `text` is as it was before the first change.
pub fn apply_all(
    text: &mut String,
    changes: &[TextDocumentContentChangeEvent],
) -> Result<(), SyncError> {
    match changes {
        [] => Ok(()),
        [one] => apply(text, one),
        many => {
            let mut edited = text.clone();
            for change in many {
                apply(&mut edited, change)?;
            }
            *text = edited;
            Ok(())
        }
    }
}

/// The text of a document from the changes of one notification when the
/// server does not have (or no longer trusts) its text: the last full text
/// and the ranged changes after it. `None` when no change carries the full
/// text (ranges into a text the server does not have cannot be applied),
/// or a change after it does not fit.
pub fn rebuild(changes: &[TextDocumentContentChangeEvent]) -> Option<String> {
    let last_full = changes.iter().rposition(|c| c.range.is_none())?;
    let mut text = String::new();
    apply_all(&mut text, &changes[last_full..]).ok()?;
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranged(l0: u32, c0: u32, l1: u32, c1: u32, text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(l0, c0), Position::new(l1, c1))),
            range_length: None,
            text: text.to_string(),
        }
    }

    fn full(text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: None,
            range_length: None,
            text: text.to_string(),
        }
    }

    fn applied(text: &str, changes: &[TextDocumentContentChangeEvent]) -> String {
        let mut text = text.to_string();
        apply_all(&mut text, changes).unwrap();
        text
    }

    fn refused(text: &str, changes: &[TextDocumentContentChangeEvent]) -> String {
        let mut edited = text.to_string();
        let error = apply_all(&mut edited, changes).unwrap_err();
        assert_eq!(edited, text, "a refused notification changed the text");
        error.to_string()
    }

    #[test]
    fn an_insert_at_the_start_keeps_the_document() {
        assert_eq!(
            applied(
                "role clerk\nrole cashier\n",
                &[ranged(0, 0, 0, 0, "// hi\n")]
            ),
            "// hi\nrole clerk\nrole cashier\n"
        );
    }

    #[test]
    fn replacements_deletions_and_inserts_in_sequence() {
        let text = "role clerk\naction refund\n";
        let changes = [
            // `clerk` → `teller`
            ranged(0, 5, 0, 10, "teller"),
            // (positions now refer to the edited text) delete `action `
            ranged(1, 0, 1, 7, ""),
            // append a line at the very end
            ranged(2, 0, 2, 0, "role boss\n"),
            // join the first two lines
            ranged(0, 11, 1, 0, " "),
        ];
        assert_eq!(applied(text, &changes), "role teller refund\nrole boss\n");
    }

    #[test]
    fn columns_are_utf16_units() {
        // `é` is 2 bytes and 1 unit, `€` 3 bytes and 1 unit, `😀` 4 bytes
        // and 2 units.
        let text = "// é€😀x\nrole a\n";
        // `x` is at column 7: `// ` is 3 units, `é` and `€` one each, `😀` two.
        assert_eq!(
            applied(text, &[ranged(0, 7, 0, 8, "y")]),
            "// é€😀y\nrole a\n"
        );
        // Delete the emoji: its two units.
        assert_eq!(applied(text, &[ranged(0, 5, 0, 7, "")]), "// é€x\nrole a\n");
        // Insert between `é` and `€`.
        assert_eq!(
            applied(text, &[ranged(0, 4, 0, 4, "ü")]),
            "// éü€😀x\nrole a\n"
        );
        // A column inside the surrogate pair moves back to the emoji.
        assert_eq!(
            applied(text, &[ranged(0, 6, 0, 6, "!")]),
            "// é€!😀x\nrole a\n"
        );
    }

    #[test]
    fn crlf_line_breaks_stay_whole() {
        let text = "role a\r\nrole b\r\n";
        // The end of line 0 is before its `\r\n`.
        assert_eq!(
            applied(text, &[ranged(0, 6, 0, 6, "x")]),
            "role ax\r\nrole b\r\n"
        );
        // Past the end of a line is its end, still before the break.
        assert_eq!(
            applied(text, &[ranged(0, 99, 0, 99, "y")]),
            "role ay\r\nrole b\r\n"
        );
        // Deleting from the end of line 0 to the start of line 1 removes
        // the whole `\r\n`.
        assert_eq!(
            applied(text, &[ranged(0, 6, 1, 0, " ")]),
            "role a role b\r\n"
        );
        // Inserting a CRLF line.
        assert_eq!(
            applied(text, &[ranged(1, 0, 1, 0, "role c\r\n")]),
            "role a\r\nrole c\r\nrole b\r\n"
        );
    }

    #[test]
    fn full_changes_reset_and_columns_clamp() {
        let changes = [full("abc\n"), ranged(0, 3, 0, 3, "d")];
        assert_eq!(applied("whatever", &changes), "abcd\n");
        // A column past the end of the last line is its end.
        assert_eq!(applied("ab", &[ranged(0, 9, 0, 99, "!")]), "ab!");
        assert_eq!(applied("", &[ranged(0, 0, 0, 0, "x")]), "x");
        // The empty line after a final newline exists.
        assert_eq!(applied("ab\n", &[ranged(1, 0, 1, 0, "c")]), "ab\nc");
    }

    #[test]
    fn ranges_past_the_end_or_reversed_are_refused_whole() {
        assert_eq!(
            refused("ab", &[ranged(1, 0, 1, 0, "!")]),
            "a change's range reaches line 2 (0-based 1:0), past the end of the text, which has 1 line"
        );
        assert_eq!(
            refused("role a\r\nrole b\r\n", &[ranged(0, 0, 7, 2, "")]),
            "a change's range reaches line 8 (0-based 7:2), past the end of the text, which has 3 lines"
        );
        assert_eq!(
            refused("abcdef", &[ranged(0, 4, 0, 1, "-")]),
            "a change's range ends (0-based 0:1) before it starts (0:4)"
        );
        // The first change fits, the second does not: neither applies.
        assert_eq!(
            refused(
                "é\n",
                &[ranged(0, 1, 0, 1, "\nrole a"), ranged(5, 0, 5, 0, "x")]
            ),
            "a change's range reaches line 6 (0-based 5:0), past the end of the text, which has 3 lines"
        );
    }

    #[test]
    fn an_unknown_document_needs_a_full_text() {
        assert_eq!(rebuild(&[ranged(0, 0, 0, 0, "x")]), None);
        assert_eq!(rebuild(&[full("ab"), ranged(3, 0, 3, 0, "c")]), None);
        assert_eq!(
            rebuild(&[ranged(0, 0, 0, 0, "x"), full("ab"), ranged(0, 2, 0, 2, "c")]),
            Some("abc".to_string())
        );
    }
}
