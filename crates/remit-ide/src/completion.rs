//! Completion: keywords valid at the cursor, attributes after `customer.`
//! and `context.`, variants of the expected enum, roles, actions,
//! obligations, segments, situations, parameters, types and lint names.
//!
//! The context comes from the current buffer text (which may be newer
//! than the last analysis); the names come from the last analysis.

use crate::completion_context::{context, Context, Operand, BUILTIN_TYPES};
use remit_diagnostics::LINTS;
use remit_sema::model::{AttrDef, Model, Type};

/// What a completion is, for the editor's icon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompletionKind {
    /// A reserved word.
    Keyword,
    /// A lint name.
    Lint,
    /// A role.
    Role,
    /// An action.
    Action,
    /// An obligation.
    Obligation,
    /// An outcome.
    Outcome,
    /// A segment or situation.
    Definition,
    /// A parameter of an action.
    Param,
    /// A customer or context attribute (or a parameter named in a test).
    Attribute,
    /// A built-in type.
    BuiltinType,
    /// An enum.
    Enum,
    /// A variant of an enum.
    Variant,
    /// `min` or `max` in a quantity expression.
    Function,
}

/// One completion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletionItem {
    /// The text offered, and inserted.
    pub label: String,
    /// What it is.
    pub kind: CompletionKind,
    /// A one-line note: a type, a role's parents, an action's parameters.
    pub detail: Option<String>,
    /// The doc comment of what it names, in Markdown.
    pub documentation: Option<String>,
}

/// The completions at byte `offset` of `text`.
pub fn complete(text: &str, offset: usize, model: Option<&Model>) -> Vec<CompletionItem> {
    let empty = Model::default();
    let model = model.unwrap_or(&empty);
    let mut out = Items::default();
    match context(text, offset) {
        Context::Nothing => {}
        Context::Keywords(k) => out.keywords(&k),
        Context::Roles { any } => {
            out.roles(model);
            if any {
                out.keywords(&["any"]);
            }
        }
        Context::Actions { any } => {
            out.actions(model);
            if any {
                out.keywords(&["any"]);
            }
        }
        Context::Obligations => out.obligations(model),
        Context::Outcomes => {
            for o in &model.outcomes {
                out.push(doc(
                    item(&o.name, CompletionKind::Outcome, Some(&o.description)),
                    o.doc.as_deref(),
                ));
            }
        }
        Context::Lints => {
            for lint in LINTS.iter() {
                out.push(item(lint.name, CompletionKind::Lint, Some(lint.summary)));
            }
        }
        Context::Attributes { customer } => {
            let attrs = if customer {
                model.customer.as_slice()
            } else {
                model.context.as_slice()
            };
            out.attributes(attrs);
        }
        Context::Variants(operand) => {
            if let Some(Type::Enum(e) | Type::Set(e)) = operand_type(model, &operand) {
                out.variants(model, &e);
            } else if let Some(Type::Bool) = operand_type(model, &operand) {
                out.keywords(&["true", "false"]);
            }
        }
        Context::Operand {
            customers_only,
            actions,
        } => {
            out.keywords(&["customer", "not"]);
            if !customers_only {
                out.keywords(&["context", "true", "false"]);
            }
            if customers_only {
                out.keywords(&["any"]);
            }
            for d in &model.segments {
                out.push(doc(
                    item(&d.name, CompletionKind::Definition, Some("segment")),
                    d.doc.as_deref(),
                ));
            }
            if !customers_only {
                for d in &model.situations {
                    out.push(doc(
                        item(&d.name, CompletionKind::Definition, Some("situation")),
                        d.doc.as_deref(),
                    ));
                }
                out.params(model, &actions);
            }
        }
        Context::Quantity {
            customers_only,
            actions,
        } => {
            out.keywords(&["customer"]);
            if !customers_only {
                out.keywords(&["context"]);
                out.params(model, &actions);
            }
            for (f, detail) in [
                ("min", "the least of quantities"),
                ("max", "the greatest of quantities"),
            ] {
                out.push(item(f, CompletionKind::Function, Some(detail)));
            }
        }
        Context::AfterOperand { then } => {
            out.keywords(&["and", "or", "in", "not", "contains"]);
            out.keywords(&then);
        }
        Context::LimitStart { actions } => {
            out.params(model, &actions);
            out.keywords(&["total"]);
        }
        Context::Types => {
            for t in BUILTIN_TYPES {
                out.push(item(t, CompletionKind::BuiltinType, Some("built-in type")));
            }
            for e in &model.enums {
                out.push(doc(
                    item(&e.name, CompletionKind::Enum, Some("enum")),
                    e.doc.as_deref(),
                ));
            }
        }
        Context::TestFields { customer } => {
            let attrs = if customer {
                model.customer.as_slice()
            } else {
                model.context.as_slice()
            };
            out.attributes(attrs);
        }
        Context::TestParams { action } => {
            if let Some(a) = model.actions.iter().find(|a| a.name == action) {
                out.attributes(a.params.as_slice());
            }
        }
    }
    out.0
}

