//! Quick fixes for analysis findings, computed below any protocol from
//! the model, the syntax trees and the source text, and attached to the
//! diagnostics as typed [`Fix`]es (byte offsets and text). The command
//! line's JSON and SARIF carry them; the language server only translates
//! them into code actions.
//!
//! - `unbounded_amount`: `limit PARAM <= VALUE`, the smallest cap other
//!   rules on the same actions put on that parameter, else zero (to be
//!   raised): never more than the policy already allows somewhere;
//! - `unbounded_frequency`: `limit N per customer per WINDOW`, the
//!   tightest per-customer count other rules on the same actions have
//!   (fewest uses, then longest window), else once in 30 days;
//! - `unscoped_customers`: `for any customer` under the effect line;
//! - every lint on a rule: `@allow(lint)` above the rule, or the lint
//!   added to its `@allow(…)`.
//!
//! The front end's own fixes ("did you mean", a missing currency) are made
//! where it finds the problem; they come after the fixes made here, and
//! the first fix is the preferred one.

use remit_diagnostics::{Code, Data, Diagnostic, Fix, Sources, Span};
use remit_sema::model::{ActionId, Model, RuleDef, RuleId, Type};
use remit_sema::units::{format_duration, format_money};
use remit_sema::Checked;
use remit_syntax::ast::{Item, ItemKind, Per};
use std::cmp::Reverse;
use std::collections::HashMap;

/// Attaches the fixes to `diagnostics` (a "… and N more" summary gets
/// none: it stands for many findings).
pub(crate) fn attach(sources: &Sources, checked: &Checked, diagnostics: &mut [Diagnostic]) {
    if !diagnostics.iter().any(|d| d.code.is_lint()) {
        return;
    }
    let fixer = Fixer::new(sources, checked);
    for d in diagnostics.iter_mut().filter(|d| d.omitted == 0) {
        fixer.fix(d);
    }
}

/// The two best entries by rule, for "the best one elsewhere": one of two
/// distinct rules is never the rule asking.
type BestTwo<K> = [Option<(K, RuleId)>; 2];

fn offer<K: Ord + Copy>(best: &mut BestTwo<K>, key: K, rule: RuleId) {
    let mut entries: Vec<(K, RuleId)> = best.iter().flatten().copied().collect();
    match entries.iter_mut().find(|(_, r)| *r == rule) {
        Some(entry) => entry.0 = entry.0.min(key),
        None => entries.push((key, rule)),
    }
    entries.sort_by_key(|(k, _)| *k);
    *best = [entries.first().copied(), entries.get(1).copied()];
}

fn best_except<K: Copy>(best: &BestTwo<K>, rule: RuleId) -> Option<K> {
    best.iter()
        .flatten()
        .find(|(_, r)| *r != rule)
        .map(|(k, _)| *k)
}

/// What the fixes read, indexed once per analysis.
struct Fixer<'a> {
    sources: &'a Sources,
    model: &'a Model,
    /// Rules by file, sorted by start: (start, end, rule).
    rules_by_file: HashMap<u32, Vec<(u32, u32, RuleId)>>,
    /// A rule's item, by the span of its name.
    items: HashMap<Span, &'a Item>,
    /// The smallest caps, by action and parameter.
    caps: HashMap<(ActionId, &'a str), BestTwo<i64>>,
    /// The tightest per-customer counts, by action: (count, longest window).
    counts: HashMap<ActionId, BestTwo<(i64, Reverse<i64>)>>,
}

impl<'a> Fixer<'a> {
    fn new(sources: &'a Sources, checked: &'a Checked) -> Self {
        let model = &checked.model;
        let mut rules_by_file: HashMap<u32, Vec<(u32, u32, RuleId)>> = HashMap::new();
        let mut caps: HashMap<(ActionId, &str), BestTwo<i64>> = HashMap::new();
        let mut counts: HashMap<ActionId, BestTwo<(i64, Reverse<i64>)>> = HashMap::new();
        for (i, r) in model.rules.iter_enumerated() {
            rules_by_file
                .entry(r.span.file.0)
                .or_default()
                .push((r.span.start, r.span.end, i));
            if !r.ok {
                continue;
            }
            for &a in &r.actions {
                for c in &r.caps {
                    offer(caps.entry((a, c.param.as_str())).or_default(), c.max, i);
                }
                for c in r.counts.iter().filter(|c| c.per() == Some(Per::Customer)) {
                    if let Some(window) = c.window.sliding_minutes() {
                        offer(counts.entry(a).or_default(), (c.count, Reverse(window)), i);
                    }
                }
            }
        }
        for rules in rules_by_file.values_mut() {
            rules.sort_unstable();
        }
        let items = checked
            .files
            .iter()
            .flat_map(|(_, f)| &f.items)
            .filter_map(|item| match &item.kind {
                ItemKind::Rule(r) => Some((r.name.span, item)),
                _ => None,
            })
            .collect();
        Fixer {
            sources,
            model,
            rules_by_file,
            items,
            caps,
            counts,
        }
    }

