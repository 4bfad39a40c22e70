//! Deciding requests (LANGUAGE.md §5 on rows; docs/table-format.md).
//!
//! A request is validated and its values read once into slots (enum
//! variants as indices, sets as bitsets); then the candidate rows of its
//! (role, action) are scanned with integer comparisons and bit tests only.

use crate::format::{Constraint, InputType, Outcome, Row};
use crate::load::{index_rows, Bits, CompiledRow, Evaluator, Node, Slot, Source, Test};
use rustc_hash::FxHashMap as HashMap;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// What kind of problem a request has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Not an object, or a field of the wrong JSON shape.
    MalformedRequest,
    /// A missing input or counter that a candidate row reads.
    MissingInput,
    /// An action the table does not have.
    UnknownAction,
    /// A role the table does not have.
    UnknownRole,
    /// A variant the input does not list.
    UnknownVariant,
    /// A value of the wrong type.
    WrongType,
}

impl ErrorKind {
    /// The kind's name in the format.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::MalformedRequest => "malformed_request",
            ErrorKind::MissingInput => "missing_input",
            ErrorKind::UnknownAction => "unknown_action",
            ErrorKind::UnknownRole => "unknown_role",
            ErrorKind::UnknownVariant => "unknown_variant",
            ErrorKind::WrongType => "wrong_type",
        }
    }
}

/// One problem with a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestError {
    /// The kind.
    pub kind: ErrorKind,
    /// The input, counter or field concerned.
    pub input: Option<String>,
    /// For people.
    pub message: String,
}

/// A decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// `permit`, `deny` or `escalate`.
    pub decision: Outcome,
    /// Escalation targets (escalate only).
    pub escalate_to: Vec<String>,
    /// Obligations (permit only).
    pub obligations: Vec<String>,
    /// Roles to tell.
    pub notify: Vec<String>,
    /// The rules behind the decision.
    pub rules: Vec<String>,
    /// Problems with the request (then the decision is deny).
    pub errors: Vec<RequestError>,
}

/// How one candidate row fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowOutcome {
    /// Scope, limits and budgets hold.
    Matched,
    /// A scope constraint failed.
    ScopeFailed,
    /// The scope holds, a limit or budget failed.
    LimitFailed,
    /// The row reads a missing or ill-typed input.
    Invalid,
}

impl RowOutcome {
    /// The outcome in words: `matched`, `scope failed`, ….
    pub fn as_str(self) -> &'static str {
        match self {
            RowOutcome::Matched => "matched",
            RowOutcome::ScopeFailed => "scope failed",
            RowOutcome::LimitFailed => "limit failed",
            RowOutcome::Invalid => "invalid",
        }
    }
}

/// One entry of an explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TraceEntry {
    /// The row's rule.
    pub rule: String,
    /// The row's index.
    pub row: usize,
    /// The row's effect.
    pub effect: Outcome,
    /// How it fared.
    pub outcome: RowOutcome,
    /// The constraint that decided it, if one did.
    pub constraint: Option<String>,
    /// In words.
    pub detail: String,
}

/// A decision with the trace of every candidate row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// The decision.
    #[serde(flatten)]
    pub decision: Decision,
    /// One entry per candidate row, in row order.
    pub trace: Vec<TraceEntry>,
}

/// A typed request value: enum variants as indices, sets as bitsets.
#[derive(Debug, Clone)]
enum Val {
    Missing,
    Bad,
    Int(i64),
    Bool(bool),
    Enum(u32),
    Set(Bits),
}

struct Prepared {
    group: Option<(usize, usize)>,
    values: Vec<Val>,
    errors: Vec<RequestError>,
}

/// Which part of a row decided its outcome.
#[derive(Debug, Clone, Copy)]
enum Failed {
    Nothing,
    Input(usize),
    Scope(usize),
    Limit(usize),
    Budget(usize),
}

impl Evaluator {
    /// Decides a request. Never panics: a bad request is a deny with errors.
    pub fn decide(&self, request: &Value) -> Decision {
        self.run(request, false).decision
    }

    /// Decides a request and explains every candidate row.
    pub fn explain(&self, request: &Value) -> Explanation {
        self.run(request, true)
    }

