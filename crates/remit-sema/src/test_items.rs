//! Checking `test` items (LANGUAGE.md §7).

use crate::checker::Checker;
use crate::model::{AttrDef, Expected, Id, IndexVec, PastUse, Symbol, TestDef, TestValue, Type};
use crate::units::quantity_value;
use remit_diagnostics::{did_you_mean, Code, Diagnostic, Span};
use remit_syntax::ast::{Expectation, FieldValue, Item, ItemKind, Test, TestEntryKind, Value};
use std::collections::{BTreeSet, HashMap};

impl Checker {
    /// Checks every test item.
    pub(crate) fn tests(&mut self, items: &[&Item]) {
        let mut names: HashMap<String, Span> = HashMap::new();
        for item in items {
            let ItemKind::Test(test) = &item.kind else {
                continue;
            };
            if let Some(first) = names.get(&test.name.value) {
                self.error(
                    Diagnostic::new(
                        Code::DUPLICATE_NAME,
                        format!("test `{}` is declared twice", test.name.value),
                        test.name.span,
                        "declared again here",
                    )
                    .secondary(*first, "first declared here")
                    .help("give every test its own name"),
                );
                continue;
            }
            names.insert(test.name.value.clone(), test.name.span);
            if let Some(def) = self.test(test, item.span) {
                self.model.tests.push(def);
            }
        }
    }

    fn test(&mut self, test: &Test, span: Span) -> Option<TestDef> {
        let before = self.diags.len();
        let mut seen: Vec<(&'static str, Span)> = Vec::new();
        let mut role = None;
        let mut action = None;
        let mut action_params: &[FieldValue] = &[];
        let mut customer = Vec::new();
        let mut context = Vec::new();
        let mut history = Vec::new();
        let mut expect = None;
        for entry in &test.entries {
            let key = match &entry.kind {
                TestEntryKind::Role(_) => "role",
                TestEntryKind::Action { .. } => "action",
                TestEntryKind::Customer(_) => "customer",
                TestEntryKind::Context(_) => "context",
                TestEntryKind::History(_) => "history",
                TestEntryKind::Expect(_) => "expect",
                TestEntryKind::Error => continue,
            };
            if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
                self.error(
                    Diagnostic::new(
                        Code::INVALID_TEST,
                        format!("`{key}` is given twice in test `{}`", test.name.value),
                        entry.span,
                        "given again here",
                    )
                    .secondary(*first, "first given here")
                    .help(format!("a test holds one request: keep one `{key}`")),
                );
                continue;
            }
            seen.push((key, entry.span));
            match &entry.kind {
                TestEntryKind::Role(r) => role = self.resolve_role(r),
                TestEntryKind::Action { name, params } => {
                    action = self.resolve_action(name);
                    action_params = params;
                }
                TestEntryKind::Customer(fields) => {
                    let schema = self.model.customer.clone();
                    customer = self.values(fields, &schema, "customer", Symbol::CustomerAttr);
                }
                TestEntryKind::Context(fields) => {
                    let schema = self.model.context.clone();
                    context = self.values(fields, &schema, "context", Symbol::ContextAttr);
                }
                TestEntryKind::History(entries) => {
                    for h in entries {
                        let Some(a) = self.resolve_action(&h.action) else {
                            continue;
                        };
                        let currency = self.model.currency.clone();
                        let amount = match &h.amount {
                            Some(q) => match quantity_value(
                                q,
                                &Type::Money,
                                "the amount",
                                currency.as_ref(),
                                &mut self.diags,
                            ) {
                                Some(v) => Some(v),
                                None => continue,
                            },
                            None => None,
                        };
                        let Some(minutes_ago) = quantity_value(
                            &h.ago,
                            &Type::Duration,
                            "how long ago",
                            None,
                            &mut self.diags,
                        ) else {
                            continue;
                        };
                        history.push(PastUse {
                            action: a,
                            amount,
                            minutes_ago,
                        });
                    }
                }
                TestEntryKind::Expect(e) => {
                    expect = match e {
                        Expectation::Deny => Some(Expected::Deny),
                        Expectation::Escalate(r) => self
                            .resolve_role(r)
                            .map(|_| Expected::Escalate(r.name.clone())),
                        Expectation::Permit { requiring } => {
                            let set = requiring.as_ref().map(|names| {
                                names
                                    .iter()
                                    .filter(|n| self.resolve_obligation(n).is_some())
                                    .map(|n| n.name.clone())
                                    .collect::<BTreeSet<_>>()
                            });
                            Some(Expected::Permit(set))
                        }
                    };
                }
                TestEntryKind::Error => {}
            }
        }
        let params = match action {
            Some(a) => {
                let schema = self.model.actions[a].params.clone();
                self.values(action_params, &schema, "param", |i| Symbol::Param(a, i))
            }
            None => Vec::new(),
        };
        for (key, example) in [
            ("role", "role front_desk"),
            ("action", "action refund { amount: 10 USD }"),
            ("expect", "expect permit"),
        ] {
            if !seen.iter().any(|(k, _)| *k == key) {
                let help = if key == "expect" {
                    "add `expect permit`, `expect deny` or `expect escalate to ROLE`".to_string()
                } else {
                    format!("add a line such as `{example}`")
                };
                self.error(
                    Diagnostic::new(
                        Code::INVALID_TEST,
                        format!("test `{}` has no `{key}`", test.name.value),
                        test.name.span,
                        format!("missing `{key}`"),
                    )
                    .help(help),
                );
            }
        }
        if self.diags[before..].iter().any(|d| d.is_error()) {
            return None;
        }
        Some(TestDef {
            name: test.name.value.clone(),
            span,
            role: role?,
            action: action?,
            params,
            customer,
            context,
            history,
            expect: expect?,
        })
    }

