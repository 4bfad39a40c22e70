//! Checking `test` items (LANGUAGE.md §7).

use crate::checker::Checker;
use crate::model::{
    ActionId, AttrDef, Expected, Id, IndexVec, PastUse, RoleId, Symbol, TestDef, TestValue, Type,
};
use crate::units::quantity_value;
use remit_diagnostics::{did_you_mean, Code, Diagnostic, Span};
use remit_syntax::ast::{
    Expectation, FieldValue, HistoryEntry, Item, ItemKind, Test, TestEntryKind, Value,
};
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

    /// Checks one test: its entries, then the parameters of its action,
    /// then the entries it must have.
    fn test(&mut self, test: &Test, span: Span) -> Option<TestDef> {
        let before = self.diags.len();
        let entries = self.test_entries(test);
        let params = match entries.action {
            Some(a) => {
                let schema = self.model.actions[a].params.clone();
                self.values(entries.action_params, &schema, "param", |i| {
                    Symbol::Param(a, i)
                })
            }
            None => Vec::new(),
        };
        self.missing_entries(test, &entries.seen);
        if entries.at.is_none() && !entries.seen.iter().any(|(k, _)| *k == "at") {
            if let Some(rule) = self.model.rules.iter().find(|r| {
                r.counts
                    .iter()
                    .map(|c| c.window)
                    .chain(r.totals.iter().map(|t| t.window))
                    .any(|w| matches!(w, crate::model::WindowDef::Calendar(_)))
            }) {
                let rule_span = rule.name_span;
                self.error(
                    Diagnostic::new(
                        Code::INVALID_TEST,
                        format!("test `{}` has no `at`, but the policy counts by calendar periods", test.name.value),
                        test.name.span,
                        "missing `at`",
                    )
                    .secondary(rule_span, "this rule counts by calendar period")
                    .help("say when the request is made, in the policy's time zone, e.g. `at 2026-12-24 23:00`"),
                );
            }
        }
        if self.diags[before..].iter().any(|d| d.is_error()) {
            return None;
        }
        Some(TestDef {
            name: test.name.value.clone(),
            span,
            role: entries.role?,
            action: entries.action?,
            params,
            customer: entries.customer,
            context: entries.context,
            history: entries.history,
            at: entries.at,
            expect: entries.expect?,
        })
    }

    /// Each entry of a test, checked, with a given-twice entry reported and
    /// skipped.
    fn test_entries<'t>(&mut self, test: &'t Test) -> TestEntries<'t> {
        let mut out = TestEntries::default();
        for entry in &test.entries {
            let key = match &entry.kind {
                TestEntryKind::Role(_) => "role",
                TestEntryKind::Action { .. } => "action",
                TestEntryKind::Customer(_) => "customer",
                TestEntryKind::Context(_) => "context",
                TestEntryKind::History(_) => "history",
                TestEntryKind::Expect(_) => "expect",
                TestEntryKind::At { .. } => "at",
                TestEntryKind::Error => continue,
            };
            if let Some((_, first)) = out.seen.iter().find(|(k, _)| *k == key) {
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
            out.seen.push((key, entry.span));
            match &entry.kind {
                TestEntryKind::Role(r) => out.role = self.resolve_role(r),
                TestEntryKind::Action { name, params } => {
                    out.action = self.resolve_action(name);
                    out.action_params = params;
                }
                TestEntryKind::Customer(fields) => {
                    let schema = self.model.customer.clone();
                    out.customer = self.values(fields, &schema, "customer", Symbol::CustomerAttr);
                }
                TestEntryKind::Context(fields) => {
                    let schema = self.model.context.clone();
                    out.context = self.values(fields, &schema, "context", Symbol::ContextAttr);
                }
                TestEntryKind::History(entries) => out.history = self.history(entries),
                TestEntryKind::Expect(e) => out.expect = self.expectation(e),
                TestEntryKind::At { date, time } => out.at = self.test_instant(date, time),
                TestEntryKind::Error => {}
            }
        }
        out
    }

    /// A test's `history`: each past use whose action, amount and age
    /// check.
    fn history(&mut self, entries: &[HistoryEntry]) -> Vec<PastUse> {
        let mut history = Vec::new();
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
            let mut keys = Vec::new();
            for k in &h.keys {
                let Some(i) = self.context.get(&k.name.name).copied() else {
                    let names: Vec<String> = self
                        .model
                        .context
                        .iter()
                        .filter(|a| a.ty == Type::Key)
                        .map(|a| a.name.clone())
                        .collect();
                    self.unknown(
                        "key",
                        &k.name,
                        names.iter().map(String::as_str),
                        "a past use is recorded under `Key` attributes of the context, e.g. `for { incident: \"INC-7\" }`",
                    );
                    continue;
                };
                self.reference(k.name.span, Symbol::ContextAttr(i));
                let def = &self.model.context[i];
                match (&def.ty, &k.value) {
                    (Type::Key, remit_syntax::ast::Value::Str(v)) => {
                        keys.push((k.name.name.clone(), v.value.clone()));
                    }
                    (ty, value) => {
                        let ty = ty.clone();
                        self.error(
                            Diagnostic::new(
                                Code::TYPE_MISMATCH,
                                format!("a past use is recorded under keys, but `context.{}` is `{ty}`", k.name.name),
                                value.span(),
                                "expected a key string",
                            )
                            .help("name `Key` attributes with string values, e.g. `for { incident: \"INC-7\" }`"),
                        );
                    }
                }
            }
            history.push(PastUse {
                action: a,
                amount,
                minutes_ago,
                keys,
            });
        }
        history
    }

    /// `at DATE TIME`: local time in the policy's zone, as seconds since
    /// 1970-01-01 UTC. A time the clock skips is an error; a repeated one
    /// means the earlier instant.
    fn test_instant(
        &mut self,
        date: &remit_syntax::ast::TextLit,
        time: &remit_syntax::ast::TextLit,
    ) -> Option<i64> {
        let days = self.date_literal(date)?;
        let minutes = self.time_literal(time)?;
        let zone_name = self
            .model
            .timezone
            .as_ref()
            .map_or("UTC", |(z, _)| z.as_str())
            .to_string();
        let zone = jiff::tz::db().get(&zone_name).ok()?;
        let civil = jiff::civil::date(1970, 1, 1)
            .checked_add(jiff::Span::new().days(days))
            .ok()?
            .at(
                i8::try_from(minutes / 60).ok()?,
                i8::try_from(minutes % 60).ok()?,
                0,
                0,
            );
        let ambiguous = zone.to_ambiguous_zoned(civil);
        if matches!(ambiguous.offset(), jiff::tz::AmbiguousOffset::Gap { .. }) {
            self.error(
                Diagnostic::new(
                    Code::INVALID_TEST,
                    format!(
                        "`{} {}` does not exist in `{zone_name}`: the clocks skip it",
                        date.raw, time.raw
                    ),
                    date.span.to(time.span),
                    "a skipped local time",
                )
                .help("pick a time outside the daylight-saving change, e.g. one hour later"),
            );
            return None;
        }
        let zoned = ambiguous.earlier().ok()?;
        Some(zoned.timestamp().as_second())
    }

    /// What a test's `expect` line expects, its names resolved.
    fn expectation(&mut self, e: &Expectation) -> Option<Expected> {
        match e {
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
        }
    }

    /// Reports each of `role`, `action` and `expect` that a test lacks.
    fn missing_entries(&mut self, test: &Test, seen: &[(&'static str, Span)]) {
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
            (Type::Key, Value::Str(k)) => Some(TestValue::Key(k.value.clone())),
            (Type::Date, Value::Date(d)) => self.date_literal(d).map(TestValue::Int),
            (Type::Time, Value::Time(t)) => self.time_literal(t).map(TestValue::Int),
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
                    Type::Key => "a string such as `\"INC-7\"`".to_string(),
                    Type::Date => "a date such as `2026-12-24`".to_string(),
                    Type::Time => "a time of day such as `22:30`".to_string(),
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

/// A test's entries, checked ([`Checker::test_entries`]).
#[derive(Default)]
struct TestEntries<'t> {
    /// The entries given, with where, in order.
    seen: Vec<(&'static str, Span)>,
    role: Option<RoleId>,
    action: Option<ActionId>,
    /// The action's parameter values, checked once the action is known.
    action_params: &'t [FieldValue],
    customer: Vec<(String, TestValue)>,
    context: Vec<(String, TestValue)>,
    history: Vec<PastUse>,
    at: Option<i64>,
    expect: Option<Expected>,
}
