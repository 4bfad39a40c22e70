//! The outline of a file (document symbols) and the declarations of every
//! open policy (workspace symbols) over LSP: `remit-ide`'s plain data as
//! LSP symbols.

use crate::snapshot::Snapshot;
use remit_diagnostics::FileId;
use remit_ide::symbols::{declarations, outline, OutlineItem, SymbolKind as Kind};
use tower_lsp_server::ls_types::{DocumentSymbol, OneOf, SymbolKind, WorkspaceSymbol};

/// The outline of one file ([`outline`]).
pub fn document_symbols(snapshot: &Snapshot, file: FileId) -> Vec<DocumentSymbol> {
    outline(&snapshot.policy, file)
        .into_iter()
        .filter_map(|item| document_symbol(snapshot, item))
        .collect()
}

/// The LSP kind of a symbol.
pub fn kind(kind: Kind) -> SymbolKind {
    match kind {
        Kind::Policy => SymbolKind::NAMESPACE,
        Kind::Currency => SymbolKind::CONSTANT,
        Kind::Enum => SymbolKind::ENUM,
        Kind::Variant => SymbolKind::ENUM_MEMBER,
        Kind::Schema => SymbolKind::STRUCT,
        Kind::Field => SymbolKind::FIELD,
        Kind::Role => SymbolKind::CLASS,
        Kind::Action => SymbolKind::FUNCTION,
        Kind::Obligation => SymbolKind::INTERFACE,
        Kind::Definition => SymbolKind::VARIABLE,
        Kind::Rule => SymbolKind::OBJECT,
        Kind::Test => SymbolKind::METHOD,
    }
}

#[allow(deprecated)]
fn document_symbol(snapshot: &Snapshot, item: OutlineItem) -> Option<DocumentSymbol> {
    let children: Vec<DocumentSymbol> = item
        .children
        .into_iter()
        .filter_map(|c| document_symbol(snapshot, c))
        .collect();
    Some(DocumentSymbol {
        name: item.name,
        detail: item.detail,
        kind: kind(item.kind),
        tags: None,
        deprecated: None,
        range: snapshot.range(item.span)?,
        selection_range: snapshot.range(item.selection)?,
        children: (!children.is_empty()).then_some(children),
    })
}

/// The declarations of a policy matching a query.
pub fn workspace_symbols(snapshot: &Snapshot, query: &str) -> Vec<WorkspaceSymbol> {
    declarations(&snapshot.policy, query)
        .into_iter()
        .filter_map(|d| {
            Some(WorkspaceSymbol {
                name: d.name,
                kind: kind(d.kind),
                tags: None,
                container_name: d.container,
                location: OneOf::Left(snapshot.location(d.span)?),
                data: None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::fixture::*;

    #[test]
    fn outline_of_items_with_their_members() {
        let s = snapshot(&[("hotel.remit", HOTEL)]);
        let symbols = document_symbols(&s, FileId(0));
        let names: Vec<_> = symbols.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(&names[..4], ["hotel", "USD", "Tier", "Incident"]);
        let tier = &symbols[2];
        assert_eq!(tier.children.as_ref().unwrap().len(), 4);
        let rule = symbols.iter().find(|s| s.name == "room_recovery").unwrap();
        assert_eq!(rule.kind, SymbolKind::OBJECT);
        assert_eq!(rule.detail.as_deref(), Some("permit front_desk to refund"));
        assert_eq!(rule.children, None);
        let customer = symbols.iter().find(|s| s.name == "customer").unwrap();
        assert_eq!(
            customer.children.as_ref().unwrap()[0].detail.as_deref(),
            Some("Tier")
        );
        for sym in &symbols {
            assert!(sym.range.start <= sym.selection_range.start);
            assert!(sym.selection_range.end <= sym.range.end);
        }
    }

    #[test]
    fn workspace_symbols_match_fuzzily() {
        let s = snapshot(&[("hotel.remit", HOTEL)]);
        let found: Vec<_> = workspace_symbols(&s, "rcov")
            .into_iter()
            .map(|w| w.name)
            .collect();
        assert_eq!(found, ["room_recovery", "manager_recovery"]);
        assert!(workspace_symbols(&s, "").len() > 30);
    }
}