    fn run(&self, request: &Value, trace: bool) -> Explanation {
        let prepared = self.prepare(request);
        let Some(group_key) = prepared.group else {
            return Explanation {
                decision: denied(prepared.errors),
                trace: Vec::new(),
            };
        };
        let Some(group) = self.groups.get(&group_key) else {
            return Explanation {
                decision: denied(prepared.errors),
                trace: Vec::new(),
            };
        };
        if !trace && !prepared.errors.is_empty() {
            return Explanation {
                decision: denied(prepared.errors),
                trace: Vec::new(),
            };
        }
        // `explain` traces every candidate row; `decide` only needs the rows
        // the index leaves for this request's values.
        let rows: &[usize] = if trace {
            &group.rows
        } else {
            lookup(
                group
                    .index
                    .get_or_init(|| index_rows(&group.rows, &self.rows, &self.slots)),
                &prepared.values,
            )
        };
        let role = u32::try_from(group_key.0).unwrap_or(u32::MAX);
        let mut entries = Vec::new();
        let mut forbids: Vec<usize> = Vec::new();
        let mut permits: Vec<usize> = Vec::new();
        let mut escalations: Vec<usize> = Vec::new();
        for &index in rows {
            let compiled = &self.rows[index];
            let (outcome, failed) = row_outcome(compiled, &prepared.values);
            if trace {
                let row = &self.table.rows[index];
                let (constraint, detail) = self.describe(index, failed, request);
                entries.push(TraceEntry {
                    rule: row.rule.clone(),
                    row: index,
                    effect: row.effect,
                    outcome,
                    constraint,
                    detail,
                });
            }
            let escalates = || compiled.escalates && !compiled.except.has(role);
            match (compiled.effect, outcome) {
                (Outcome::Forbid, RowOutcome::Matched | RowOutcome::LimitFailed) => {
                    forbids.push(index)
                }
                (Outcome::Permit, RowOutcome::Matched) => permits.push(index),
                (Outcome::Permit, RowOutcome::LimitFailed) if escalates() => {
                    escalations.push(index)
                }
                (Outcome::Escalate, RowOutcome::Matched | RowOutcome::LimitFailed)
                    if escalates() =>
                {
                    escalations.push(index)
                }
                _ => {}
            }
        }
        if !prepared.errors.is_empty() {
            return Explanation {
                decision: denied(prepared.errors),
                trace: entries,
            };
        }
        let decision = if !forbids.is_empty() {
            Decision {
                rules: self.union(&forbids, |r| std::slice::from_ref(&r.rule)),
                ..denied(Vec::new())
            }
        } else if !permits.is_empty() {
            Decision {
                decision: Outcome::Permit,
                escalate_to: Vec::new(),
                obligations: self.union(&permits, |r| &r.obligations),
                notify: self.union(&permits, |r| &r.notify),
                rules: self.union(&permits, |r| std::slice::from_ref(&r.rule)),
                errors: Vec::new(),
            }
        } else if !escalations.is_empty() {
            Decision {
                decision: Outcome::Escalate,
                escalate_to: self.union(&escalations, |r| {
                    r.escalation
                        .as_ref()
                        .map_or(&[], |e| std::slice::from_ref(&e.to))
                }),
                obligations: Vec::new(),
                notify: self.union(&escalations, |r| &r.notify),
                rules: self.union(&escalations, |r| std::slice::from_ref(&r.rule)),
                errors: Vec::new(),
            }
        } else {
            denied(Vec::new())
        };
        Explanation {
            decision,
            trace: entries,
        }
    }

    /// The sorted, deduplicated union of a list field over some rows.
    fn union<'t>(&'t self, rows: &[usize], field: impl Fn(&'t Row) -> &'t [String]) -> Vec<String> {
        let set: BTreeSet<&String> = rows
            .iter()
            .flat_map(|i| field(&self.table.rows[*i]).iter())
            .collect();
        set.into_iter().cloned().collect()
    }

