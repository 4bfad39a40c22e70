//! Byte offsets into text: lines, and character boundaries.
//!
//! Lines end at `\n`; a `\r` before it belongs to the line break, not to
//! the line. Line numbers are 0-based, as editors count them.

use remit_diagnostics::SourceFile;
use std::borrow::Cow;

/// The line starts of one text.
#[derive(Debug, Clone)]
pub struct Lines<'t> {
    text: &'t str,
    starts: Cow<'t, [usize]>,
}

impl<'t> Lines<'t> {
    /// Indexes a text (one pass over it).
    pub fn new(text: &'t str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect::<Vec<_>>();
        Lines {
            text,
            starts: Cow::Owned(starts),
        }
    }

    /// Borrows the line starts a source file already has.
    pub fn of(file: &'t SourceFile) -> Self {
        Lines {
            text: file.text(),
            starts: Cow::Borrowed(file.line_starts()),
        }
    }

    /// The text indexed.
    pub fn text(&self) -> &'t str {
        self.text
    }

    /// The number of lines (a text ending in `\n` has an empty last line).
    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// The byte offset where a line starts (the end of the text for a line
    /// past the last).
    pub fn line_start(&self, line: usize) -> usize {
        self.starts.get(line).copied().unwrap_or(self.text.len())
    }

    /// The line holding a byte offset (the last line for one past the end).
    pub fn line_of(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        match self.starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next.saturating_sub(1),
        }
    }

    /// The byte range of a line's content, line break excluded (empty at
    /// the end of the text for a line past the last).
    pub fn line_range(&self, line: usize) -> std::ops::Range<usize> {
        let Some(&start) = self.starts.get(line) else {
            return self.text.len()..self.text.len();
        };
        let mut end = self
            .starts
            .get(line + 1)
            .map_or(self.text.len(), |next| next.saturating_sub(1));
        if end > start && self.text.as_bytes().get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        start..end.max(start)
    }

    /// Whether only whitespace comes before `offset` on its line.
    pub fn starts_line(&self, offset: usize) -> bool {
        let line = self.line_of(offset);
        self.text
            .get(self.line_range(line).start..offset)
            .is_some_and(|before| before.trim().is_empty())
    }
}

/// The largest character boundary at or before `offset` (the end of the
/// text when `offset` is past it).
pub fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_their_breaks() {
        let lines = Lines::new("ab\r\n  cd\n\n");
        assert_eq!(lines.line_count(), 4);
        assert_eq!(lines.line_range(0), 0..2);
        assert_eq!(lines.line_range(1), 4..8);
        assert_eq!(lines.line_range(3), 10..10);
        assert_eq!(lines.line_range(9), 10..10);
        assert_eq!(
            (lines.line_of(3), lines.line_of(4), lines.line_of(99)),
            (0, 1, 3)
        );
        assert_eq!((lines.line_start(1), lines.line_start(7)), (4, 10));
        assert!(lines.starts_line(6));
        assert!(!lines.starts_line(7));
        let file = SourceFile::new("a.remit", "é\r\nx\n");
        let (a, b) = (Lines::of(&file), Lines::new(file.text()));
        for line in 0..3 {
            assert_eq!(a.line_range(line), b.line_range(line));
        }
    }

    #[test]
    fn offsets_inside_a_character_move_back() {
        let text = "a€b";
        assert_eq!(floor_char_boundary(text, 0), 0);
        assert_eq!(floor_char_boundary(text, 2), 1);
        assert_eq!(floor_char_boundary(text, 3), 1);
        assert_eq!(floor_char_boundary(text, 4), 4);
        assert_eq!(floor_char_boundary(text, 99), 5);
    }
}