    fn values<I: Id>(
        &mut self,
        fields: &[FieldValue],
        schema: &IndexVec<I, AttrDef>,
        prefix: &str,
        symbol: impl Fn(I) -> Symbol,
    ) -> Vec<(String, TestValue)> {
        let mut out: Vec<(String, TestValue)> = Vec::new();
        for f in fields {
            let Some(i) = schema.position(|a| a.name == f.name.name) else {
                let names: Vec<&str> = schema.iter().map(|a| a.name.as_str()).collect();
                let (code, what) = if prefix == "param" {
                    (Code::UNKNOWN_PARAMETER, "parameter".to_string())
                } else {
                    (
                        Code::UNKNOWN_ATTRIBUTE,
                        format!("attribute `{prefix}.{}`", f.name.name),
                    )
                };
                let message = if prefix == "param" {
                    format!("unknown parameter `{}`", f.name.name)
                } else {
                    format!("unknown {what}")
                };
                let mut d = Diagnostic::new(code, message, f.name.span, "not declared");
                d = match did_you_mean(&f.name.name, names.iter().copied()) {
                    Some(s) => d.help(format!("did you mean `{s}`?")).fix(
                        format!("replace with `{s}`"),
                        f.name.span,
                        s.to_string(),
                    ),
                    None if names.is_empty() => d.help("nothing is declared here"),
                    None => d.help(format!(
                        "the declared names are {}",
                        crate::checker::list(
                            &names.iter().map(|s| s.to_string()).collect::<Vec<_>>()
                        )
                    )),
                };
                self.error(d);
                continue;
            };
            if out.iter().any(|(n, _)| *n == f.name.name) {
                self.error(
                    Diagnostic::new(
                        Code::INVALID_TEST,
                        format!("`{}` is given twice", f.name.name),
                        f.name.span,
                        "given again here",
                    )
                    .help("give each attribute once"),
                );
                continue;
            }
            self.reference(f.name.span, symbol(i));
            if let Some(v) = self.value(&f.value, &schema[i].ty, &f.name.name) {
                out.push((f.name.name.clone(), v));
            }
        }
        out
    }

    fn value(&mut self, value: &Value, ty: &Type, name: &str) -> Option<TestValue> {
        match (ty, value) {
            (t, Value::Quantity(q)) if t.is_numeric() => {
                let currency = self.model.currency.clone();
                quantity_value(q, t, name, currency.as_ref(), &mut self.diags).map(TestValue::Int)
            }
            (Type::Bool, Value::Bool(b, _)) => Some(TestValue::Bool(*b)),
            (Type::Enum(e), Value::Variant(v)) => {
                let index = self.enums.get(e).copied()?;
                self.resolve_variant(index, v).map(TestValue::Variant)
            }
            (Type::Set(e), Value::Set(set)) => {
                let index = self.enums.get(e).copied()?;
                let mut out = Vec::new();
                for item in &set.items {
                    out.push(self.resolve_variant(index, item)?);
                }
                out.sort();
                out.dedup();
                Some(TestValue::Set(out))
            }
            (ty, value) => {
                let example = match ty {
                    Type::Bool => "`true` or `false`".to_string(),
                    Type::Int => "a whole number such as `3`".to_string(),
                    Type::Money => format!(
                        "an amount such as `20 {}`",
                        self.model
                            .currency
                            .as_ref()
                            .map_or("USD", |c| c.code.as_str())
                    ),
                    Type::Duration => "a duration such as `30 minutes`".to_string(),
                    Type::Enum(e) => format!("a variant of `{e}`"),
                    Type::Set(e) => format!("a set of `{e}` variants such as `{{a, b}}`"),
                };
                self.error(
                    Diagnostic::new(
                        Code::TYPE_MISMATCH,
                        format!("`{name}` is `{ty}`, but the value is not"),
                        value.span(),
                        format!("expected `{ty}`"),
                    )
                    .help(format!("write {example}")),
                );
                None
            }
        }
    }
}