fn operand_type(model: &Model, operand: &Operand) -> Option<Type> {
    let find =
        |attrs: &[AttrDef], name: &str| attrs.iter().find(|a| a.name == name).map(|a| a.ty.clone());
    match operand {
        Operand::Customer(name) => find(model.customer.as_slice(), name),
        Operand::Context(name) => find(model.context.as_slice(), name),
        Operand::Param(name) => model
            .actions
            .iter()
            .find_map(|a| a.param(name).map(|p| p.ty.clone())),
    }
}

fn item(label: &str, kind: CompletionKind, detail: Option<&str>) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind,
        detail: detail.filter(|d| !d.is_empty()).map(str::to_string),
        documentation: None,
    }
}

fn doc(mut item: CompletionItem, doc: Option<&str>) -> CompletionItem {
    item.documentation = doc
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_string);
    item
}

#[derive(Default)]
struct Items(Vec<CompletionItem>);

impl Items {
    fn push(&mut self, item: CompletionItem) {
        if !self.0.iter().any(|i| i.label == item.label) {
            self.0.push(item);
        }
    }

    fn keywords(&mut self, keywords: &[&str]) {
        for k in keywords {
            self.push(item(k, CompletionKind::Keyword, None));
        }
    }

    fn roles(&mut self, model: &Model) {
        for r in &model.roles {
            let parents: Vec<&str> = r
                .extends
                .iter()
                .filter_map(|p| model.roles.get(*p).map(|p| p.name.as_str()))
                .collect();
            let detail = if parents.is_empty() {
                "role".to_string()
            } else {
                format!("role extends {}", parents.join(", "))
            };
            self.push(doc(
                item(&r.name, CompletionKind::Role, Some(&detail)),
                r.doc.as_deref(),
            ));
        }
    }

    fn actions(&mut self, model: &Model) {
        for a in &model.actions {
            let params: Vec<String> = a
                .params
                .iter()
                .map(|p| format!("{}: {}", p.name, p.ty))
                .collect();
            let detail = format!("action({})", params.join(", "));
            self.push(doc(
                item(&a.name, CompletionKind::Action, Some(&detail)),
                a.doc.as_deref(),
            ));
        }
    }

    fn obligations(&mut self, model: &Model) {
        for o in &model.obligations {
            self.push(doc(
                item(&o.name, CompletionKind::Obligation, Some(&o.description)),
                o.doc.as_deref(),
            ));
        }
    }

    fn attributes(&mut self, attrs: &[AttrDef]) {
        for a in attrs {
            self.push(item(
                &a.name,
                CompletionKind::Attribute,
                Some(&a.ty.to_string()),
            ));
        }
    }

    fn params(&mut self, model: &Model, actions: &[String]) {
        for name in actions {
            if let Some(a) = model.actions.iter().find(|a| &a.name == name) {
                for p in &a.params {
                    self.push(item(
                        &p.name,
                        CompletionKind::Param,
                        Some(&format!("{}: parameter of {}", p.ty, a.name)),
                    ));
                }
            }
        }
    }

