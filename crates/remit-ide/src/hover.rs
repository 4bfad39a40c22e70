//! Hover: what a name is, in Markdown.
//!
//! Attributes and parameters show their type (and an enum's variants),
//! roles their ancestry, segments and situations their condition, rules
//! their box in plain words, and everything its doc comment. On a test's
//! name, the test's result.

use crate::policy_tests::test_title;
use crate::Policy;
use remit_analysis::describe;
use remit_diagnostics::{FileId, Span};
use remit_sema::model::{AttrDef, Model, RoleId, Symbol, Type};
use remit_syntax::ast::ItemKind;

/// What a hover shows, and over which text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hover {
    /// The name (or test name) hovered.
    pub span: Span,
    /// The text shown, in Markdown.
    pub markdown: String,
}

impl Hover {
    /// The same text as plain text, for a client that cannot render
    /// Markdown: code fences and `---` rules dropped, `**bold**` unmarked;
    /// identifiers keep their backticks, which read as quotes.
    pub fn plain_text(&self) -> String {
        let mut out: Vec<&str> = Vec::new();
        for line in self.markdown.lines() {
            if line.starts_with("```") || line == "---" {
                continue;
            }
            if line.is_empty() && out.last().is_some_and(|l| l.is_empty()) {
                continue;
            }
            out.push(line);
        }
        out.join("\n").replace("**", "")
    }
}

/// The hover at a byte offset of a file.
pub fn hover(policy: &Policy, file: FileId, offset: usize) -> Option<Hover> {
    if let Some(r) = policy.reference_at(file, offset) {
        let markdown = symbol(policy.model(), r.symbol)?;
        return Some(Hover {
            span: r.span,
            markdown,
        });
    }
    test_hover(policy, file, offset)
}

fn code(line: &str) -> String {
    format!("```remit\n{line}\n```")
}

fn with_doc(mut text: String, doc: Option<&String>) -> String {
    if let Some(doc) = doc.filter(|d| !d.trim().is_empty()) {
        text.push_str("\n\n---\n\n");
        text.push_str(doc.trim());
    }
    text
}

/// `keyword name` as code, its description, then its doc comment.
fn described(keyword: &str, name: &str, description: &str, doc: Option<&String>) -> String {
    let mut text = code(&format!("{keyword} {name}"));
    if !description.is_empty() {
        text.push_str(&format!("\n\n{description}"));
    }
    with_doc(text, doc)
}

