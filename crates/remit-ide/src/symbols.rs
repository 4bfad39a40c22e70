//! The outline of a file (document symbols) and the declarations of every
//! open policy (workspace symbols).

use crate::Policy;
use remit_diagnostics::{FileId, Span};
use remit_sema::model::Symbol;
use remit_syntax::ast::{self, Field, Item, ItemKind, TypeExpr};

/// What an outline entry or a declaration is, for the editor's icon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SymbolKind {
    /// The `policy` header.
    Policy,
    /// The `currency` or `timezone` line.
    Currency,
    /// An enum.
    Enum,
    /// A variant of an enum.
    Variant,
    /// The `customer` or `context` schema.
    Schema,
    /// A schema attribute or an action parameter.
    Field,
    /// A role.
    Role,
    /// An action.
    Action,
    /// An obligation or an outcome.
    Obligation,
    /// A segment or situation.
    Definition,
    /// A rule.
    Rule,
    /// A test.
    Test,
}

/// One entry of a file's outline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutlineItem {
    /// Its name (`_` for an empty one).
    pub name: String,
    /// A short note beside the name.
    pub detail: Option<String>,
    /// What it is.
    pub kind: SymbolKind,
    /// All of its text, the name included.
    pub span: Span,
    /// Its name.
    pub selection: Span,
    /// The entries inside it.
    pub children: Vec<OutlineItem>,
}

/// A declaration of a policy, for workspace symbols.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declaration {
    /// Its name.
    pub name: String,
    /// What it is.
    pub kind: SymbolKind,
    /// What holds it: the enum of a variant, the action of a parameter,
    /// `customer` or `context` for an attribute, else the policy.
    pub container: Option<String>,
    /// Where its name is declared.
    pub span: Span,
}

/// The outline of one file: its items (a rule with its effect line as
/// detail), with enum variants, schema fields and action parameters as
/// children.
pub fn outline(policy: &Policy, file: FileId) -> Vec<OutlineItem> {
    let Some(ast) = policy.ast(file) else {
        return Vec::new();
    };
    ast.items
        .iter()
        .filter_map(|item| item_symbol(policy, item))
        .collect()
}

fn symbol(
    name: String,
    detail: Option<String>,
    kind: SymbolKind,
    span: Span,
    selection: Span,
    children: Vec<OutlineItem>,
) -> OutlineItem {
    OutlineItem {
        name: if name.is_empty() {
            "_".to_string()
        } else {
            name
        },
        detail,
        kind,
        span: span.to(selection),
        selection,
        children,
    }
}