    fn variants(&mut self, model: &Model, enum_name: &str) {
        if let Some(e) = model.enum_def(enum_name) {
            for (v, _) in &e.variants {
                self.push(item(v, CompletionKind::Variant, Some(enum_name)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::*;

    fn labels(text: &str) -> Vec<String> {
        labels_in(HOTEL, text)
    }

    /// The labels offered at `|` in `text`, against the policy `source`.
    pub(super) fn labels_in(source: &str, text: &str) -> Vec<String> {
        let s = policy(&[("policy.remit", source)]);
        let offset = text.find('|').unwrap();
        let text = text.replacen('|', "", 1);
        complete(&text, offset, Some(s.model()))
            .into_iter()
            .map(|i| i.label)
            .collect()
    }

    #[test]
    fn attributes_after_customer_and_context() {
        assert_eq!(
            labels("rule x {\n  permit front_desk to refund\n  for customer.|"),
            ["tier", "nights_this_year", "flagged_for_abuse"]
        );
        assert_eq!(
            labels("situation s = context.|"),
            ["incident", "channel", "wait"]
        );
    }

    #[test]
    fn quantities_after_of_and_comparisons() {
        let expected = ["customer", "context", "amount", "min", "max"];
        for at in [
            "limit amount <= 20% of |",
            "limit amount <= |",
            "limit amount <= max(10% of context.wait, |",
            "when context.wait - |",
        ] {
            assert_eq!(
                labels(&format!("rule x {{\n  permit front_desk to refund\n  {at}")),
                expected,
                "at `{at}`"
            );
        }
        // A `for` reads customer attributes only.
        assert_eq!(
            labels("rule x {\n  permit front_desk to refund\n  for customer.nights_this_year > |"),
            ["customer", "min", "max"]
        );
    }

    #[test]
    fn variants_by_expected_type() {
        assert_eq!(
            labels("segment s = customer.tier in {|"),
            ["standard", "silver", "gold", "platinum"]
        );
        assert_eq!(
            labels("rule x {\n  permit front_desk to refund\n  when context.channel == |"),
            ["in_person", "phone"]
        );
        assert_eq!(
            labels("test \"t\" {\n  customer { flagged_for_abuse: |"),
            ["true", "false"]
        );
    }

    #[test]
    fn names_in_effect_and_clause_positions() {
        assert_eq!(
            labels("rule x {\n  permit |"),
            ["front_desk", "duty_manager", "general_manager", "any"]
        );
        assert_eq!(
            labels("rule x {\n  permit front_desk to |"),
            ["refund", "comp_meal", "upgrade_room", "any"]
        );
        assert_eq!(
            labels("rule x {\n  permit front_desk to refund\n  require |"),
            ["reason_code"]
        );
        assert_eq!(
            labels("rule x {\n  permit front_desk to refund\n  limit |"),
            ["amount", "total"]
        );
        let when = labels("rule x {\n  permit front_desk to refund\n  when |");
        assert!(when.contains(&"service_failure".to_string()), "{when:?}");
        assert!(when.contains(&"amount".to_string()), "{when:?}");
        let segment = labels("segment s = |");
        assert!(
            !segment.contains(&"service_failure".to_string()),
            "{segment:?}"
        );
    }

    #[test]
    fn lint_names_in_allow() {
        let lints = labels("@allow(|");
        assert_eq!(lints.len(), 14);
        assert!(lints.contains(&"unbounded_frequency".to_string()));
        assert!(lints.contains(&"band_gap".to_string()));
    }

    #[test]
    fn works_without_an_analysis() {
        let items = complete("rule x {\n  ", 11, None);
        let labels: Vec<_> = items.into_iter().map(|i| i.label).collect();
        assert_eq!(labels, ["permit", "forbid", "escalate"]);
    }

    #[test]
    fn items_carry_kind_detail_and_documentation() {
        let p = policy(&[("hotel.remit", HOTEL)]);
        let text = "rule x {\n  permit ";
        let items = complete(text, text.len(), Some(p.model()));
        assert_eq!(
            items[0],
            CompletionItem {
                label: "front_desk".into(),
                kind: CompletionKind::Role,
                detail: Some("role".into()),
                documentation: Some("The people at the desk.".into()),
            }
        );
        assert_eq!(items[1].detail.as_deref(), Some("role extends front_desk"));
        assert_eq!(items.last().map(|i| i.kind), Some(CompletionKind::Keyword));
        let text = "rule x {\n  permit front_desk to refund\n  limit ";
        let items = complete(text, text.len(), Some(p.model()));
        assert_eq!(
            (items[0].kind, items[0].detail.as_deref()),
            (CompletionKind::Param, Some("Money: parameter of refund"))
        );
        let text = "segment s = customer.tier in {";
        let items = complete(text, text.len(), Some(p.model()));
        assert!(items
            .iter()
            .all(|i| i.kind == CompletionKind::Variant && i.detail.as_deref() == Some("Tier")));
    }
}

#[cfg(test)]
mod version_1_1_tests {
    const POLICY: &str = "currency USD\nrole r\naction refund(amount: Money)\noutcome retained \"kept\"\ncontext { incident: Key }\n";

    fn labels(text: &str) -> Vec<String> {
        super::tests::labels_in(POLICY, text)
    }

    #[test]
    fn outcomes_after_aims_and_periods_after_calendar() {
        let rule = |body: &str| format!("{POLICY}rule k {{\n  permit r to refund\n  {body}\n}}\n");
        assert_eq!(labels(&rule("aims |")), vec!["retained".to_string()]);
        assert_eq!(
            labels(&rule("limit 1 per customer per calendar |")),
            vec!["day", "week", "month", "quarter", "year"]
        );
        let after_second_per = labels(&rule("limit 1 per customer per |"));
        assert!(
            after_second_per.contains(&"calendar".to_string()),
            "{after_second_per:?}"
        );
        assert!(
            after_second_per.contains(&"context".to_string()),
            "{after_second_per:?}"
        );
        // After a window the clause is complete: the next clauses follow.
        let after_window = labels(&rule("limit 1 per employee per customer per 7 days\n  |"));
        assert!(
            after_window.contains(&"aims".to_string()),
            "{after_window:?}"
        );
    }

    #[test]
    fn the_new_types_are_offered() {
        let types = labels("customer { since: | }");
        for t in ["Date", "Time", "Key"] {
            assert!(types.contains(&t.to_string()), "{types:?}");
        }
    }
}