    /// Words for a row's outcome: the constraint concerned and why.
    fn describe(&self, index: usize, failed: Failed, request: &Value) -> (Option<String>, String) {
        let row = &self.rows[index];
        let shown = |slot: usize| -> String {
            let s = &self.slots[slot];
            request
                .get(s.source.field())
                .and_then(|m| m.get(&s.field))
                .map_or_else(|| "missing".to_string(), Value::to_string)
        };
        let (check, constraints) = match failed {
            Failed::Nothing => return (None, "every constraint holds".to_string()),
            Failed::Input(slot) => {
                let key = &self.slots[slot].key;
                return (
                    Some(key.clone()),
                    format!("{key} is missing or has the wrong type"),
                );
            }
            Failed::Budget(i) => {
                let (counter, param, max) = row.budgets[i];
                let (c, p) = (&self.slots[counter].key, &self.slots[param].key);
                return (
                    Some(c.clone()),
                    format!(
                        "{c} is {} and {p} is {}, together above the budget {max}",
                        shown(counter),
                        shown(param)
                    ),
                );
            }
            Failed::Scope(i) => (&row.scope[i], &self.table.rows[index].scope),
            Failed::Limit(i) => (&row.limits[i], &self.table.rows[index].limits),
        };
        let key = &self.slots[check.slot].key;
        let v = shown(check.slot);
        let detail = match constraints.get(key) {
            Some(Constraint::Interval(iv)) => match (iv.min, iv.max) {
                (Some(min), _)
                    if request_int(&self.slots[check.slot], request).is_some_and(|n| n < min) =>
                {
                    format!("{key} is {v}, below the minimum {min}")
                }
                (_, Some(max)) => format!("{key} is {v}, above the maximum {max}"),
                _ => format!("{key} is {v}, outside the interval"),
            },
            Some(Constraint::In(set)) => {
                format!("{key} is {v}, not one of {}", set.values.join(", "))
            }
            Some(Constraint::Eq(b)) => format!("{key} is {v}, not {}", b.eq),
            Some(Constraint::Set(_)) | None => {
                format!("{key} is {v}, which does not fit the set constraint")
            }
        };
        (Some(key.clone()), detail)
    }

    /// Validates the request, resolves role and action, and reads every
    /// value the candidate rows need.
    fn prepare(&self, request: &Value) -> Prepared {
        let mut errors = Vec::new();
        let mut values = vec![Val::Missing; self.slots.len()];
        let Some(obj) = request.as_object() else {
            errors.push(error(ErrorKind::MalformedRequest, None, "the request must be a JSON object with `role`, `action`, `params`, `customer`, `context` and `usage`"));
            return Prepared {
                group: None,
                values,
                errors,
            };
        };
        let role = name_field(
            obj,
            "role",
            &self.roles,
            ErrorKind::UnknownRole,
            &mut errors,
        );
        let action = name_field(
            obj,
            "action",
            &self.actions,
            ErrorKind::UnknownAction,
            &mut errors,
        );
        let mut section = |name: &str| -> Option<&Map<String, Value>> {
            match obj.get(name) {
                None | Some(Value::Null) => None,
                Some(Value::Object(m)) => Some(m),
                Some(_) => {
                    errors.push(error(
                        ErrorKind::MalformedRequest,
                        Some(name.to_string()),
                        &format!("`{name}` must be an object"),
                    ));
                    None
                }
            }
        };
        let sections = [
            (Source::Customer, section("customer")),
            (Source::Context, section("context")),
            (Source::Param, section("params")),
            (Source::Usage, section("usage")),
        ];
        // Every customer, context and parameter value given must be
        // well-typed; counters are read below, for the candidate rows only
        // (a caller may pass its whole usage store).
        for (source, map) in &sections {
            let Some(map) = map else { continue };
            let lookup = match source {
                Source::Customer => Some(&self.customer),
                Source::Context => Some(&self.context),
                Source::Param => action.map(|a| &self.params[a]),
                Source::Usage => None,
            };
            let Some(lookup) = lookup else { continue };
            for (field, value) in map.iter() {
                if let Some(&slot) = lookup.get(field) {
                    values[slot] = typed(&self.slots[slot], value, &mut errors);
                }
            }
        }
        let group = match (role, action) {
            (Some(r), Some(a)) => {
                let reads: &[usize] = self.groups.get(&(r, a)).map_or(&[], |g| g.reads.as_slice());
                let usage = sections[3].1;
                for &slot in reads {
                    let s = &self.slots[slot];
                    if s.counter {
                        if let Some(v) = usage.and_then(|u| u.get(&s.key)) {
                            values[slot] = typed(s, v, &mut errors);
                        }
                    }
                    if matches!(values[slot], Val::Missing) {
                        let s = &self.slots[slot];
                        let message = if s.counter {
                            format!("`usage` has no counter `{}`; the caller supplies every counter the table lists", s.key)
                        } else {
                            format!("`{}` has no `{}`", s.source.field(), s.field)
                        };
                        errors.push(error(
                            ErrorKind::MissingInput,
                            Some(s.key.clone()),
                            &message,
                        ));
                    }
                }
                Some((r, a))
            }
            _ => None,
        };
        errors.sort_by(|a, b| (&a.input, a.kind).cmp(&(&b.input, b.kind)));
        errors.dedup_by(|a, b| a.input == b.input && a.kind == b.kind);
        Prepared {
            group,
            values,
            errors,
        }
    }
}

