//! Witnesses: concrete requests that show an analysis finding.
//!
//! A witness is picked from a region (lower bounds first, so it sits on
//! the edge an author reasons about), completed with harmless defaults for
//! the inputs the region does not constrain, made realisable (a shorter
//! window never holds more uses than a longer one over the same actions),
//! and then run through the evaluator: a finding whose witness does not
//! reproduce it is dropped, never reported.

use crate::region::Region;
use remit_diagnostics::{Span, Witness};
use remit_sema::model::Currency;
use remit_sema::units::{format_duration, format_money};
use remit_table::{Constraint, Evaluator, Explanation, InputType, RowOutcome, Table};
use serde_json::{json, Map, Value};

/// A request being built for a finding.
pub struct Point<'a> {
    /// The table.
    pub table: &'a Table,
    /// The acting role.
    pub role: &'a str,
    /// The action.
    pub action: &'a str,
    /// The region the request must lie in.
    pub region: Region,
}

impl Point<'_> {
    /// The request in the table's request format.
    pub fn request(&self) -> Value {
        let mut sections: [(&str, Map<String, Value>); 3] = [
            ("customer", Map::new()),
            ("context", Map::new()),
            ("params", Map::new()),
        ];
        let action_params = self.table.actions.get(self.action).map(|a| &a.params);
        for (key, info) in &self.table.inputs {
            let (section, field) = match key.split_once('.') {
                Some(("customer", f)) => (0, f),
                Some(("context", f)) => (1, f),
                Some(("param", f)) if action_params.is_some_and(|p| p.contains_key(f)) => (2, f),
                _ => continue,
            };
            let value = pick(
                self.region.get(key),
                info.ty,
                info.values.as_deref().unwrap_or(&[]),
            );
            sections[section].1.insert(field.to_string(), value);
        }
        let counters = crate::counters::of_action(self.table, self.action);
        let mut usage: Map<String, Value> = Map::new();
        for (id, _) in &counters {
            let v = match self.region.get(*id) {
                Some(Constraint::Interval(i)) => i.min.unwrap_or(0).max(0),
                _ => 0,
            };
            usage.insert((*id).clone(), json!(v));
        }
        // Realisable: a longer window over the same actions holds at least
        // as many uses as a shorter one.
        for (short_id, long_id) in crate::counters::nested(&counters) {
            let s = usage.get(short_id).and_then(Value::as_i64).unwrap_or(0);
            let l = usage.get(long_id).and_then(Value::as_i64).unwrap_or(0);
            if l < s {
                usage.insert(long_id.clone(), json!(s));
            }
        }
        let [(_, customer), (_, context), (_, params)] = sections;
        json!({
            "role": self.role,
            "action": self.action,
            "params": params,
            "customer": customer,
            "context": context,
            "usage": usage,
        })
    }

    /// One line in the policy's terms, showing what the region constrains:
    /// `front_desk · refund · amount 60.00 USD · customer.tier = gold`.
    pub fn summary(&self, request: &Value) -> String {
        let mut parts = vec![self.role.to_string(), self.action.to_string()];
        let currency = self.table.currency.as_ref().map(|c| Currency {
            code: c.code.clone(),
            scale: c.scale,
            span: Span::default(),
        });
        // The domain alone (`≥ 0` on a parameter or counter) says nothing
        // about the finding.
        let bare = Constraint::Interval(remit_table::Interval {
            min: Some(0),
            max: None,
        });
        let mut keys: Vec<&String> = self
            .region
            .iter()
            .filter(|(_, c)| **c != bare)
            .map(|(k, _)| k)
            .collect();
        keys.sort_by_key(|k| {
            (
                if k.starts_with("param.") {
                    0
                } else if k.starts_with("customer.") {
                    1
                } else if k.starts_with("context.") {
                    2
                } else {
                    3
                },
                k.to_string(),
            )
        });
        for key in keys {
            if let Some((section, field)) = key
                .split_once('.')
                .filter(|(s, _)| matches!(*s, "customer" | "context" | "param"))
            {
                let section = if section == "param" {
                    "params"
                } else {
                    section
                };
                let Some(v) = request.get(section).and_then(|s| s.get(field)) else {
                    continue;
                };
                let ty = self.table.inputs.get(key).map(|i| i.ty);
                let shown = show(v, ty, currency.as_ref());
                if section == "params" {
                    parts.push(format!("{field} {shown}"));
                } else {
                    parts.push(format!("{key} = {shown}"));
                }
            } else if let (Some(counter), Some(v)) =
                (self.table.counters.get(key), request["usage"].get(key))
            {
                let n = v.as_i64().unwrap_or(0);
                let what = match counter.measure {
                    remit_table::Measure::Count => {
                        format!(
                            "{n} earlier {} of {}",
                            if n == 1 { "use" } else { "uses" },
                            counter.actions.join("/")
                        )
                    }
                    remit_table::Measure::Sum => format!(
                        "{} of earlier {}",
                        format_money(n, currency.as_ref()),
                        counter.actions.join("/")
                    ),
                };
                parts.push(format!(
                    "{what} per {} in {}",
                    match counter.per {
                        remit_table::CounterPer::Customer => "customer",
                        remit_table::CounterPer::Employee => "employee",
                    },
                    format_duration(counter.window_minutes)
                ));
            }
        }
        parts.join(" · ")
    }
}

fn show(v: &Value, ty: Option<InputType>, currency: Option<&Currency>) -> String {
    match (ty, v) {
        (Some(InputType::Money), Value::Number(n)) => {
            format_money(n.as_i64().unwrap_or(0), currency)
        }
        (Some(InputType::Duration), Value::Number(n)) => format_duration(n.as_i64().unwrap_or(0)),
        (_, Value::String(s)) => s.clone(),
        (_, Value::Array(items)) => format!(
            "{{{}}}",
            items
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        (_, other) => other.to_string(),
    }
}

fn pick(c: Option<&Constraint>, ty: InputType, values: &[String]) -> Value {
    match (c, ty) {
        (Some(Constraint::Interval(i)), _) => json!(i.min.or(i.max).unwrap_or(0)),
        (Some(Constraint::In(set)), _) => json!(set.values.first()),
        (Some(Constraint::Eq(b)), _) => json!(b.eq),
        (Some(Constraint::Set(s)), _) => json!(s.contains.clone().unwrap_or_default()),
        (None, InputType::Bool) => json!(false),
        (None, InputType::Enum) => json!(values.first()),
        (None, InputType::Set) => json!([]),
        (None, _) => json!(0),
    }
}

/// Runs a request through the evaluator and reports how each rule fared.
pub fn explain(evaluator: &Evaluator, request: &Value) -> Explanation {
    evaluator.explain(request)
}

/// Whether a rule has a row that matched (scope and limits) in a trace.
pub fn rule_matched(e: &Explanation, rule: &str) -> bool {
    e.trace
        .iter()
        .any(|t| t.rule == rule && t.outcome == RowOutcome::Matched)
}

/// Whether a rule has a row whose scope held in a trace.
pub fn rule_in_scope(e: &Explanation, rule: &str) -> bool {
    e.trace.iter().any(|t| {
        t.rule == rule && matches!(t.outcome, RowOutcome::Matched | RowOutcome::LimitFailed)
    })
}

/// Assembles a witness.
pub fn witness(point: &Point<'_>, request: Value, outcomes: Vec<String>) -> Witness {
    Witness {
        summary: point.summary(&request),
        outcomes,
        request,
    }
}
