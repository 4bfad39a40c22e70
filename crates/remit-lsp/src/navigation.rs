//! Go to definition and find references, from the model's record of every
//! name occurrence.

use crate::snapshot::Snapshot;
use remit_diagnostics::FileId;
use remit_sema::model::Symbol;
use tower_lsp_server::ls_types::Location;

/// Where the name under the cursor is declared.
pub fn definition(snapshot: &Snapshot, file: FileId, offset: usize) -> Option<Location> {
    let r = snapshot.reference_at(file, offset)?;
    snapshot.location(snapshot.model().declaration(r.symbol)?)
}

/// Every occurrence of the name under the cursor, in file and position
/// order, with or without its declaration.
pub fn references(
    snapshot: &Snapshot,
    file: FileId,
    offset: usize,
    include_declaration: bool,
) -> Vec<Location> {
    let Some(r) = snapshot.reference_at(file, offset) else {
        return Vec::new();
    };
    let symbols = linked(snapshot, r.symbol);
    let mut spans: Vec<_> = snapshot
        .model()
        .references
        .iter()
        .filter(|o| symbols.contains(&o.symbol) && (include_declaration || !o.declaration))
        .map(|o| o.span)
        .collect();
    spans.sort();
    spans.dedup();
    spans
        .into_iter()
        .filter_map(|s| snapshot.location(s))
        .collect()
}

/// A symbol and the symbols that share an occurrence with it: a rule that
/// names two actions with an `amount` parameter uses both parameters with
/// one word, so they are renamed together.
pub fn linked(snapshot: &Snapshot, symbol: Symbol) -> Vec<Symbol> {
    let refs = &snapshot.model().references;
    let mut out = vec![symbol];
    if !matches!(symbol, Symbol::Param(..)) {
        return out;
    }
    let mut i = 0;
    while let Some(&current) = out.get(i) {
        let spans: Vec<_> = refs
            .iter()
            .filter(|r| r.symbol == current && !r.declaration)
            .map(|r| r.span)
            .collect();
        for r in refs {
            if spans.contains(&r.span) && !out.contains(&r.symbol) {
                out.push(r.symbol);
            }
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::fixture::*;

    #[test]
    fn definition_of_a_segment_use() {
        let s = snapshot(&[("hotel.remit", HOTEL)]);
        let at = offset_of(&s, "for loyal", 0, 5);
        let loc = definition(&s, FileId(0), at).unwrap();
        let decl = offset_of(&s, "segment loyal", 0, 8);
        let index = s.line_index(FileId(0)).unwrap();
        assert_eq!(loc.range.start, index.position(decl));
        assert!(loc.uri.as_str().ends_with("/fixture/hotel.remit"));
    }

    #[test]
    fn references_across_files_with_and_without_declaration() {
        let s = snapshot(&[
            (
                "a.remit",
                "role clerk\nrole boss extends clerk\naction waive\n",
            ),
            (
                "b.remit",
                "rule r {\n  permit clerk to waive\n  for any customer\n}\n",
            ),
        ]);
        let at = offset_of(&s, "clerk", 0, 1);
        let all = references(&s, FileId(0), at, true);
        assert_eq!(all.len(), 3);
        assert!(all[2].uri.as_str().ends_with("b.remit"));
        assert_eq!(references(&s, FileId(0), at, false).len(), 2);
    }

    #[test]
    fn parameters_shared_by_one_rule_are_linked() {
        let s = snapshot(&[("hotel.remit", HOTEL)]);
        let model = s.model();
        let refund = model.action("refund").unwrap();
        let amount = model.actions[refund]
            .params
            .position(|p| p.name == "amount")
            .unwrap();
        let refund_amount = Symbol::Param(refund, amount);
        let linked = linked(&s, refund_amount);
        assert_eq!(linked.len(), 2, "{linked:?}");
    }
}
