//! Deciding requests (LANGUAGE.md §5 on rows; docs/table-format.md).
//!
//! A request is validated and its values read once into slots (enum
//! variants as indices, sets as bitsets); then the candidate rows of its
//! (role, action) are scanned with integer comparisons and bit tests only.

use crate::compile::{CompiledRow, Linear, Slot, Test};
use crate::exact::Sum;
use crate::index::{index_rows, Bits, Node};
use crate::json;
use crate::load::Evaluator;
use crate::v2::{InputType, Outcome, Row};
use crate::validate::Source;
use rustc_hash::FxHashMap as HashMap;
use serde::Serialize;
use serde_json::{Map, Value};

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
    /// The outcomes the deciding rows aim at (format 2; omitted from
    /// JSON when empty).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aims: Vec<String>,
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
    /// Scope, limits and relations hold.
    Matched,
    /// A scope constraint failed.
    ScopeFailed,
    /// The scope holds, a limit or limit relation (a budget) failed.
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

/// A typed request value: enum variants as indices, sets as the index of
/// their bitset in [`Values::sets`]. `Copy`, so a request's slots fill
/// like plain memory.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Val {
    Missing,
    Bad,
    /// A `key` value: only its presence is tested.
    Key,
    Int(i64),
    Bool(bool),
    Enum(u32),
    Set(usize),
}

/// A request's values, one per slot of the table.
pub(crate) struct Values {
    pub slots: Vec<Val>,
    /// The bitsets of the set-valued slots.
    pub sets: Vec<Bits>,
}

pub(crate) struct Prepared {
    pub group: Option<(usize, usize)>,
    pub values: Values,
    pub errors: Vec<RequestError>,
}

