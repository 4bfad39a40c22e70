//! Byte offsets ↔ LSP positions.
//!
//! Remit spans are byte offsets into UTF-8 text; LSP positions are a
//! 0-based line and a column counted in UTF-16 code units (the protocol's
//! default and the only encoding this server advertises). Lines end at
//! `\n`; a `\r` before it belongs to the line break, not to the line.
//! Every conversion clamps: an offset past the end is the end, a position
//! past the end of its line is the end of that line, a line past the last
//! is the end of the text, and an offset inside a character (or a column
//! inside a surrogate pair) moves back to the character's start.

use remit_diagnostics::{SourceFile, Span};
pub use remit_ide::text::floor_char_boundary;
use remit_ide::text::Lines;
use tower_lsp_server::ls_types::{Position, Range};

/// Line starts of one text ([`Lines`]), for converting in both directions.
#[derive(Debug, Clone)]
pub struct LineIndex<'t> {
    lines: Lines<'t>,
}

impl<'t> LineIndex<'t> {
    /// Indexes a text (one pass over it).
    pub fn new(text: &'t str) -> Self {
        LineIndex {
            lines: Lines::new(text),
        }
    }

    /// Borrows the line starts a source file already has.
    pub fn of(file: &'t SourceFile) -> Self {
        LineIndex {
            lines: Lines::of(file),
        }
    }

    /// The text indexed.
    pub fn text(&self) -> &'t str {
        self.lines.text()
    }

    /// The number of lines (a text ending in `\n` has an empty last line).
    pub fn line_count(&self) -> usize {
        self.lines.line_count()
    }

    /// The 0-based line holding a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        self.lines.line_of(offset)
    }

    /// The byte range of a line's content, line break excluded.
    pub fn line_range(&self, line: usize) -> std::ops::Range<usize> {
        self.lines.line_range(line)
    }

    /// The LSP position of a byte offset.
    pub fn position(&self, offset: usize) -> Position {
        let text = self.text();
        let offset = floor_char_boundary(text, offset);
        let line = self.line_of(offset);
        let start = self.lines.line_start(line).min(offset);
        let character = text.get(start..offset).map_or(0, utf16_len);
        Position::new(to_u32(line), to_u32(character))
    }

    /// The byte offset of an LSP position.
    pub fn offset(&self, position: Position) -> usize {
        let line = position.line as usize;
        if line >= self.line_count() {
            return self.text().len();
        }
        let range = self.line_range(line);
        let Some(content) = self.text().get(range.clone()) else {
            return range.start;
        };
        let want = position.character as usize;
        let mut units = 0;
        for (i, c) in content.char_indices() {
            let next = units + c.len_utf16();
            if next > want {
                return range.start + i;
            }
            units = next;
        }
        range.end
    }

    /// The LSP range of a byte range.
    pub fn range(&self, start: usize, end: usize) -> Range {
        Range::new(self.position(start), self.position(end.max(start)))
    }

    /// The LSP range of a span (its file is not checked).
    pub fn span_range(&self, span: Span) -> Range {
        self.range(span.start as usize, span.end as usize)
    }
}

/// The length of a text in UTF-16 code units (its byte length when it is
/// ASCII, checked first since it nearly always is).
pub fn utf16_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().map(char::len_utf16).sum()
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: u32, character: u32) -> Position {
        Position::new(line, character)
    }

    #[test]
    fn ascii_round_trips() {
        let text = "rule a {\n  permit x to y\n}\n";
        let index = LineIndex::new(text);
        for offset in 0..=text.len() {
            assert_eq!(index.offset(index.position(offset)), offset);
        }
        assert_eq!(index.position(9), pos(1, 0));
        assert_eq!(index.position(text.len()), pos(3, 0));
    }

    #[test]
    fn euro_sign_is_one_utf16_unit_but_three_bytes() {
        // "€" is U+20AC: 3 bytes in UTF-8, 1 unit in UTF-16.
        let text = "// €5 x\nrule";
        let index = LineIndex::new(text);
        let x = text.find('x').unwrap_or_default();
        assert_eq!(x, 8);
        assert_eq!(index.position(x), pos(0, 6));
        assert_eq!(index.offset(pos(0, 6)), x);
        assert_eq!(index.offset(pos(0, 4)), text.find('5').unwrap_or_default());
    }

    #[test]
    fn accented_letters_count_once() {
        // "é" (precomposed) is 2 bytes and 1 UTF-16 unit.
        let text = "/// café au lait\nrole é";
        let index = LineIndex::new(text);
        let au = text.find("au").unwrap_or_default();
        assert_eq!(index.position(au), pos(0, 9));
        assert_eq!(index.offset(pos(0, 9)), au);
        let last = text.rfind('é').unwrap_or_default();
        assert_eq!(index.position(last), pos(1, 5));
        assert_eq!(index.position(text.len()), pos(1, 6));
    }

    #[test]
    fn emoji_take_two_utf16_units() {
        // "😀" is U+1F600: 4 bytes in UTF-8, a surrogate pair in UTF-16.
        let text = "// 😀😀 done\n";
        let index = LineIndex::new(text);
        let done = text.find("done").unwrap_or_default();
        assert_eq!(index.position(done), pos(0, 8));
        assert_eq!(index.offset(pos(0, 8)), done);
        // Inside the first surrogate pair: back to the emoji's start.
        assert_eq!(index.offset(pos(0, 4)), 3);
        // An offset inside the emoji's bytes moves back too.
        assert_eq!(index.position(5), pos(0, 3));
    }

    #[test]
    fn out_of_range_positions_clamp() {
        let text = "ab\r\ncd";
        let index = LineIndex::new(text);
        // Past the end of line 0: the end of its content, before `\r\n`.
        assert_eq!(index.offset(pos(0, 99)), 2);
        assert_eq!(index.offset(pos(7, 3)), text.len());
        assert_eq!(index.position(999), pos(1, 2));
        assert_eq!(index.line_count(), 2);
    }

    #[test]
    fn empty_text() {
        let index = LineIndex::new("");
        assert_eq!(index.position(0), pos(0, 0));
        assert_eq!(index.offset(pos(3, 3)), 0);
    }

    #[test]
    fn borrowed_line_starts_agree() {
        let file = SourceFile::new("a.remit", "é\n😀x\n");
        let a = LineIndex::of(&file);
        let b = LineIndex::new(file.text());
        for offset in 0..=file.text().len() {
            assert_eq!(a.position(offset), b.position(offset));
        }
    }
}
