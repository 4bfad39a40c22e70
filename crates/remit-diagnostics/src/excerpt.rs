//! Excerpts of long source lines, so that a snippet never prints a whole
//! long line.
//!
//! codespan-reporting prints every labelled line in full: a diagnostic on
//! a 10 KB line prints 10 KB, and ten thousand of them print 100 MB. When
//! a labelled line is longer than [`MAX_LINE_BYTES`], the diagnostic is
//! rendered against an excerpt instead: each line the snippet shows is cut
//! to a window of about [`WINDOW_BYTES`] around its labels, with `…` where
//! text was cut. Line numbers and the `file:line:column` header are those
//! of the real file. A secondary label that starts outside its line's
//! window becomes a note giving its position.

use crate::{FileId, Sources, Span};
use codespan_reporting::files::{Error as FilesError, Files, Location};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

/// Lines longer than this (in bytes) are shown as excerpts.
pub const MAX_LINE_BYTES: usize = 160;
/// About how much of a long line an excerpt shows (in bytes).
pub const WINDOW_BYTES: usize = 120;
/// How much of the line an excerpt shows before its first label.
const BEFORE_BYTES: usize = 40;
const ELLIPSIS: &str = "…";
/// Lines codespan-reporting shows after a multi-line label starts and
/// before it ends (its default `start_context_lines`/`end_context_lines`).
const START_CONTEXT: usize = 3;
const END_CONTEXT: usize = 1;

/// A label to show: where, with what message, primary or not.
pub(crate) struct ExcerptLabel {
    pub primary: bool,
    pub file: FileId,
    /// Byte range in the excerpt's text.
    pub range: Range<usize>,
    pub message: String,
}

/// The files of one diagnostic, cut to excerpts.
pub(crate) struct Excerpt<'a> {
    sources: &'a Sources,
    files: BTreeMap<FileId, FileExcerpt>,
}

/// The shown lines of one file.
struct FileExcerpt {
    text: String,
    /// By original line index.
    lines: BTreeMap<usize, Piece>,
    /// `(start in text, original line index)`, sorted.
    starts: Vec<(usize, usize)>,
}

/// One shown line: the original bytes `from..to` of it, in the excerpt's
/// text at `at`, after `prefix` bytes of ellipsis.
#[derive(Clone, Copy)]
struct Piece {
    at: usize,
    prefix: usize,
    from: usize,
    to: usize,
    /// Length of the piece's content (ellipses included, newline not).
    len: usize,
}

impl Piece {
    /// The excerpt offset showing original offset `o` of this line.
    fn map(&self, o: usize) -> usize {
        if o < self.from {
            self.at
        } else if o > self.to {
            self.at + self.len
        } else {
            self.at + self.prefix + (o - self.from)
        }
    }

    /// The original offset shown at excerpt offset `v`.
    fn unmap(&self, v: usize) -> usize {
        let inner = v.saturating_sub(self.at + self.prefix);
        (self.from + inner).min(self.to)
    }
}

/// Whether any label of the diagnostic sits on a line too long to show.
pub(crate) fn needed(sources: &Sources, spans: &[Span]) -> bool {
    spans.iter().any(|s| {
        sources.get(s.file).is_some_and(|f| {
            [s.start as usize, s.end as usize]
                .iter()
                .any(|o| content(f, f.line_index(*o)).len() > MAX_LINE_BYTES)
        })
    })
}