fn name_field(
    obj: &Map<String, Value>,
    field: &str,
    known: &HashMap<String, usize>,
    unknown: ErrorKind,
    errors: &mut Vec<RequestError>,
) -> Option<usize> {
    match obj.get(field) {
        Some(Value::String(s)) => match known.get(s) {
            Some(&i) => Some(i),
            None => {
                errors.push(error(
                    unknown,
                    Some(field.to_string()),
                    &format!("the table has no {field} `{s}`"),
                ));
                None
            }
        },
        Some(_) => {
            errors.push(error(
                ErrorKind::MalformedRequest,
                Some(field.to_string()),
                &format!("`{field}` must be a string"),
            ));
            None
        }
        None => {
            errors.push(error(
                ErrorKind::MalformedRequest,
                Some(field.to_string()),
                &format!("the request has no `{field}`"),
            ));
            None
        }
    }
}

fn denied(errors: Vec<RequestError>) -> Decision {
    Decision {
        decision: Outcome::Deny,
        escalate_to: vec![],
        obligations: vec![],
        notify: vec![],
        rules: vec![],
        errors,
    }
}

fn error(kind: ErrorKind, input: Option<String>, message: &str) -> RequestError {
    RequestError {
        kind,
        input,
        message: message.to_string(),
    }
}

fn variant(slot: &Slot, s: &str) -> Option<u32> {
    slot.values
        .iter()
        .position(|v| v == s)
        .and_then(|i| u32::try_from(i).ok())
}

fn typed(slot: &Slot, value: &Value, errors: &mut Vec<RequestError>) -> Val {
    let mut wrong = |expected: &str| {
        errors.push(error(
            ErrorKind::WrongType,
            Some(slot.key.clone()),
            &format!("`{}` must be {expected}", slot.key),
        ));
        Val::Bad
    };
    match slot.ty {
        InputType::Bool => match value {
            Value::Bool(b) => Val::Bool(*b),
            _ => wrong("`true` or `false`"),
        },
        InputType::Int | InputType::Money | InputType::Duration => match value.as_i64() {
            Some(n) if slot.counter && n < 0 => wrong("a non-negative integer"),
            Some(n) if value.is_number() => Val::Int(n),
            _ => wrong(match slot.ty {
                InputType::Money => "an integer number of minor units",
                InputType::Duration => "an integer number of minutes",
                _ if slot.counter => "a non-negative integer",
                _ => "an integer",
            }),
        },
        InputType::Enum => match value {
            Value::String(s) => match variant(slot, s) {
                Some(i) => Val::Enum(i),
                None => {
                    errors.push(error(
                        ErrorKind::UnknownVariant,
                        Some(slot.key.clone()),
                        &format!("`{s}` is not one of {}", slot.values.join(", ")),
                    ));
                    Val::Bad
                }
            },
            _ => wrong("a string naming a variant"),
        },
        InputType::Set => {
            let Value::Array(items) = value else {
                return wrong("an array of variants");
            };
            let mut indices = Vec::with_capacity(items.len());
            for item in items {
                let Value::String(s) = item else {
                    return wrong("an array of variants");
                };
                match variant(slot, s) {
                    Some(i) => indices.push(i as usize),
                    None => {
                        errors.push(error(
                            ErrorKind::UnknownVariant,
                            Some(slot.key.clone()),
                            &format!("`{s}` is not one of {}", slot.values.join(", ")),
                        ));
                        return Val::Bad;
                    }
                }
            }
            Val::Set(Bits::of(indices, slot.values.len()))
        }
    }
}

