//! Folding ranges: items with a braced body, and runs of comment lines.
//!
//! A range ends on the line before its closing brace when the brace is
//! alone on its line, so the brace stays visible when folded.

use crate::position::LineIndex;
use crate::snapshot::Snapshot;
use remit_diagnostics::FileId;
use remit_syntax::ast::ItemKind;
use tower_lsp_server::ls_types::{FoldingRange, FoldingRangeKind};

/// The folding ranges of a file, sorted by start line.
pub fn folding_ranges(snapshot: &Snapshot, file: FileId) -> Vec<FoldingRange> {
    let (Some(ast), Some(index)) = (snapshot.ast(file), snapshot.line_index(file)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in &ast.items {
        let braced = matches!(
            item.kind,
            ItemKind::Rule(_)
                | ItemKind::Test(_)
                | ItemKind::Enum(_)
                | ItemKind::Customer(_)
                | ItemKind::Context(_)
        );
        if !braced || !snapshot.slice(item.span).ends_with('}') {
            continue;
        }
        let start = index.line_of(item.span.start as usize);
        let close = index.line_of((item.span.end as usize).saturating_sub(1));
        let end = if closes_line(&index, item.span.end as usize) {
            close.saturating_sub(1)
        } else {
            close
        };
        if end > start {
            out.push(range(start, end, None));
        }
    }
    let mut run: Option<(usize, usize)> = None;
    for c in &ast.comments {
        let line = index.line_of(c.span.start as usize);
        let starts_line = index
            .text()
            .get(index.line_range(line).start..c.span.start as usize)
            .is_some_and(|before| before.trim().is_empty());
        run = match run {
            Some((first, last)) if starts_line && line == last + 1 => Some((first, line)),
            Some((first, last)) => {
                if last > first {
                    out.push(range(first, last, Some(FoldingRangeKind::Comment)));
                }
                starts_line.then_some((line, line))
            }
            None => starts_line.then_some((line, line)),
        };
    }
    if let Some((first, last)) = run.filter(|(f, l)| l > f) {
        out.push(range(first, last, Some(FoldingRangeKind::Comment)));
    }
    out.sort_by_key(|r| (r.start_line, r.end_line));
    out
}

/// Whether the `}` ending at byte `end` is alone on its line (only
/// whitespace before it).
fn closes_line(index: &LineIndex<'_>, end: usize) -> bool {
    let brace = end.saturating_sub(1);
    let line = index.line_of(brace);
    index
        .text()
        .get(index.line_range(line).start..brace)
        .is_some_and(|before| before.trim().is_empty())
}

fn range(start: usize, end: usize, kind: Option<FoldingRangeKind>) -> FoldingRange {
    let line = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    FoldingRange {
        start_line: line(start),
        start_character: None,
        end_line: line(end),
        end_character: None,
        kind,
        collapsed_text: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::fixture::*;

    #[test]
    fn items_and_comment_blocks() {
        let text = "// one\n// two\n// three\nrole a\naction b\nenum E { x }\nrule r {\n  permit a to b\n  for any customer\n}\n/// only one\ncustomer {\n  t: E\n}\n";
        let s = snapshot(&[("p.remit", text)]);
        let ranges: Vec<_> = folding_ranges(&s, FileId(0))
            .into_iter()
            .map(|r| (r.start_line, r.end_line, r.kind))
            .collect();
        assert_eq!(
            ranges,
            [
                (0, 2, Some(FoldingRangeKind::Comment)),
                (6, 8, None),
                (11, 12, None),
            ]
        );
    }
}
