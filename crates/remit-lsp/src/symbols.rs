//! The outline of a file (document symbols) and the declarations of every
//! open policy (workspace symbols).

use crate::snapshot::Snapshot;
use remit_diagnostics::{FileId, Span};
use remit_sema::model::Symbol;
use remit_syntax::ast::{ClauseKind, Field, Item, ItemKind, TypeExpr};
use tower_lsp_server::ls_types::{DocumentSymbol, Location, OneOf, SymbolKind, WorkspaceSymbol};

/// The outline of one file: its items, with rules' clauses, enum variants,
/// schema fields and action parameters as children.
pub fn document_symbols(snapshot: &Snapshot, file: FileId) -> Vec<DocumentSymbol> {
    let Some(ast) = snapshot.ast(file) else {
        return Vec::new();
    };
    ast.items
        .iter()
        .filter_map(|item| item_symbol(snapshot, item))
        .collect()
}

#[allow(deprecated)]
fn symbol(
    snapshot: &Snapshot,
    name: String,
    detail: Option<String>,
    kind: SymbolKind,
    span: Span,
    selection: Span,
    children: Vec<DocumentSymbol>,
) -> Option<DocumentSymbol> {
    let range = snapshot.range(span.to(selection))?;
    let selection_range = snapshot.range(selection)?;
    Some(DocumentSymbol {
        name: if name.is_empty() {
            "_".to_string()
        } else {
            name
        },
        detail,
        kind,
        tags: None,
        deprecated: None,
        range,
        selection_range,
        children: (!children.is_empty()).then_some(children),
    })
}

/// A clause or effect line as written, on one line, shortened.
fn one_line(snapshot: &Snapshot, span: Span) -> String {
    let text = snapshot
        .slice(span)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if text.chars().count() > 80 {
        let cut: String = text.chars().take(79).collect();
        format!("{cut}…")
    } else {
        text
    }
}

fn type_text(ty: &TypeExpr) -> String {
    match ty {
        TypeExpr::Named(i) => i.name.clone(),
        TypeExpr::Set { element, .. } => format!("Set<{}>", element.name),
    }
}

fn fields(snapshot: &Snapshot, fields: &[Field]) -> Vec<DocumentSymbol> {
    fields
        .iter()
        .filter_map(|f| {
            symbol(
                snapshot,
                f.name.name.clone(),
                Some(type_text(&f.ty)),
                SymbolKind::FIELD,
                f.name.span.to(f.ty.span()),
                f.name.span,
                Vec::new(),
            )
        })
        .collect()
}

