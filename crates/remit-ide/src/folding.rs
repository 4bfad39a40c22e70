//! Folding: items with a braced body, and runs of comment lines.
//!
//! A fold ends on the line before its closing brace when the brace is
//! alone on its line, so the brace stays visible when folded.

use crate::text::Lines;
use crate::Policy;
use remit_diagnostics::FileId;
use remit_syntax::ast::ItemKind;

/// What a fold holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FoldKind {
    /// The body of an item.
    Block,
    /// Consecutive comment lines.
    Comment,
}

/// A range of lines that folds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fold {
    /// Its first line (0-based).
    pub start_line: usize,
    /// Its last line (0-based).
    pub end_line: usize,
    /// What it holds.
    pub kind: FoldKind,
}

/// Whether an item has a braced body.
fn braced(kind: &ItemKind) -> bool {
    match kind {
        ItemKind::Rule(_)
        | ItemKind::Test(_)
        | ItemKind::Enum(_)
        | ItemKind::Customer(_)
        | ItemKind::Context(_) => true,
        ItemKind::Policy(_)
        | ItemKind::Currency(_)
        | ItemKind::Role(_)
        | ItemKind::Action(_)
        | ItemKind::Obligation(_)
        | ItemKind::Segment(_)
        | ItemKind::Situation(_)
        | ItemKind::Timezone(_)
        | ItemKind::Outcome(_)
        | ItemKind::Error => false,
    }
}

/// The folds of a file, sorted by start line.
pub fn folds(policy: &Policy, file: FileId) -> Vec<Fold> {
    let (Some(ast), Some(source)) = (policy.ast(file), policy.source(file)) else {
        return Vec::new();
    };
    let lines = Lines::of(source);
    let fold = |start_line, end_line, kind| Fold {
        start_line,
        end_line,
        kind,
    };
    let mut out = Vec::new();
    for item in &ast.items {
        if !braced(&item.kind) || !policy.slice(item.span).ends_with('}') {
            continue;
        }
        let start = lines.line_of(item.span.start as usize);
        let brace = (item.span.end as usize).saturating_sub(1);
        let close = lines.line_of(brace);
        let end = if lines.starts_line(brace) {
            close.saturating_sub(1)
        } else {
            close
        };
        if end > start {
            out.push(fold(start, end, FoldKind::Block));
        }
    }
    let mut run: Option<(usize, usize)> = None;
    for c in &ast.comments {
        let line = lines.line_of(c.span.start as usize);
        let starts_line = lines.starts_line(c.span.start as usize);
        run = match run {
            Some((first, last)) if starts_line && line == last + 1 => Some((first, line)),
            Some((first, last)) => {
                if last > first {
                    out.push(fold(first, last, FoldKind::Comment));
                }
                starts_line.then_some((line, line))
            }
            None => starts_line.then_some((line, line)),
        };
    }
    if let Some((first, last)) = run.filter(|(f, l)| l > f) {
        out.push(fold(first, last, FoldKind::Comment));
    }
    out.sort_by_key(|f| (f.start_line, f.end_line));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::*;

    #[test]
    fn items_and_comment_blocks() {
        let text = "// one\n// two\n// three\nrole a\naction b\nenum E { x }\nrule r {\n  permit a to b\n  for any customer\n}\n/// only one\ncustomer {\n  t: E }\nrole c // not alone\n// on its line\n";
        let p = policy(&[("p.remit", text)]);
        let found: Vec<_> = folds(&p, FileId(0))
            .into_iter()
            .map(|f| (f.start_line, f.end_line, f.kind))
            .collect();
        assert_eq!(
            found,
            [
                (0, 2, FoldKind::Comment),
                (6, 8, FoldKind::Block),
                // The brace ends a line with text on it: it folds too.
                (11, 12, FoldKind::Block),
            ]
        );
    }
}