fn request_int(slot: &Slot, request: &Value) -> Option<i64> {
    request.get(slot.source.field())?.get(&slot.field)?.as_i64()
}

fn lookup<'n>(node: &'n Node, values: &[Val]) -> &'n [usize] {
    let mut node = node;
    loop {
        match node {
            Node::Leaf(rows) => return rows,
            Node::Split { slot, branches } => {
                let branch = match values[*slot] {
                    Val::Enum(i) => i as usize,
                    Val::Bool(b) => usize::from(b),
                    _ => return &[],
                };
                match branches.get(branch) {
                    Some(next) => node = next,
                    None => return &[],
                }
            }
        }
    }
}

fn row_outcome(row: &CompiledRow, values: &[Val]) -> (RowOutcome, Failed) {
    if let Some(&bad) = row
        .reads
        .iter()
        .find(|s| matches!(values[**s], Val::Missing | Val::Bad))
    {
        return (RowOutcome::Invalid, Failed::Input(bad));
    }
    if let Some(i) = row
        .scope
        .iter()
        .position(|c| !holds(&c.test, &values[c.slot]))
    {
        return (RowOutcome::ScopeFailed, Failed::Scope(i));
    }
    if let Some(i) = row
        .limits
        .iter()
        .position(|c| !holds(&c.test, &values[c.slot]))
    {
        return (RowOutcome::LimitFailed, Failed::Limit(i));
    }
    for (i, &(counter, param, max)) in row.budgets.iter().enumerate() {
        let within = match (&values[counter], &values[param]) {
            (Val::Int(used), Val::Int(amount)) => {
                used.checked_add(*amount).is_some_and(|total| total <= max)
            }
            _ => false,
        };
        if !within {
            return (RowOutcome::LimitFailed, Failed::Budget(i));
        }
    }
    (RowOutcome::Matched, Failed::Nothing)
}

