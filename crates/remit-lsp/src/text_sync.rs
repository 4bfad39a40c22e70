//! Applying `textDocument/didChange` content changes to a buffer.
//!
//! The server advertises incremental sync: a change with a `range`
//! replaces that range (UTF-16 positions, the only encoding negotiated,
//! converted by [`LineIndex`]), a change without one is the whole new
//! text, and the changes of one notification apply one after the other,
//! each to the text the previous one left. Positions clamp as
//! [`LineIndex::offset`] documents (past the end of a line is its end,
//! before a `\r\n`; past the last line is the end of the text), and a
//! range whose end comes before its start is read from its end to its
//! start, so no change can fail or split a character.

use crate::position::LineIndex;
use tower_lsp_server::ls_types::TextDocumentContentChangeEvent;

/// Applies one change to `text`.
pub fn apply(text: &mut String, change: &TextDocumentContentChangeEvent) {
    let Some(range) = change.range else {
        text.clone_from(&change.text);
        return;
    };
    let index = LineIndex::new(text);
    let (a, b) = (index.offset(range.start), index.offset(range.end));
    let (start, end) = (a.min(b), a.max(b));
    text.replace_range(start..end, &change.text);
}

/// Applies the changes of one notification to `text`, in order.
pub fn apply_all(text: &mut String, changes: &[TextDocumentContentChangeEvent]) {
    for change in changes {
        apply(text, change);
    }
}

/// The text of a document the server never saw opened, from the changes
/// of one notification: the last full text and the ranged changes after
/// it. `None` when no change carries the full text (ranges into a text
/// the server does not have cannot be applied).
pub fn rebuild(changes: &[TextDocumentContentChangeEvent]) -> Option<String> {
    let last_full = changes.iter().rposition(|c| c.range.is_none())?;
    let mut text = String::new();
    apply_all(&mut text, &changes[last_full..]);
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_lsp_server::ls_types::{Position, Range};

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
        apply_all(&mut text, changes);
        text
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
    fn full_changes_reset_and_odd_ranges_clamp() {
        let changes = [full("abc\n"), ranged(0, 3, 0, 3, "d")];
        assert_eq!(applied("whatever", &changes), "abcd\n");
        // A reversed range, and positions past the end of the text.
        assert_eq!(applied("abcdef", &[ranged(0, 4, 0, 1, "-")]), "a-ef");
        assert_eq!(applied("ab", &[ranged(9, 9, 99, 0, "!")]), "ab!");
        assert_eq!(applied("", &[ranged(0, 0, 0, 0, "x")]), "x");
    }

    #[test]
    fn an_unknown_document_needs_a_full_text() {
        assert_eq!(rebuild(&[ranged(0, 0, 0, 0, "x")]), None);
        assert_eq!(
            rebuild(&[ranged(0, 0, 0, 0, "x"), full("ab"), ranged(0, 2, 0, 2, "c")]),
            Some("abc".to_string())
        );
    }
}