    fn fix(&self, d: &mut Diagnostic) {
        if !d.code.is_lint() {
            return;
        }
        let Some(index) = self.rule_at(d.primary.span) else {
            return;
        };
        let rule = &self.model.rules[index];
        let computed = if d.code == Code::UNBOUNDED_AMOUNT {
            self.missing_cap(d, index)
        } else if d.code == Code::UNBOUNDED_FREQUENCY {
            self.missing_frequency(index)
        } else if d.code == Code::UNSCOPED_CUSTOMERS {
            Some(self.any_customer(rule))
        } else {
            None
        };
        if let Some(fix) = computed {
            d.fixes.insert(0, fix.preferred());
        }
        if let Some(fix) = self.allow(d.code, rule) {
            d.fixes.push(fix);
        }
    }

    /// The rule a diagnostic is on: the rule whose item holds its span.
    /// Items do not nest, so it can only be the last rule starting at or
    /// before the span.
    fn rule_at(&self, span: Span) -> Option<RuleId> {
        let rules = self.rules_by_file.get(&span.file.0)?;
        let after = rules.partition_point(|(start, _, _)| *start <= span.start);
        rules[..after]
            .last()
            .filter(|(_, end, _)| span.end <= *end)
            .map(|(_, _, i)| *i)
    }

    /// The leading whitespace of the line holding `span`.
    fn indent_of(&self, span: Span) -> String {
        let Some(source) = self.sources.get(span.file) else {
            return "  ".to_string();
        };
        let text = source.text();
        let start = text
            .get(..span.start as usize)
            .and_then(|t| t.rfind('\n'))
            .map_or(0, |i| i + 1);
        text.get(start..)
            .unwrap_or("")
            .chars()
            .take_while(|c| *c == ' ' || *c == '\t')
            .collect()
    }

    /// `for any customer` on its own line after the effect, indented
    /// like it.
    fn any_customer(&self, rule: &RuleDef) -> Fix {
        Fix::new(
            "add `for any customer`",
            Span {
                start: rule.effect_span.end,
                ..rule.effect_span
            },
            format!("\n{}for any customer", self.indent_of(rule.effect_span)),
        )
    }

    /// `limit PARAM <= VALUE` as the rule's last clause.
    fn missing_cap(&self, d: &Diagnostic, index: RuleId) -> Option<Fix> {
        let model = self.model;
        let rule = &model.rules[index];
        let param = match &d.data {
            Some(Data::UnboundedParameter { parameter, .. }) => parameter.clone(),
            None => rule.actions.iter().find_map(|a| {
                model.actions.get(*a)?.params.iter().find_map(|p| {
                    (matches!(p.ty, Type::Money | Type::Int)
                        && !rule.caps.iter().any(|c| c.param == p.name))
                    .then(|| p.name.clone())
                })
            })?,
        };
        let ty = rule
            .actions
            .iter()
            .find_map(|a| model.actions.get(*a)?.param(&param).map(|p| p.ty.clone()))?;
        let existing = rule
            .actions
            .iter()
            .filter_map(|a| best_except(self.caps.get(&(*a, param.as_str()))?, index))
            .min();
        let value = existing.unwrap_or(0);
        let literal = match ty {
            Type::Money => format_money(value, model.currency.as_ref()),
            Type::Duration => format!("{value} minutes"),
            _ => value.to_string(),
        };
        let cap = format!("limit {param} <= {literal}");
        let title = if existing.is_some() {
            format!("add `{cap}` (the smallest cap on `{param}` elsewhere)")
        } else {
            format!("add `{cap}` (then raise it)")
        };
        self.last_clause(rule, title, cap)
    }

    /// `limit N per customer per WINDOW` as the rule's last clause.
    fn missing_frequency(&self, index: RuleId) -> Option<Fix> {
        let rule = &self.model.rules[index];
        let existing = rule
            .actions
            .iter()
            .filter_map(|a| best_except(self.counts.get(a)?, index))
            .min()
            .map(|(count, Reverse(window))| (count, window));
        let (count, window) = existing.unwrap_or((1, 30 * 1440));
        let limit = format!("limit {count} per customer per {}", format_duration(window));
        let title = if existing.is_some() {
            format!("add `{limit}` (the tightest such limit elsewhere)")
        } else {
            format!("add `{limit}` (then adjust it)")
        };
        self.last_clause(rule, title, limit)
    }