/// Which part of a row decided its outcome.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Failed {
    Nothing,
    Input(usize),
    Scope(usize),
    ScopeRelation(usize),
    Limit(usize),
    LimitRelation(usize),
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

    /// Decides a request given as JSON text, read as every Remit evaluator
    /// reads it (docs/table-format.md, "Reading JSON text"): UTF-8,
    /// optionally after a byte-order mark; `-0` is the integer 0; a key
    /// nobody reads may hold any number. Text that cannot be read (not
    /// UTF-8, not JSON, a key given twice in one object) is a deny with one
    /// `malformed_request` whose input is `null`, saying why and where.
    pub fn decide_json(&self, text: impl AsRef<[u8]>) -> Decision {
        self.run_json(text.as_ref(), false).decision
    }

    /// [`Evaluator::explain`] for a request given as JSON text, read as
    /// [`Evaluator::decide_json`] reads it.
    pub fn explain_json(&self, text: impl AsRef<[u8]>) -> Explanation {
        self.run_json(text.as_ref(), true)
    }

    fn run_json(&self, text: &[u8], trace: bool) -> Explanation {
        match json::parse(text) {
            Ok(parsed) => self.run(&parsed.value, trace),
            Err(e) => Explanation {
                decision: denied(vec![error(
                    ErrorKind::MalformedRequest,
                    None,
                    &e.describe("the request"),
                )]),
                trace: Vec::new(),
            },
        }
    }

    fn run(&self, request: &Value, trace: bool) -> Explanation {
        let prepared = self.prepare(request);
        let Some(group_key) = prepared.group else {
            return Explanation {
                decision: denied(prepared.errors),
                trace: Vec::new(),
            };
        };
        let Some(group) = self.compiled.groups.get(&group_key) else {
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
                group.index.get_or_init(|| {
                    index_rows(&group.rows, &self.compiled.rows, &self.compiled.slots)
                }),
                &prepared.values.slots,
            )
        };
        let role = u32::try_from(group_key.0).unwrap_or(u32::MAX);
        let mut entries = Vec::new();
        let mut forbids: Vec<usize> = Vec::new();
        let mut permits: Vec<usize> = Vec::new();
        let mut escalations: Vec<usize> = Vec::new();
        for &index in rows {
            let compiled = &self.compiled.rows[index];
            let (outcome, failed) = row_outcome(compiled, &prepared.values, &self.compiled.slots);
            if trace {
                let row = &self.document.rows[index];
                let (constraint, detail) = self.describe(index, failed, &prepared.values);
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
                aims: self.union(&permits, |r| &r.aims),
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
                aims: self.union(&escalations, |r| &r.aims),
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
        let mut all: Vec<&'t String> = rows
            .iter()
            .flat_map(|i| field(&self.document.rows[*i]).iter())
            .collect();
        all.sort_unstable();
        all.dedup();
        all.into_iter().cloned().collect()
    }

    /// Validates the request, resolves role and action, and reads every
    /// value the candidate rows need.
    pub(crate) fn prepare(&self, request: &Value) -> Prepared {
        let mut errors = Vec::new();
        let mut values = Values {
            slots: vec![Val::Missing; self.compiled.slots.len()],
            sets: Vec::new(),
        };
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
            &self.compiled.roles,
            ErrorKind::UnknownRole,
            &mut errors,
        );
        let action = name_field(
            obj,
            "action",
            &self.compiled.actions,
            ErrorKind::UnknownAction,
            &mut errors,
        );
        // An absent section is empty. Anything else that is not an object,
        // `null` included, is malformed, and then reads as empty: the inputs
        // that candidate rows read from it are missing.
        let mut section = |name: &str| -> Option<&Map<String, Value>> {
            match obj.get(name) {
                None => None,
                Some(Value::Object(m)) => Some(m),
                Some(other) => {
                    errors.push(error(
                        ErrorKind::MalformedRequest,
                        Some(name.to_string()),
                        &format!("`{name}` must be an object, not {}", json_kind(other)),
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
                Source::Customer => Some(&self.compiled.customer),
                Source::Context => Some(&self.compiled.context),
                Source::Param => action.and_then(|a| self.compiled.params.get(a)),
                Source::Usage => None,
            };
            let Some(lookup) = lookup else { continue };
            for (field, value) in map.iter() {
                if let Some(&slot) = lookup.get(field) {
                    values.slots[slot] = typed(
                        &self.compiled.slots[slot],
                        value,
                        &mut values.sets,
                        &mut errors,
                    );
                }
            }
        }
        let group = match (role, action) {
            (Some(r), Some(a)) => {
                let reads: &[usize] = self
                    .compiled
                    .groups
                    .get(&(r, a))
                    .map_or(&[], |g| g.reads.as_slice());
                let usage = sections[3].1;
                for &slot in reads {
                    let s = &self.compiled.slots[slot];
                    if s.counter {
                        if let Some(v) = usage.and_then(|u| u.get(&s.key)) {
                            values.slots[slot] = typed(s, v, &mut values.sets, &mut errors);
                        }
                    }
                    if matches!(values.slots[slot], Val::Missing) && !s.optional {
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

pub(crate) fn denied(errors: Vec<RequestError>) -> Decision {
    Decision {
        decision: Outcome::Deny,
        escalate_to: vec![],
        obligations: vec![],
        aims: vec![],
        notify: vec![],
        rules: vec![],
        errors,
    }
}

pub(crate) fn error(kind: ErrorKind, input: Option<String>, message: &str) -> RequestError {
    RequestError {
        kind,
        input,
        message: message.to_string(),
    }
}

/// A value's JSON kind, for messages.
fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn variant(slot: &Slot, s: &str) -> Option<u32> {
    slot.index.get(s).copied()
}

fn typed(slot: &Slot, value: &Value, sets: &mut Vec<Bits>, errors: &mut Vec<RequestError>) -> Val {
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
        InputType::Key => match value {
            Value::String(_) => Val::Key,
            _ => wrong("a string (a key)"),
        },
        InputType::Int
        | InputType::Money
        | InputType::Duration
        | InputType::Date
        | InputType::Time => {
            let integer = match slot.ty {
                _ if slot.counter => "a non-negative integer",
                InputType::Money => "an integer number of minor units",
                InputType::Duration => "an integer number of minutes",
                InputType::Date => "an integer number of days since 1970-01-01",
                InputType::Time => "an integer number of minutes since midnight, from 0 to 1439",
                _ => "an integer",
            };
            match value.as_i64() {
                Some(n) if slot.ty == InputType::Time && !(0..=1439).contains(&n) => {
                    wrong(&format!("{integer}, not {n}"))
                }
                // Counters count what was already used; action parameters
                // are quantities (LANGUAGE.md §3): neither is negative.
                Some(n) if n < 0 && slot.counter => wrong(&format!("{integer}, not {n}")),
                Some(n) if n < 0 && slot.source == Source::Param => wrong(&format!(
                    "{} (an action parameter is a quantity), not {n}",
                    integer.replacen("an integer", "a non-negative integer", 1)
                )),
                Some(n) => Val::Int(n),
                None => wrong(integer),
            }
        }
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
            // The shape first: a value that is not an array of strings is
            // `wrong_type` only, whatever strings it also holds.
            let strings: Option<Vec<&str>> = match value {
                Value::Array(items) => items.iter().map(Value::as_str).collect(),
                _ => None,
            };
            let Some(strings) = strings else {
                return wrong("an array of strings naming variants");
            };
            let unknown: Vec<&str> = strings
                .iter()
                .copied()
                .filter(|s| variant(slot, s).is_none())
                .collect();
            if !unknown.is_empty() {
                errors.push(error(
                    ErrorKind::UnknownVariant,
                    Some(slot.key.clone()),
                    &format!(
                        "{} not one of {}",
                        unknown
                            .iter()
                            .map(|s| format!("`{s}`"))
                            .collect::<Vec<_>>()
                            .join(", "),
                        slot.values.join(", ")
                    ),
                ));
                return Val::Bad;
            }
            sets.push(Bits::of(
                strings
                    .iter()
                    .filter_map(|s| variant(slot, s))
                    .map(|i| i as usize),
                slot.values.len(),
            ));
            Val::Set(sets.len() - 1)
        }
    }
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

pub(crate) fn row_outcome(
    row: &CompiledRow,
    values: &Values,
    slots: &[Slot],
) -> (RowOutcome, Failed) {
    let vals = &values.slots;
    // An absent optional input is valid: its constraints fail below.
    if let Some(&bad) = row.reads.iter().find(|s| match vals[**s] {
        Val::Bad => true,
        Val::Missing => !slots[**s].optional,
        _ => false,
    }) {
        return (RowOutcome::Invalid, Failed::Input(bad));
    }
    let check = |c: &crate::compile::Check| holds(&c.test, vals[c.slot], &values.sets);
    if let Some(i) = row.scope.iter().position(|c| !check(c)) {
        return (RowOutcome::ScopeFailed, Failed::Scope(i));
    }
    if let Some(i) = row
        .scope_relations
        .iter()
        .position(|r| !relation_holds(r, vals))
    {
        return (RowOutcome::ScopeFailed, Failed::ScopeRelation(i));
    }
    if let Some(i) = row.limits.iter().position(|c| !check(c)) {
        return (RowOutcome::LimitFailed, Failed::Limit(i));
    }
    if let Some(i) = row
        .limit_relations
        .iter()
        .position(|r| !relation_holds(r, vals))
    {
        return (RowOutcome::LimitFailed, Failed::LimitRelation(i));
    }
    (RowOutcome::Matched, Failed::Nothing)
}

/// The exact value of `Σ coefficient × value`, or `None` when a term's
/// value is absent (an optional input): then the relation does not hold.
pub(crate) fn relation_sum(r: &Linear, vals: &[Val], skip: Option<usize>) -> Option<Sum> {
    let mut sum = Sum::default();
    for &(slot, c) in &r.terms {
        if Some(slot) == skip {
            continue;
        }
        match vals[slot] {
            Val::Int(v) => sum.add_product(c, v),
            _ => return None,
        }
    }
    Some(sum)
}

fn relation_holds(r: &Linear, vals: &[Val]) -> bool {
    relation_sum(r, vals, None).is_some_and(|s| s.cmp_to(i128::from(r.max)).is_le())
}

pub(crate) fn holds(t: &Test, v: Val, sets: &[Bits]) -> bool {
    match (t, v) {
        (Test::Present(p), v) => *p == !matches!(v, Val::Missing),
        (Test::Interval { min, max }, Val::Int(n)) => *min <= n && n <= *max,
        (Test::Enum(bits), Val::Enum(i)) => bits.has(i),
        (Test::Bool(b), Val::Bool(x)) => *b == x,
        (Test::Set { contains, excludes }, Val::Set(i)) => sets
            .get(i)
            .is_some_and(|items| items.covers(contains) && !items.meets(excludes)),
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

    /// `(kind, input)` of each error, in order.
    fn errors(d: &Decision) -> Vec<(&'static str, Option<&str>)> {
        d.errors
            .iter()
            .map(|e| (e.kind.as_str(), e.input.as_deref()))
            .collect()
    }

    /// A table with a set input and an int input, read by one permit row.
    fn with_set() -> Evaluator {
        Evaluator::from_value(json!({
            "format": "remit.table/1", "policy": {"name": "t", "version": null}, "digest": "sha256:0",
            "currency": null, "default": {"effect": "deny"},
            "roles": {"clerk": []},
            "actions": {"waive": {"params": {"days": "int"}}},
            "inputs": {"customer.products": {"type": "set", "values": ["room", "spa"]}, "param.days": {"type": "int"}},
            "counters": {}, "obligations": {},
            "rows": [{"rule": "r", "effect": "permit", "roles": ["clerk"], "actions": ["waive"],
                      "scope": {"customer.products": {"contains": ["room"]}}, "limits": {"param.days": {"max": 3}},
                      "budgets": [], "obligations": [], "notify": [], "escalation": null}],
        }))
        .unwrap()
    }

    #[test]
    fn a_null_section_is_malformed_and_reads_as_empty() {
        let e = with_set();
        let d = e.decide(&json!({"role": "clerk", "action": "waive", "params": null, "customer": null, "context": null, "usage": null}));
        assert_eq!(
            errors(&d),
            vec![
                ("malformed_request", Some("context")),
                ("malformed_request", Some("customer")),
                ("missing_input", Some("customer.products")),
                ("missing_input", Some("param.days")),
                ("malformed_request", Some("params")),
                ("malformed_request", Some("usage")),
            ]
        );
        // Omitted sections are empty, not malformed.
        let d = e.decide(&json!({"role": "clerk", "action": "waive"}));
        assert_eq!(
            errors(&d),
            vec![
                ("missing_input", Some("customer.products")),
                ("missing_input", Some("param.days")),
            ]
        );
    }

    #[test]
    fn a_null_input_or_counter_is_wrong_type() {
        let e = evaluator();
        let mut r = request("clerk", "gold", false, 100, 0);
        r["customer"]["tier"] = Value::Null;
        r["usage"]["customer/refund/count/P30D"] = Value::Null;
        assert_eq!(
            errors(&e.decide(&r)),
            vec![
                ("wrong_type", Some("customer.tier")),
                ("wrong_type", Some("customer/refund/count/P30D")),
            ]
        );
    }

    #[test]
    fn a_set_that_is_not_an_array_of_strings_is_wrong_type_only() {
        let e = with_set();
        let decide = |products: Value| {
            e.decide(&json!({"role": "clerk", "action": "waive", "params": {"days": 1}, "customer": {"products": products}}))
        };
        for products in [
            json!(["casino", 3]),
            json!([3, "casino"]),
            json!(["room", null]),
            json!("room"),
            json!({"room": true}),
            Value::Null,
        ] {
            assert_eq!(
                errors(&decide(products.clone())),
                vec![("wrong_type", Some("customer.products"))],
                "{products}"
            );
        }
        for products in [json!(["casino"]), json!(["room", "casino", "golf"])] {
            let d = decide(products.clone());
            assert_eq!(
                errors(&d),
                vec![("unknown_variant", Some("customer.products"))],
                "{products}"
            );
        }
        assert_eq!(decide(json!(["room", "room"])).decision, Outcome::Permit);
        assert_eq!(decide(json!([])).decision, Outcome::Deny);
        assert!(decide(json!([])).errors.is_empty());
    }

    #[test]
    fn integers_are_written_as_integers_and_fit_in_64_bits() {
        let e = with_set();
        let decide = |days: &str| {
            e.decide_json(format!(r#"{{"role": "clerk", "action": "waive", "params": {{"days": {days}}}, "customer": {{"products": ["room"]}}}}"#))
        };
        for bad in [
            "3.0",
            "3e0",
            "1e1",
            "-0.0",
            "1e400",
            "true",
            "\"3\"",
            "9223372036854775808",
            "-9223372036854775809",
        ] {
            assert_eq!(
                errors(&decide(bad)),
                vec![("wrong_type", Some("param.days"))],
                "{bad}"
            );
        }
        assert_eq!(decide("3").decision, Outcome::Permit);
        // `-0` is written as an integer: it is 0.
        assert_eq!(decide("-0").decision, Outcome::Permit);
        let d = decide("9223372036854775807");
        assert_eq!((d.decision, d.errors.len()), (Outcome::Deny, 0));
    }

    #[test]
    fn a_negative_parameter_is_refused_and_a_negative_attribute_is_not() {
        let e = evaluator();
        for amount in [-1, i64::MIN] {
            let d = e.decide(&request("clerk", "gold", false, amount, 0));
            assert_eq!(errors(&d), vec![("wrong_type", Some("param.amount"))]);
            assert_eq!(
                d.errors[0].message,
                format!("`param.amount` must be a non-negative integer number of minor units (an action parameter is a quantity), not {amount}")
            );
        }
        assert_eq!(
            e.decide(&request("clerk", "gold", false, 0, 0)).decision,
            Outcome::Permit
        );
        let d = e.decide(&request("clerk", "gold", false, 10, -1));
        assert_eq!(
            d.errors[0].message,
            "`customer/refund/count/P30D` must be a non-negative integer, not -1"
        );
        // Customer and context attributes stay signed 64-bit.
        let signed = Evaluator::from_value(json!({
            "format": "remit.table/1", "policy": {"name": "t", "version": null}, "digest": "sha256:0",
            "currency": null, "default": {"effect": "deny"}, "roles": {"clerk": []},
            "actions": {"waive": {"params": {}}}, "inputs": {"customer.balance": {"type": "int"}},
            "counters": {}, "obligations": {},
            "rows": [{"rule": "r", "effect": "permit", "roles": ["clerk"], "actions": ["waive"],
                      "scope": {"customer.balance": {"max": -1}}, "limits": {}, "budgets": [],
                      "obligations": [], "notify": [], "escalation": null}],
        }))
        .unwrap();
        let d = signed.decide(
            &json!({"role": "clerk", "action": "waive", "customer": {"balance": i64::MIN}}),
        );
        assert_eq!((d.decision, d.errors.len()), (Outcome::Permit, 0));
    }

    #[test]
    fn requests_given_as_text_are_read_as_every_evaluator_reads_them() {
        let e = with_set();
        let ok = r#"{"role": "clerk", "action": "waive", "params": {"days": 1}, "customer": {"products": ["room"]}}"#;
        for text in [
            ok.to_string(),
            format!("\u{feff}{ok}"),
            ok.replace(
                r#""products""#,
                r#""score": 1e400, "big": -1e999, "products""#,
            ),
        ] {
            let d = e.decide_json(&text);
            assert_eq!((d.decision, d.errors.len()), (Outcome::Permit, 0), "{text}");
            assert_eq!(e.explain_json(&text).decision, d);
        }
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice(ok.as_bytes());
        assert_eq!(e.decide_json(&bytes).decision, Outcome::Permit);
        let unreadable = |text: &[u8]| {
            let x = e.explain_json(text);
            assert_eq!(x.decision.decision, Outcome::Deny);
            assert_eq!(errors(&x.decision), vec![("malformed_request", None)]);
            assert!(x.trace.is_empty());
            x.decision.errors[0].message.clone()
        };
        assert_eq!(
            unreadable(ok.replace(r#""days": 1"#, r#""days": 1, "days": 9"#).as_bytes()),
            "the request gives the key `days` twice in one object (the second at line 1, column 60): JSON readers disagree on which value counts, so give each key once"
        );
        assert_eq!(
            unreadable(b"{\"role\": \"caf\xe9\"}"),
            "the request is not UTF-8 text (at line 1, column 14): JSON must be UTF-8, so save or send it as UTF-8"
        );
        assert_eq!(
            unreadable(b"{ not json"),
            "the request is not valid JSON: expected a key in double quotes, found `n` at line 1, column 3"
        );
        assert_eq!(
            e.decide_json(b"{ not json"),
            e.explain_json(b"{ not json").decision
        );
    }

    #[test]
    fn errors_sort_by_code_point_with_a_null_input_first() {
        let e = evaluator();
        // Not an object: the one error has no input.
        assert_eq!(
            errors(&e.decide(&json!("refund"))),
            vec![("malformed_request", None)]
        );
        // `param.amount` < `params`, `customer.tier` < `customer/…`.
        let d = e.decide(&json!({"role": "clerk", "action": "refund", "params": {"amount": "x"},
            "customer": {"tier": "diamond", "flagged": false}, "context": {"channel": "phone"}, "usage": []}));
        assert_eq!(
            errors(&d),
            vec![
                ("unknown_variant", Some("customer.tier")),
                ("missing_input", Some("customer/refund/count/P30D")),
                ("wrong_type", Some("param.amount")),
                ("malformed_request", Some("usage")),
            ]
        );
    }

    #[test]
    fn values_are_validated_whatever_the_role_and_action() {
        let e = evaluator();
        // No role, unknown action: customer and context values are still
        // checked; params are not (no action names them); no candidates,
        // so nothing is missing.
        let d = e.decide(&json!({"action": "teleport", "params": {"amount": "x"},
            "customer": {"tier": "diamond"}, "context": {"channel": 7}}));
        assert_eq!(
            errors(&d),
            vec![
                ("unknown_action", Some("action")),
                ("wrong_type", Some("context.channel")),
                ("unknown_variant", Some("customer.tier")),
                ("malformed_request", Some("role")),
            ]
        );
        // A known action with an unknown role: its params are checked.
        let d = e.decide(&json!({"role": "ceo", "action": "refund", "params": {"amount": 1.5}}));
        assert_eq!(
            errors(&d),
            vec![
                ("wrong_type", Some("param.amount")),
                ("unknown_role", Some("role")),
            ]
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
    fn an_absent_optional_enum_reaches_every_row_that_does_not_constrain_it() {
        // Enough rows on one (role, action) for the index to split; the
        // optional `context.channel` must not be a split, or a request
        // without it would reach no row at all.
        let rows: Vec<Value> = (0..30)
            .map(|i| {
                let (channel, tier) = (["phone", "store"][i % 4 / 2], ["basic", "gold"][i % 4 / 2]);
                let scope = if i % 2 == 0 {
                    json!({"context.channel": {"in": [channel]}})
                } else {
                    json!({"context.channel": {"present": false}, "customer.tier": {"in": [tier]}})
                };
                json!({"rule": format!("r{i:02}"), "effect": "permit", "roles": ["clerk"], "actions": ["refund"],
                       "scope": scope, "scope_relations": [], "limits": {"param.amount": {"max": 100 * i}},
                       "limit_relations": [], "obligations": [], "aims": [], "notify": [], "escalation": null})
            })
            .collect();
        let e = Evaluator::from_value(json!({
            "format": "remit.table/2", "policy": {"name": "t", "version": null}, "digest": "sha256:0",
            "currency": null, "timezone": "UTC", "default": {"effect": "deny"}, "roles": {"clerk": []},
            "actions": {"refund": {"params": {"amount": "money"}}},
            "inputs": {"context.channel": {"type": "enum", "values": ["phone", "store"], "optional": true},
                       "customer.tier": {"type": "enum", "values": ["basic", "gold"]}, "param.amount": {"type": "money"}},
            "counters": {}, "obligations": {}, "outcomes": {}, "rows": rows,
        }))
        .unwrap();
        for context in [
            json!({}),
            json!({"channel": "phone"}),
            json!({"channel": "store"}),
        ] {
            for tier in ["basic", "gold"] {
                let r = json!({"role": "clerk", "action": "refund", "params": {"amount": 150}, "customer": {"tier": tier}, "context": context});
                let d = e.decide(&r);
                assert_eq!(d, e.explain(&r).decision, "{r}");
                assert_eq!(d.decision, Outcome::Permit, "{r}");
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
        assert_eq!(
            first.detail,
            "amount is 90.00 USD, above the maximum 50.00 USD"
        );
    }
}