/// The Markdown for a symbol.
pub fn symbol(model: &Model, symbol: Symbol) -> Option<String> {
    Some(match symbol {
        Symbol::Enum(i) => {
            let e = model.enums.get(i)?;
            let variants: Vec<&str> = e.variants.iter().map(|(v, _)| v.as_str()).collect();
            with_doc(
                code(&format!("enum {} {{ {} }}", e.name, variants.join(", "))),
                e.doc.as_ref(),
            )
        }
        Symbol::Variant(e, v) => {
            let def = model.enums.get(e)?;
            let (name, _) = def.variants.get(v)?;
            format!(
                "{}\n\nvariant of `{}` ({})",
                code(name),
                def.name,
                variant_list(model, &def.name, Some(name))
            )
        }
        Symbol::CustomerAttr(i) => attribute(model, "customer.", model.customer.get(i)?),
        Symbol::ContextAttr(i) => attribute(model, "context.", model.context.get(i)?),
        Symbol::Role(i) => {
            let role = model.roles.get(i)?;
            let mut head = format!("role {}", role.name);
            let parents: Vec<&str> = role
                .extends
                .iter()
                .filter_map(|p| model.roles.get(*p).map(|r| r.name.as_str()))
                .collect();
            if !parents.is_empty() {
                head.push_str(&format!(" extends {}", parents.join(", ")));
            }
            let mut text = code(&head);
            text.push_str(&format!("\n\nancestry: {}", ancestry(model, i)));
            let heirs: Vec<&str> = model
                .descendants(i)
                .into_iter()
                .filter_map(|d| model.roles.get(d).map(|r| r.name.as_str()))
                .collect();
            if !heirs.is_empty() {
                text.push_str(&format!("\n\ninherited by: {}", heirs.join(", ")));
            }
            with_doc(text, role.doc.as_ref())
        }
        Symbol::Action(i) => {
            let a = model.actions.get(i)?;
            let params: Vec<String> = a
                .params
                .iter()
                .map(|p| format!("{}: {}", p.name, p.ty))
                .collect();
            let head = if params.is_empty() {
                format!("action {}", a.name)
            } else {
                format!("action {}({})", a.name, params.join(", "))
            };
            with_doc(code(&head), a.doc.as_ref())
        }
        Symbol::Param(a, p) => {
            let action = model.actions.get(a)?;
            let param = action.params.get(p)?;
            let mut text = format!(
                "{}\n\nparameter of `{}`",
                code(&format!("{}: {}", param.name, param.ty)),
                action.name
            );
            if let Some(variants) = enum_note(model, &param.ty) {
                text.push_str(&format!("\n\n{variants}"));
            }
            text
        }
        Symbol::Outcome(i) => {
            let o = model.outcomes.get(i)?;
            described("outcome", &o.name, &o.description, o.doc.as_ref())
        }
        Symbol::Obligation(i) => {
            let o = model.obligations.get(i)?;
            described("obligation", &o.name, &o.description, o.doc.as_ref())
        }
        Symbol::Segment(i) => {
            let d = model.segments.get(i)?;
            with_doc(
                code(&format!(
                    "segment {} = {}",
                    d.name,
                    describe::cond(model, &[], &d.cond)
                )),
                d.doc.as_ref(),
            )
        }
        Symbol::Situation(i) => {
            let d = model.situations.get(i)?;
            with_doc(
                code(&format!(
                    "situation {} = {}",
                    d.name,
                    describe::cond(model, &[], &d.cond)
                )),
                d.doc.as_ref(),
            )
        }
        Symbol::Rule(i) => {
            let r = model.rules.get(i)?;
            let mut text = code(&format!("rule {}", r.name));
            text.push_str("\n\n");
            if r.ok {
                text.push_str(&describe::rule(model, r));
            } else {
                text.push_str("(this rule has errors; it is left out of the table)");
            }
            with_doc(text, r.doc.as_ref())
        }
    })
}

fn attribute(model: &Model, prefix: &str, a: &AttrDef) -> String {
    let mut text = code(&format!("{prefix}{}: {}", a.name, a.ty));
    if let Some(note) = enum_note(model, &a.ty) {
        text.push_str(&format!("\n\n{note}"));
    }
    text
}

fn enum_note(model: &Model, ty: &Type) -> Option<String> {
    match ty {
        Type::Enum(e) => Some(format!("one of: {}", variant_list(model, e, None))),
        Type::Set(e) => Some(format!("a set of: {}", variant_list(model, e, None))),
        _ => None,
    }
}