/// The byte range of a line without its line break.
fn content(file: &crate::SourceFile, line: usize) -> Range<usize> {
    let text = file.text();
    let starts = file.line_starts();
    let start = starts.get(line).copied().unwrap_or(text.len());
    let mut end = starts.get(line + 1).copied().unwrap_or(text.len());
    let bytes = text.as_bytes();
    while end > start && matches!(bytes.get(end - 1), Some(b'\n' | b'\r')) {
        end -= 1;
    }
    start..end
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

impl<'a> Excerpt<'a> {
    /// Builds the excerpt for labels given as `(primary, span, message)`,
    /// primary first. Returns the labels mapped into the excerpt, and as
    /// notes the secondary labels that fall outside their line's window.
    pub(crate) fn new(
        sources: &'a Sources,
        labels: &[(bool, Span, &str)],
    ) -> (Self, Vec<ExcerptLabel>, Vec<String>) {
        // Which lines each file shows.
        let mut shown: BTreeMap<FileId, BTreeSet<usize>> = BTreeMap::new();
        // Per line: where the primary label starts, the first label start,
        // the first label end.
        let mut points: BTreeMap<(FileId, usize), [Option<usize>; 3]> = BTreeMap::new();
        for (primary, span, _) in labels {
            let Some(file) = sources.get(span.file) else {
                continue;
            };
            let (start, end) = (span.start as usize, span.end as usize);
            let (a, b) = (file.line_index(start), file.line_index(end));
            let lines = shown.entry(span.file).or_default();
            lines.extend(a..=(a + START_CONTEXT).min(b));
            lines.extend(b.saturating_sub(END_CONTEXT).max(a)..=b);
            let at_start = points.entry((span.file, a)).or_default();
            if *primary && at_start[0].is_none() {
                at_start[0] = Some(start);
            }
            at_start[1] = Some(at_start[1].map_or(start, |s| s.min(start)));
            let at_end = points.entry((span.file, b)).or_default();
            at_end[2] = Some(at_end[2].map_or(end, |e| e.min(end)));
        }
        // The window of a line is anchored on the primary label, else on
        // the first label starting there, else on the first one ending.
        let anchors: BTreeMap<(FileId, usize), usize> = points
            .into_iter()
            .filter_map(|(k, [p, s, e])| p.or(s).or(e).map(|a| (k, a)))
            .collect();
        let mut files = BTreeMap::new();
        for (id, mut lines) in shown {
            let Some(file) = sources.get(id) else {
                continue;
            };
            // codespan-reporting shows a single hidden line between two
            // shown ones rather than a break.
            let gaps: Vec<usize> = lines
                .iter()
                .zip(lines.iter().skip(1))
                .filter(|(x, y)| **y == **x + 2)
                .map(|(x, _)| x + 1)
                .collect();
            lines.extend(gaps);
            let mut fe = FileExcerpt {
                text: String::new(),
                lines: BTreeMap::new(),
                starts: Vec::new(),
            };
            for line in lines {
                let c = content(file, line);
                let (from, to) = if c.len() <= MAX_LINE_BYTES {
                    (c.start, c.end)
                } else {
                    let anchor = anchors.get(&(id, line)).copied().unwrap_or(c.start);
                    let mut from = anchor.saturating_sub(BEFORE_BYTES).max(c.start);
                    let to = (from + WINDOW_BYTES).min(c.end);
                    from = from.min(to.saturating_sub(WINDOW_BYTES)).max(c.start);
                    (
                        floor_boundary(file.text(), from),
                        ceil_boundary(file.text(), to),
                    )
                };
                let at = fe.text.len();
                let prefix = if from > c.start { ELLIPSIS.len() } else { 0 };
                if prefix > 0 {
                    fe.text.push_str(ELLIPSIS);
                }
                fe.text.push_str(file.text().get(from..to).unwrap_or(""));
                if to < c.end {
                    fe.text.push_str(ELLIPSIS);
                }
                let len = fe.text.len() - at;
                fe.text.push('\n');
                fe.lines.insert(
                    line,
                    Piece {
                        at,
                        prefix,
                        from,
                        to,
                        len,
                    },
                );
                fe.starts.push((at, line));
            }
            files.insert(id, fe);
        }
        let excerpt = Excerpt { sources, files };
        let mut mapped = Vec::new();
        let mut notes = Vec::new();
        for (primary, span, message) in labels {
            let start = excerpt.place(*span, span.start as usize);
            let end = excerpt.place(*span, span.end as usize);
            match (start, end) {
                (Some((s, inside)), Some((e, _))) if inside || *primary => {
                    mapped.push(ExcerptLabel {
                        primary: *primary,
                        file: span.file,
                        range: s..e.max(s),
                        message: (*message).to_string(),
                    });
                }
                _ => {
                    let at = sources.line_col(*span);
                    let what = if message.is_empty() {
                        "see".to_string()
                    } else {
                        format!("{message}:")
                    };
                    notes.push(format!(
                        "{what} {}:{}:{}",
                        sources.name(span.file),
                        at.line,
                        at.column
                    ));
                }
            }
        }
        (excerpt, mapped, notes)
    }

    /// The excerpt offset of original offset `o`, and whether the excerpt
    /// really shows it (rather than an ellipsis in its place).
    fn place(&self, span: Span, o: usize) -> Option<(usize, bool)> {
        let file = self.sources.get(span.file)?;
        let piece = self.files.get(&span.file)?.lines.get(&file.line_index(o))?;
        Some((piece.map(o), piece.from <= o && o <= piece.to))
    }

    fn file(&self, id: FileId) -> Result<&FileExcerpt, FilesError> {
        self.files.get(&id).ok_or(FilesError::FileMissing)
    }
}

impl FileExcerpt {
    fn line_of(&self, v: usize) -> usize {
        let i = self.starts.partition_point(|(at, _)| *at <= v);
        self.starts
            .get(i.saturating_sub(1))
            .map_or(0, |(_, line)| *line)
    }
}

impl<'a> Files<'a> for Excerpt<'a> {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        Ok(self.sources.name(id))
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        Ok(&self.file(id)?.text)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, FilesError> {
        Ok(self.file(id)?.line_of(byte_index))
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, FilesError> {
        // A line the excerpt leaves out is never shown (it is neither
        // labelled nor context); it gets an empty range.
        Ok(self
            .file(id)?
            .lines
            .get(&line_index)
            .map_or(0..0, |p| p.at..p.at + p.len + 1))
    }

    fn location(&'a self, id: FileId, byte_index: usize) -> Result<Location, FilesError> {
        let fe = self.file(id)?;
        let line = fe.line_of(byte_index);
        let original = fe.lines.get(&line).map_or(0, |p| p.unmap(byte_index));
        let at = self.sources.line_col(Span::new(id, original, original));
        Ok(Location {
            line_number: at.line,
            column_number: at.column,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_line_is_cut_around_the_label_and_positions_stay_true() {
        let mut sources = Sources::new();
        let line = format!("{}X{}", "a".repeat(5000), "b".repeat(5000));
        let file = sources.add("p.remit", format!("first\n{line}\nlast\n"));
        let x = 6 + 5000;
        let span = Span::new(file, x, x + 1);
        assert!(needed(&sources, &[span]));
        let (excerpt, labels, notes) = Excerpt::new(&sources, &[(true, span, "here")]);
        assert!(notes.is_empty());
        let text = excerpt.source(file).unwrap();
        assert!(text.len() < WINDOW_BYTES + 16, "{text}");
        assert!(text.starts_with('…') && text.trim_end().ends_with('…'));
        let label = &labels[0];
        assert_eq!(&text[label.range.clone()], "X");
        let loc = excerpt.location(file, label.range.start).unwrap();
        assert_eq!((loc.line_number, loc.column_number), (2, 5001));
        assert_eq!(excerpt.line_index(file, label.range.start).unwrap(), 1);
    }

    #[test]
    fn a_secondary_label_outside_the_window_becomes_a_note() {
        let mut sources = Sources::new();
        let text = format!("d, {}d", "x, ".repeat(2000));
        let last = text.len() - 1;
        let file = sources.add("p.remit", text);
        let (_, labels, notes) = Excerpt::new(
            &sources,
            &[
                (true, Span::new(file, last, last + 1), "declared again here"),
                (false, Span::new(file, 0, 1), "first declared here"),
            ],
        );
        assert_eq!(labels.len(), 1);
        assert_eq!(notes, vec!["first declared here: p.remit:1:1".to_string()]);
    }

    #[test]
    fn short_lines_need_no_excerpt() {
        let mut sources = Sources::new();
        let file = sources.add("p.remit", "role a\n");
        assert!(!needed(&sources, &[Span::new(file, 0, 4)]));
    }
}
