//! Folding ranges over LSP: `remit-ide`'s folds as LSP folding ranges.

use crate::snapshot::Snapshot;
use remit_diagnostics::FileId;
use remit_ide::folding::{folds, Fold, FoldKind};
use tower_lsp_server::ls_types::{FoldingRange, FoldingRangeKind};

/// The folding ranges of a file, sorted by start line.
pub fn folding_ranges(snapshot: &Snapshot, file: FileId) -> Vec<FoldingRange> {
    folds(&snapshot.policy, file)
        .into_iter()
        .map(range)
        .collect()
}

fn range(fold: Fold) -> FoldingRange {
    let line = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    FoldingRange {
        start_line: line(fold.start_line),
        start_character: None,
        end_line: line(fold.end_line),
        end_character: None,
        kind: match fold.kind {
            FoldKind::Block => None,
            FoldKind::Comment => Some(FoldingRangeKind::Comment),
        },
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