fn holds(t: &Test, v: &Val) -> bool {
    match (t, v) {
        (Test::Interval { min, max }, Val::Int(n)) => min <= n && n <= max,
        (Test::Enum(bits), Val::Enum(i)) => bits.has(*i),
        (Test::Bool(b), Val::Bool(x)) => b == x,
        (Test::Set { contains, excludes }, Val::Set(items)) => {
            items.covers(contains) && !items.meets(excludes)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn evaluator() -> Evaluator {
        let row = |rule: &str,
                   effect: &str,
                   roles: &[&str],
                   scope: Value,
                   limits: Value,
                   escalation: Value| {
            json!({"rule": rule, "effect": effect, "roles": roles, "actions": ["refund"], "scope": scope, "limits": limits,
                   "budgets": [], "obligations": if effect == "permit" { json!(["receipt"]) } else { json!([]) }, "notify": [], "escalation": escalation})
        };
        let mut rows = vec![
            row(
                "a_cap",
                "permit",
                &["clerk", "manager"],
                json!({"customer.tier": {"in": ["gold"]}}),
                json!({"param.amount": {"max": 5000}, "customer/refund/count/P30D": {"max": 1}}),
                json!({"to": "manager", "except_roles": ["manager"]}),
            ),
            row(
                "b_block",
                "forbid",
                &["clerk", "manager"],
                json!({"customer.flagged": {"eq": true}}),
                json!({}),
                Value::Null,
            ),
            row(
                "c_up",
                "escalate",
                &["clerk", "manager"],
                json!({"customer.tier": {"in": ["basic"]}}),
                json!({}),
                json!({"to": "manager", "except_roles": ["manager"]}),
            ),
        ];
        // Enough rows to make the group split into an index.
        for i in 0..20 {
            rows.push(row(&format!("z{i:02}"), "permit", &["clerk", "manager"], json!({"customer.tier": {"in": ["silver"]}, "context.channel": {"in": [if i % 2 == 0 { "phone" } else { "store" }]}}), json!({"param.amount": {"max": 100 * i}}), Value::Null));
        }
        Evaluator::from_value(json!({
            "format": "remit.table/1", "policy": {"name": "t", "version": null}, "digest": "sha256:0",
            "currency": {"code": "USD", "scale": 2}, "default": {"effect": "deny"},
            "roles": {"clerk": [], "manager": ["clerk"]},
            "actions": {"refund": {"params": {"amount": "money"}}},
            "inputs": {"customer.tier": {"type": "enum", "values": ["basic", "gold", "silver"]}, "customer.flagged": {"type": "bool"},
                       "context.channel": {"type": "enum", "values": ["phone", "store"]}, "param.amount": {"type": "money"}},
            "counters": {"customer/refund/count/P30D": {"per": "customer", "actions": ["refund"], "measure": "count", "window_minutes": 43200}},
            "obligations": {"receipt": ""},
            "rows": rows,
        }))
        .unwrap()
    }

    fn request(role: &str, tier: &str, flagged: bool, amount: i64, count: i64) -> Value {
        json!({"role": role, "action": "refund", "params": {"amount": amount}, "customer": {"tier": tier, "flagged": flagged},
               "context": {"channel": "phone"}, "usage": {"customer/refund/count/P30D": count}})
    }

    #[test]
    fn forbid_beats_permit_beats_escalate() {
        let e = evaluator();
        let d = e.decide(&request("clerk", "gold", false, 1000, 0));
        assert_eq!(
            (d.decision, d.obligations.clone()),
            (Outcome::Permit, vec!["receipt".to_string()])
        );
        assert_eq!(
            e.decide(&request("clerk", "gold", true, 1000, 0)).decision,
            Outcome::Deny
        );
        let d = e.decide(&request("clerk", "basic", false, 1000, 0));
        assert_eq!(
            (d.decision, d.escalate_to),
            (Outcome::Escalate, vec!["manager".to_string()])
        );
    }

    #[test]
    fn broken_limits_escalate_except_for_the_target_itself() {
        let e = evaluator();
        let d = e.decide(&request("clerk", "gold", false, 9000, 0));
        assert_eq!(
            (d.decision, d.rules),
            (Outcome::Escalate, vec!["a_cap".to_string()])
        );
        assert_eq!(
            e.decide(&request("manager", "gold", false, 9000, 0))
                .decision,
            Outcome::Deny
        );
        assert_eq!(
            e.decide(&request("clerk", "gold", false, 100, 1)).decision,
            Outcome::Permit
        );
        assert_eq!(
            e.decide(&request("clerk", "gold", false, 100, 2)).decision,
            Outcome::Escalate
        );
    }

    #[test]
    fn bad_requests_fail_closed_with_every_problem_once() {
        let e = evaluator();
        let d = e.decide(&json!({"role": "clerk", "action": "refund", "params": {"amount": 1.5}, "customer": {"tier": "platinum"}}));
        assert_eq!(d.decision, Outcome::Deny);
        let got: Vec<(ErrorKind, Option<&str>)> = d
            .errors
            .iter()
            .map(|e| (e.kind, e.input.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                (ErrorKind::MissingInput, Some("context.channel")),
                (ErrorKind::MissingInput, Some("customer.flagged")),
                (ErrorKind::UnknownVariant, Some("customer.tier")),
                (ErrorKind::MissingInput, Some("customer/refund/count/P30D")),
                (ErrorKind::WrongType, Some("param.amount")),
            ]
        );
        assert_eq!(
            e.decide(&json!([1, 2])).errors[0].kind,
            ErrorKind::MalformedRequest
        );
        assert_eq!(
            e.decide(&json!({"role": "ceo", "action": "refund"})).errors[0].kind,
            ErrorKind::UnknownRole
        );
        assert_eq!(
            e.decide(&request("clerk", "gold", false, 10, -1)).errors[0].kind,
            ErrorKind::WrongType
        );
    }

    #[test]
    fn the_index_agrees_with_a_full_scan() {
        let e = evaluator();
        for tier in ["basic", "gold", "silver"] {
            for flagged in [false, true] {
                for amount in [0, 150, 900, 1900, 6000] {
                    let r = request("clerk", tier, flagged, amount, 0);
                    assert_eq!(e.decide(&r), e.explain(&r).decision, "{r}");
                }
            }
        }
    }

    #[test]
    fn explain_names_the_failing_constraint() {
        let e = evaluator();
        let x = e.explain(&request("clerk", "gold", false, 9000, 0));
        let first = &x.trace[0];
        assert_eq!(
            (first.outcome, first.constraint.as_deref()),
            (RowOutcome::LimitFailed, Some("param.amount"))
        );
        assert_eq!(first.detail, "param.amount is 9000, above the maximum 5000");
    }
}