fn item_symbol(snapshot: &Snapshot, item: &Item) -> Option<DocumentSymbol> {
    let s = snapshot;
    match &item.kind {
        ItemKind::Policy(p) => symbol(
            s,
            p.name.name.clone(),
            p.version.as_ref().map(|v| format!("version {}", v.value)),
            SymbolKind::NAMESPACE,
            item.span,
            p.name.span,
            Vec::new(),
        ),
        ItemKind::Currency(c) => symbol(
            s,
            c.name.clone(),
            Some("currency".into()),
            SymbolKind::CONSTANT,
            item.span,
            c.span,
            Vec::new(),
        ),
        ItemKind::Enum(e) => {
            let children = e
                .variants
                .iter()
                .filter_map(|v| {
                    symbol(
                        s,
                        v.name.clone(),
                        None,
                        SymbolKind::ENUM_MEMBER,
                        v.span,
                        v.span,
                        Vec::new(),
                    )
                })
                .collect();
            symbol(
                s,
                e.name.name.clone(),
                None,
                SymbolKind::ENUM,
                item.span,
                e.name.span,
                children,
            )
        }
        ItemKind::Customer(schema) | ItemKind::Context(schema) => {
            let keyword = item.kind.keyword();
            let first = Span {
                end: item.span.start + keyword.len() as u32,
                ..item.span
            };
            symbol(
                s,
                keyword.to_string(),
                Some("schema".into()),
                SymbolKind::STRUCT,
                item.span,
                first,
                fields(s, &schema.fields),
            )
        }
        ItemKind::Role(r) => symbol(
            s,
            r.name.name.clone(),
            (!r.extends.is_empty()).then(|| {
                format!(
                    "extends {}",
                    r.extends
                        .iter()
                        .map(|e| e.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }),
            SymbolKind::CLASS,
            item.span,
            r.name.span,
            Vec::new(),
        ),
        ItemKind::Action(a) => symbol(
            s,
            a.name.name.clone(),
            Some("action".into()),
            SymbolKind::FUNCTION,
            item.span,
            a.name.span,
            fields(s, &a.params),
        ),
        ItemKind::Obligation(o) => symbol(
            s,
            o.name.name.clone(),
            o.description.as_ref().map(|d| d.value.clone()),
            SymbolKind::INTERFACE,
            item.span,
            o.name.span,
            Vec::new(),
        ),
        ItemKind::Outcome(o) => symbol(
            s,
            o.name.name.clone(),
            o.description.as_ref().map(|d| d.value.clone()),
            SymbolKind::INTERFACE,
            item.span,
            o.name.span,
            Vec::new(),
        ),
        ItemKind::Timezone(z) => symbol(
            s,
            z.value.clone(),
            Some("timezone".into()),
            SymbolKind::CONSTANT,
            item.span,
            z.span,
            Vec::new(),
        ),
        ItemKind::Segment(d) | ItemKind::Situation(d) => symbol(
            s,
            d.name.name.clone(),
            Some(item.kind.keyword().to_string()),
            SymbolKind::VARIABLE,
            item.span,
            d.name.span,
            Vec::new(),
        ),
        ItemKind::Rule(r) => {
            let mut children: Vec<DocumentSymbol> = Vec::new();
            children.extend(symbol(
                s,
                one_line(s, r.effect.span),
                None,
                SymbolKind::EVENT,
                r.effect.span,
                r.effect.span,
                Vec::new(),
            ));
            for c in &r.clauses {
                if matches!(c.kind, ClauseKind::Error) {
                    continue;
                }
                children.extend(symbol(
                    s,
                    one_line(s, c.span),
                    None,
                    SymbolKind::PROPERTY,
                    c.span,
                    c.span,
                    Vec::new(),
                ));
            }
            symbol(
                s,
                r.name.name.clone(),
                Some(r.effect.kind.as_str().to_string()),
                SymbolKind::OBJECT,
                item.span,
                r.name.span,
                children,
            )
        }
        ItemKind::Test(t) => symbol(
            s,
            t.name.value.clone(),
            Some("test".into()),
            SymbolKind::METHOD,
            item.span,
            t.name.span,
            Vec::new(),
        ),
        ItemKind::Error => None,
    }
}

fn kind_of(symbol: Symbol) -> SymbolKind {
    match symbol {
        Symbol::Enum(_) => SymbolKind::ENUM,
        Symbol::Variant(..) => SymbolKind::ENUM_MEMBER,
        Symbol::CustomerAttr(_) | Symbol::ContextAttr(_) => SymbolKind::FIELD,
        Symbol::Role(_) => SymbolKind::CLASS,
        Symbol::Action(_) => SymbolKind::FUNCTION,
        Symbol::Param(..) => SymbolKind::FIELD,
        Symbol::Obligation(_) | Symbol::Outcome(_) => SymbolKind::INTERFACE,
        Symbol::Segment(_) | Symbol::Situation(_) => SymbolKind::VARIABLE,
        Symbol::Rule(_) => SymbolKind::OBJECT,
    }
}

fn container(snapshot: &Snapshot, symbol: Symbol) -> Option<String> {
    let model = snapshot.model();
    match symbol {
        Symbol::Variant(e, _) => model.enums.get(e).map(|e| e.name.clone()),
        Symbol::Param(a, _) => model.actions.get(a).map(|a| a.name.clone()),
        Symbol::CustomerAttr(_) => Some("customer".into()),
        Symbol::ContextAttr(_) => Some("context".into()),
        _ => Some(model.name.clone()),
    }
}

/// Whether `query` matches `name`: its characters in order, ignoring case
/// (an empty query matches everything).
pub fn fuzzy_match(query: &str, name: &str) -> bool {
    let mut name = name.chars().flat_map(char::to_lowercase);
    query
        .chars()
        .flat_map(char::to_lowercase)
        .all(|q| name.any(|c| c == q))
}

/// The declarations of a policy matching a query.
pub fn workspace_symbols(snapshot: &Snapshot, query: &str) -> Vec<WorkspaceSymbol> {
    let model = snapshot.model();
    model
        .references
        .iter()
        .filter(|r| r.declaration)
        .filter_map(|r| {
            let name = model.symbol_name(r.symbol)?;
            if !fuzzy_match(query, name) {
                return None;
            }
            let location: Location = snapshot.location(r.span)?;
            Some(WorkspaceSymbol {
                name: name.to_string(),
                kind: kind_of(r.symbol),
                tags: None,
                container_name: container(snapshot, r.symbol),
                location: OneOf::Left(location),
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
    fn outline_with_children() {
        let s = snapshot(&[("hotel.remit", HOTEL)]);
        let symbols = document_symbols(&s, FileId(0));
        let names: Vec<_> = symbols.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(&names[..4], ["hotel", "USD", "Tier", "Incident"]);
        let tier = &symbols[2];
        assert_eq!(tier.children.as_ref().unwrap().len(), 4);
        let rule = symbols.iter().find(|s| s.name == "room_recovery").unwrap();
        let clauses: Vec<_> = rule
            .children
            .as_ref()
            .unwrap()
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(clauses[0], "permit front_desk to refund");
        assert_eq!(clauses[3], "limit amount <= 100 USD");
        assert_eq!(clauses.len(), 8);
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
        assert!(fuzzy_match("TIER", "tier"));
        assert!(!fuzzy_match("zz", "tier"));
    }
}
