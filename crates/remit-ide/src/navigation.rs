//! Go to definition and find references, from the model's record of every
//! name occurrence.

use crate::Policy;
use remit_diagnostics::{FileId, Span};
use remit_sema::model::Symbol;

/// Where the name under the cursor is declared.
pub fn definition(policy: &Policy, file: FileId, offset: usize) -> Option<Span> {
    let r = policy.reference_at(file, offset)?;
    policy.model().declaration(r.symbol)
}

/// Every occurrence of the name under the cursor, in file and position
/// order, with or without its declaration.
pub fn references(
    policy: &Policy,
    file: FileId,
    offset: usize,
    include_declaration: bool,
) -> Vec<Span> {
    let Some(r) = policy.reference_at(file, offset) else {
        return Vec::new();
    };
    let symbols = linked(policy, r.symbol);
    let mut spans: Vec<_> = policy
        .model()
        .references
        .iter()
        .filter(|o| symbols.contains(&o.symbol) && (include_declaration || !o.declaration))
        .map(|o| o.span)
        .collect();
    spans.sort();
    spans.dedup();
    spans
}

/// A symbol and the symbols that share an occurrence with it: a rule that
/// names two actions with an `amount` parameter uses both parameters with
/// one word, so they are renamed together.
pub fn linked(policy: &Policy, symbol: Symbol) -> Vec<Symbol> {
    let refs = &policy.model().references;
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
    use crate::fixture::*;

    #[test]
    fn definition_of_a_segment_use() {
        let p = policy(&[("hotel.remit", HOTEL)]);
        let at = offset_of(&p, "for loyal", 0, 5);
        let decl = definition(&p, FileId(0), at).unwrap();
        assert_eq!(decl.start as usize, offset_of(&p, "segment loyal", 0, 8));
        assert_eq!(p.slice(decl), "loyal");
    }

    #[test]
    fn references_across_files_with_and_without_declaration() {
        let p = policy(&[
            (
                "a.remit",
                "role clerk\nrole boss extends clerk\naction waive\n",
            ),
            (
                "b.remit",
                "rule r {\n  permit clerk to waive\n  for any customer\n}\n",
            ),
        ]);
        let at = offset_of(&p, "clerk", 0, 1);
        let all = references(&p, FileId(0), at, true);
        assert_eq!(all.len(), 3);
        assert_eq!(all[2].file, FileId(1));
        assert!(all.iter().all(|s| p.slice(*s) == "clerk"));
        assert_eq!(references(&p, FileId(0), at, false).len(), 2);
    }

    #[test]
    fn parameters_shared_by_one_rule_are_linked() {
        let p = policy(&[("hotel.remit", HOTEL)]);
        let model = p.model();
        let refund = model.action("refund").unwrap();
        let amount = model.actions[refund]
            .params
            .position(|p| p.name == "amount")
            .unwrap();
        let refund_amount = Symbol::Param(refund, amount);
        let linked = linked(&p, refund_amount);
        assert_eq!(linked.len(), 2, "{linked:?}");
    }
}