    /// A fix that adds `clause` as the rule's last clause, on its own line
    /// before the closing brace, indented like the effect line.
    fn last_clause(&self, rule: &RuleDef, title: String, clause: String) -> Option<Fix> {
        let text = self.sources.get(rule.body_end.file)?.text();
        let mut at = (rule.body_end.start as usize).min(text.len());
        while at > 0
            && text
                .as_bytes()
                .get(at - 1)
                .is_some_and(u8::is_ascii_whitespace)
        {
            at -= 1;
        }
        Some(Fix::new(
            title,
            Span::new(rule.body_end.file, at, at),
            format!("\n{}{clause}", self.indent_of(rule.effect_span)),
        ))
    }

    /// `@allow(lint)` above the rule, or the lint added to its `@allow`.
    fn allow(&self, lint: Code, rule: &RuleDef) -> Option<Fix> {
        let item = self.items.get(&rule.name_span)?;
        let title = format!("allow `{}` for rule `{}`", lint.name, rule.name);
        if let Some(existing) = item
            .annotations
            .iter()
            .find(|a| a.name.name == "allow" && !a.lints.is_empty())
        {
            if existing.lints.iter().any(|l| l.name == lint.name) {
                return None;
            }
            let last = existing.lints.last()?;
            return Some(Fix::new(
                title,
                Span {
                    start: last.span.end,
                    ..last.span
                },
                format!(", {}", lint.name),
            ));
        }
        Some(Fix::new(
            title,
            Span {
                end: item.span.start,
                ..item.span
            },
            format!("@allow({})\n{}", lint.name, self.indent_of(item.span)),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use remit_diagnostics::LintLevels;

    fn analyze(text: &str) -> crate::Analysis {
        let mut sources = Sources::new();
        sources.add("p.remit", text);
        crate::analyze(sources, "p", &LintLevels::new())
    }

    /// Every fix of every diagnostic, each applied alone to the text.
    fn applied(text: &str) -> Vec<(String, String)> {
        let analysis = analyze(text);
        let mut out = Vec::new();
        for d in &analysis.diagnostics {
            for fix in &d.fixes {
                let mut fixed = text.to_string();
                let mut edits = fix.edits.clone();
                edits.sort_by_key(|e| std::cmp::Reverse(e.span.start));
                for e in edits {
                    fixed.replace_range(e.span.range(), &e.new_text);
                }
                out.push((fix.title.clone(), fixed));
            }
        }
        out
    }

    const HEAD: &str =
        "currency USD\ncustomer { vip: Bool }\nrole clerk\naction refund(amount: Money)\n";

    #[test]
    fn unbounded_amount_gets_a_cap() {
        let text = format!(
            "{HEAD}rule small {{\n  permit clerk to refund\n  for any customer\n  limit amount <= 20 USD\n  limit 1 per customer per 1 day\n}}\n\
             rule open {{\n  permit clerk to refund\n  for any customer\n  limit 1 per customer per 1 day\n}}\n"
        );
        let actions = applied(&text);
        let (title, fixed) = actions
            .iter()
            .find(|(t, _)| t.starts_with("add `limit"))
            .unwrap();
        assert_eq!(
            title,
            "add `limit amount <= 20.00 USD` (the smallest cap on `amount` elsewhere)"
        );
        assert!(
            fixed.contains("  limit 1 per customer per 1 day\n  limit amount <= 20.00 USD\n}\n"),
            "{fixed}"
        );
        let s = analyze(fixed);
        assert!(!s.has_errors(), "{:?}", s.diagnostics);
    }

    #[test]
    fn unbounded_frequency_gets_a_count_limit() {
        let text = format!(
            "{HEAD}rule daily {{\n  permit clerk to refund\n  for any customer\n  limit amount <= 20 USD\n  limit 3 per customer per 1 day\n}}\n\
             rule weekly {{\n  permit clerk to refund\n  for customer.vip\n  limit amount <= 20 USD\n  limit 2 per customer per 7 days\n}}\n\
             rule open {{\n  permit clerk to refund\n  for any customer\n  limit amount <= 20 USD\n}}\n"
        );
        let actions = applied(&text);
        let (title, fixed) = actions
            .iter()
            .find(|(t, _)| t.starts_with("add `limit 2"))
            .unwrap_or_else(|| panic!("{actions:#?}"));
        assert_eq!(
            title,
            "add `limit 2 per customer per 1 week` (the tightest such limit elsewhere)"
        );
        assert!(
            fixed.contains("  limit amount <= 20 USD\n  limit 2 per customer per 1 week\n}\n"),
            "{fixed}"
        );
        let s = analyze(fixed);
        assert!(
            !s.diagnostics
                .iter()
                .any(|d| d.code == Code::UNBOUNDED_FREQUENCY),
            "{:?}",
            s.diagnostics
        );
    }

    #[test]
    fn unbounded_frequency_without_a_model_limit_proposes_one() {
        let text = format!(
            "{HEAD}rule open {{\n  permit clerk to refund\n  for any customer\n  limit amount <= 20 USD\n}}\n"
        );
        let actions = applied(&text);
        let (_, fixed) = actions
            .iter()
            .find(|(t, _)| t == "add `limit 1 per customer per 30 days` (then adjust it)")
            .unwrap();
        let s = analyze(fixed);
        assert!(!s.has_errors(), "{:?}", s.diagnostics);
    }

    #[test]
    fn unscoped_customers_and_allow() {
        let text = format!(
            "{HEAD}/// doc\nrule r {{\n  permit clerk to refund\n  limit amount <= 20 USD\n  limit 1 per customer per 1 day\n}}\n"
        );
        let actions = applied(&text);
        let titles: Vec<_> = actions.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(
            titles,
            [
                "add `for any customer`",
                "allow `unscoped_customers` for rule `r`"
            ]
        );
        assert!(actions[0]
            .1
            .contains("  permit clerk to refund\n  for any customer\n  limit amount"));
        assert!(actions[1]
            .1
            .contains("/// doc\n@allow(unscoped_customers)\nrule r {"));
        for (_, fixed) in &actions {
            let s = analyze(fixed);
            assert!(
                !s.diagnostics
                    .iter()
                    .any(|d| d.code == Code::UNSCOPED_CUSTOMERS),
                "{fixed}"
            );
        }
    }

    #[test]
    fn allow_extends_an_existing_annotation() {
        let text = format!(
            "{HEAD}@allow(unbounded_frequency)\nrule r {{\n  permit clerk to refund\n  limit amount <= 20 USD\n}}\n"
        );
        let actions = applied(&text);
        let (_, fixed) = actions
            .iter()
            .find(|(t, _)| t == "allow `unscoped_customers` for rule `r`")
            .unwrap();
        assert!(fixed.contains("@allow(unbounded_frequency, unscoped_customers)\nrule r"));
    }

    /// Issue 14: `for any customer` existed twice, once with a fixed
    /// two-space indent; the one left follows the effect line.
    #[test]
    fn for_any_customer_is_indented_like_the_effect_line() {
        let text = format!(
            "{HEAD}rule r {{\n    permit clerk to refund\n    limit amount <= 20 USD\n    limit 1 per customer per 1 day\n}}\n"
        );
        let actions = applied(&text);
        let fixes: Vec<_> = actions
            .iter()
            .filter(|(t, _)| t == "add `for any customer`")
            .collect();
        assert_eq!(fixes.len(), 1, "{actions:#?}");
        assert!(
            fixes[0]
                .1
                .contains("    permit clerk to refund\n    for any customer\n    limit"),
            "{}",
            fixes[0].1
        );
    }

    /// The cap's parameter comes from the finding's data, not its message.
    #[test]
    fn unbounded_amount_names_its_parameter_as_data() {
        let text = format!(
            "{HEAD}rule open {{\n  permit clerk to refund\n  for any customer\n  limit 1 per customer per 1 day\n}}\n"
        );
        let analysis = analyze(&text);
        let d = analysis
            .diagnostics
            .iter()
            .find(|d| d.code == Code::UNBOUNDED_AMOUNT)
            .unwrap();
        assert_eq!(
            d.data,
            Some(Data::UnboundedParameter {
                rule: "open".into(),
                action: "refund".into(),
                parameter: "amount".into(),
            })
        );
        assert_eq!(
            d.fixes[0].title,
            "add `limit amount <= 0.00 USD` (then raise it)"
        );
        assert!(d.fixes[0].preferred && !d.fixes[1].preferred);
    }

    fn rule(index: usize) -> RuleId {
        remit_sema::model::Id::from_index(index)
    }

    #[test]
    fn the_best_two_are_distinct_rules() {
        let mut best: BestTwo<i64> = [None, None];
        offer(&mut best, 30, rule(0));
        offer(&mut best, 20, rule(0));
        offer(&mut best, 50, rule(1));
        offer(&mut best, 10, rule(2));
        assert_eq!(best, [Some((10, rule(2))), Some((20, rule(0)))]);
        assert_eq!(best_except(&best, rule(2)), Some(20));
        assert_eq!(best_except(&best, rule(0)), Some(10));
        offer(&mut best, 5, rule(0));
        assert_eq!(best, [Some((5, rule(0))), Some((10, rule(2)))]);
        assert_eq!(best_except(&best, rule(0)), Some(10));
        let mut one: BestTwo<i64> = [None, None];
        offer(&mut one, 7, rule(3));
        assert_eq!(best_except(&one, rule(3)), None);
    }
}