/// An effect line as written, on one line, shortened.
fn one_line(policy: &Policy, span: Span) -> String {
    let text = policy
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

fn fields(fields: &[Field]) -> Vec<OutlineItem> {
    fields
        .iter()
        .map(|f| {
            symbol(
                f.name.name.clone(),
                Some(type_text(&f.ty)),
                SymbolKind::Field,
                f.name.span.to(f.ty.span()),
                f.name.span,
                Vec::new(),
            )
        })
        .collect()
}

fn item_symbol(policy: &Policy, item: &Item) -> Option<OutlineItem> {
    let s = policy;
    Some(match &item.kind {
        ItemKind::Policy(p) => symbol(
            p.name.name.clone(),
            p.version.as_ref().map(|v| format!("version {}", v.value)),
            SymbolKind::Policy,
            item.span,
            p.name.span,
            Vec::new(),
        ),
        ItemKind::Currency(c) => symbol(
            c.name.clone(),
            Some("currency".into()),
            SymbolKind::Currency,
            item.span,
            c.span,
            Vec::new(),
        ),
        ItemKind::Enum(e) => {
            let children = e
                .variants
                .iter()
                .map(|v| {
                    symbol(
                        v.name.clone(),
                        None,
                        SymbolKind::Variant,
                        v.span,
                        v.span,
                        Vec::new(),
                    )
                })
                .collect();
            symbol(
                e.name.name.clone(),
                None,
                SymbolKind::Enum,
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
                keyword.to_string(),
                Some("schema".into()),
                SymbolKind::Schema,
                item.span,
                first,
                fields(&schema.fields),
            )
        }
        ItemKind::Role(r) => symbol(
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
            SymbolKind::Role,
            item.span,
            r.name.span,
            Vec::new(),
        ),
        ItemKind::Action(a) => symbol(
            a.name.name.clone(),
            Some("action".into()),
            SymbolKind::Action,
            item.span,
            a.name.span,
            fields(&a.params),
        ),
        ItemKind::Obligation(ast::ObligationDecl { name, description })
        | ItemKind::Outcome(ast::OutcomeDecl { name, description }) => symbol(
            name.name.clone(),
            description.as_ref().map(|d| d.value.clone()),
            SymbolKind::Obligation,
            item.span,
            name.span,
            Vec::new(),
        ),
        ItemKind::Timezone(z) => symbol(
            z.value.clone(),
            Some("timezone".into()),
            SymbolKind::Currency,
            item.span,
            z.span,
            Vec::new(),
        ),
        ItemKind::Segment(d) | ItemKind::Situation(d) => symbol(
            d.name.name.clone(),
            Some(item.kind.keyword().to_string()),
            SymbolKind::Definition,
            item.span,
            d.name.span,
            Vec::new(),
        ),
        // A rule's clauses are not names: the outline shows the rule, and
        // its effect line beside it (issue 20: every clause as a child
        // made the outline of 2,000 rules 4 MB).
        ItemKind::Rule(r) => symbol(
            r.name.name.clone(),
            Some(one_line(s, r.effect.span)),
            SymbolKind::Rule,
            item.span,
            r.name.span,
            Vec::new(),
        ),
        ItemKind::Test(t) => symbol(
            t.name.value.clone(),
            Some("test".into()),
            SymbolKind::Test,
            item.span,
            t.name.span,
            Vec::new(),
        ),
        ItemKind::Error => return None,
    })
}

fn kind_of(symbol: Symbol) -> SymbolKind {
    match symbol {
        Symbol::Enum(_) => SymbolKind::Enum,
        Symbol::Variant(..) => SymbolKind::Variant,
        Symbol::CustomerAttr(_) | Symbol::ContextAttr(_) => SymbolKind::Field,
        Symbol::Role(_) => SymbolKind::Role,
        Symbol::Action(_) => SymbolKind::Action,
        Symbol::Param(..) => SymbolKind::Field,
        Symbol::Obligation(_) | Symbol::Outcome(_) => SymbolKind::Obligation,
        Symbol::Segment(_) | Symbol::Situation(_) => SymbolKind::Definition,
        Symbol::Rule(_) => SymbolKind::Rule,
    }
}

fn container(policy: &Policy, symbol: Symbol) -> Option<String> {
    let model = policy.model();
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

/// The declarations of a policy whose names match a query
/// ([`fuzzy_match`]), in the order the model records them.
pub fn declarations(policy: &Policy, query: &str) -> Vec<Declaration> {
    let model = policy.model();
    model
        .references
        .iter()
        .filter(|r| r.declaration)
        .filter_map(|r| {
            let name = model.symbol_name(r.symbol)?;
            if !fuzzy_match(query, name) {
                return None;
            }
            Some(Declaration {
                name: name.to_string(),
                kind: kind_of(r.symbol),
                container: container(policy, r.symbol),
                span: r.span,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::*;

    #[test]
    fn outline_with_children() {
        let p = policy(&[("hotel.remit", HOTEL)]);
        let symbols = outline(&p, FileId(0));
        let names: Vec<_> = symbols.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(&names[..4], ["hotel", "USD", "Tier", "Incident"]);
        let tier = &symbols[2];
        assert_eq!(tier.children.len(), 4);
        assert_eq!(tier.children[0].kind, SymbolKind::Variant);
        let rule = symbols.iter().find(|s| s.name == "room_recovery").unwrap();
        assert_eq!(
            (rule.kind, rule.detail.as_deref(), p.slice(rule.selection)),
            (
                SymbolKind::Rule,
                Some("permit front_desk to refund"),
                "room_recovery"
            )
        );
        assert!(p.slice(rule.span).starts_with("rule room_recovery {"));
        assert!(rule.children.is_empty());
        let refund = symbols.iter().find(|s| s.name == "refund").unwrap();
        assert_eq!(refund.children[0].name, "amount");
        assert_eq!(refund.children[0].detail.as_deref(), Some("Money"));
        let customer = symbols.iter().find(|s| s.name == "customer").unwrap();
        assert_eq!(customer.children[0].detail.as_deref(), Some("Tier"));
        for sym in &symbols {
            assert!(sym.span.start <= sym.selection.start);
            assert!(sym.selection.end <= sym.span.end);
        }
    }

    #[test]
    fn declarations_match_fuzzily() {
        let p = policy(&[("hotel.remit", HOTEL)]);
        let found: Vec<_> = declarations(&p, "rcov")
            .into_iter()
            .map(|w| (w.name, w.kind, w.container))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "room_recovery".into(),
                    SymbolKind::Rule,
                    Some("hotel".into())
                ),
                (
                    "manager_recovery".into(),
                    SymbolKind::Rule,
                    Some("hotel".into())
                )
            ]
        );
        assert!(declarations(&p, "").len() > 30);
        let tier = declarations(&p, "tier");
        assert!(tier
            .iter()
            .any(|d| d.kind == SymbolKind::Field && d.container.as_deref() == Some("customer")));
        assert!(fuzzy_match("TIER", "tier"));
        assert!(!fuzzy_match("zz", "tier"));
    }

    #[test]
    fn language_1_1_items_in_the_outline_and_hover() {
        let text = "timezone \"Europe/London\"\n/// Why we do it.\noutcome retained \"the guest books again\"\n";
        let p = policy(&[("p.remit", text)]);
        let found: Vec<_> = outline(&p, FileId(0))
            .into_iter()
            .map(|o| (o.name, o.kind, o.detail))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "Europe/London".into(),
                    SymbolKind::Currency,
                    Some("timezone".into())
                ),
                (
                    "retained".into(),
                    SymbolKind::Obligation,
                    Some("the guest books again".into())
                ),
            ]
        );
        let at = text.find("retained").unwrap();
        assert_eq!(
            crate::hover::hover(&p, FileId(0), at).unwrap().markdown,
            "```remit\noutcome retained\n```\n\nthe guest books again\n\n---\n\nWhy we do it."
        );
        assert_eq!(declarations(&p, "retained")[0].kind, SymbolKind::Obligation);
    }
}