fn variant_list(model: &Model, enum_name: &str, bold: Option<&str>) -> String {
    model.enum_def(enum_name).map_or_else(String::new, |e| {
        e.variants
            .iter()
            .map(|(v, _)| {
                if Some(v.as_str()) == bold {
                    format!("**{v}**")
                } else {
                    v.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    })
}

/// `general_manager → duty_manager → front_desk` for a chain, else the role
/// and all its ancestors.
fn ancestry(model: &Model, role: RoleId) -> String {
    let mut chain = Vec::new();
    let mut current = Some(role);
    while let Some(r) = current {
        let Some(def) = model.roles.get(r) else { break };
        if chain.contains(&def.name) {
            break;
        }
        chain.push(def.name.clone());
        current = match def.extends.as_slice() {
            [one] => Some(*one),
            _ => None,
        };
        if def.extends.len() > 1 {
            let all: Vec<String> = model.roles[role]
                .ancestors
                .iter()
                .filter_map(|a| model.roles.get(*a).map(|r| r.name.clone()))
                .collect();
            return format!(
                "{} (inherits from {})",
                model.roles[role].name,
                all.join(", ")
            );
        }
    }
    chain.join(" → ")
}

fn test_hover(policy: &Policy, file: FileId, offset: usize) -> Option<Hover> {
    let ast = policy.ast(file)?;
    let item = ast.items.iter().find(|i| match &i.kind {
        ItemKind::Test(t) => t.name.span.contains(offset),
        _ => false,
    })?;
    let ItemKind::Test(t) = &item.kind else {
        return None;
    };
    let result = policy
        .test_results()
        .ok()?
        .iter()
        .find(|r| r.span == item.span)?;
    let mut text = format!(
        "{}\n\n{}",
        code(&format!("test \"{}\"", t.name.value)),
        test_title(result)
    );
    let rules = &result.explanation.decision.rules;
    if !rules.is_empty() {
        text.push_str(&format!(
            "\n\ndecided by: {}",
            rules
                .iter()
                .map(|r| format!("`{r}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Some(Hover {
        span: t.name.span,
        markdown: text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::*;

    fn hover_text(needle: &str, n: usize, delta: usize) -> String {
        let p = policy(&[("hotel.remit", HOTEL)]);
        let at = offset_of(&p, needle, n, delta);
        match hover(&p, FileId(0), at) {
            Some(h) => h.markdown,
            None => panic!("no hover at {needle}"),
        }
    }

    #[test]
    fn attribute_types_and_variants() {
        assert_eq!(
            hover_text("customer.tier in", 0, 10),
            "```remit\ncustomer.tier: Tier\n```\n\none of: standard, silver, gold, platinum"
        );
        assert_eq!(
            hover_text("context.wait", 0, 9),
            "```remit\ncontext.wait: Duration\n```"
        );
        assert_eq!(
            hover_text("limit amount", 0, 7),
            "```remit\namount: Money\n```\n\nparameter of `refund`"
        );
    }

    #[test]
    fn enums_with_doc_and_variants() {
        assert_eq!(
            hover_text("enum Tier", 0, 6),
            "```remit\nenum Tier { standard, silver, gold, platinum }\n```\n\n---\n\nHow much a guest is worth to us."
        );
        assert_eq!(
            hover_text("{gold, platinum}", 0, 2),
            "```remit\ngold\n```\n\nvariant of `Tier` (standard, silver, **gold**, platinum)"
        );
    }

    #[test]
    fn role_ancestry() {
        assert_eq!(
            hover_text("role general_manager", 0, 6),
            "```remit\nrole general_manager extends duty_manager\n```\n\n\
             ancestry: general_manager → duty_manager → front_desk"
        );
        assert_eq!(
            hover_text("role front_desk", 0, 6),
            "```remit\nrole front_desk\n```\n\nancestry: front_desk\n\n\
             inherited by: duty_manager, general_manager\n\n---\n\nThe people at the desk."
        );
    }

    #[test]
    fn rules_read_as_their_box() {
        let text = hover_text("rule room_recovery", 0, 6);
        assert!(
            text.starts_with(
                "```remit\nrule room_recovery\n```\n\nfront_desk may refund up to 100.00 USD"
            ),
            "{text}"
        );
        assert!(text.ends_with("---\n\nThe everyday box."), "{text}");
    }

    #[test]
    fn segments_obligations_and_tests() {
        assert_eq!(
            hover_text("for loyal", 0, 5),
            "```remit\nsegment loyal = customer.tier in {gold, platinum} or customer.nights_this_year >= 10\n```"
        );
        assert_eq!(
            hover_text("require reason_code", 0, 9),
            "```remit\nobligation reason_code\n```\n\nRecord a reason code in the property system"
        );
        let t = hover_text("\"flagged guests", 0, 3);
        assert!(
            t.contains("✗ expected escalate to duty_manager, got deny"),
            "{t}"
        );
    }

    #[test]
    fn plain_text_drops_the_markup() {
        let p = policy(&[("hotel.remit", HOTEL)]);
        let plain = |needle: &str, delta: usize| {
            let at = offset_of(&p, needle, 0, delta);
            hover(&p, FileId(0), at).unwrap().plain_text()
        };
        assert_eq!(
            plain("enum Tier", 6),
            "enum Tier { standard, silver, gold, platinum }\n\nHow much a guest is worth to us."
        );
        assert_eq!(
            plain("{gold, platinum}", 2),
            "gold\n\nvariant of `Tier` (standard, silver, gold, platinum)"
        );
    }

    #[test]
    fn the_span_is_the_name_hovered() {
        let p = policy(&[("hotel.remit", HOTEL)]);
        let at = offset_of(&p, "for loyal", 0, 6);
        let h = hover(&p, FileId(0), at).unwrap();
        assert_eq!(p.slice(h.span), "loyal");
        let at = offset_of(&p, "\"flagged guests", 0, 3);
        let h = hover(&p, FileId(0), at).unwrap();
        assert_eq!(p.slice(h.span), "\"flagged guests get nothing\"");
        assert!(hover(&p, FileId(0), 0).is_none());
    }
}
