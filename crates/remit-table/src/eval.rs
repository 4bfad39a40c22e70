//! Deciding requests (LANGUAGE.md §5 on rows; docs/table-format.md).

use crate::format::{Constraint, InputType, Outcome};
use crate::load::{CompiledRow, Evaluator, Slot, Source};
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

/// A typed request value.
#[derive(Debug, Clone)]
enum Val<'a> {
    Missing,
    Bad,
    Int(i64),
    Bool(bool),
    Str(&'a str),
    Set(Vec<&'a str>),
}

struct Prepared<'a> {
    group: Option<usize>,
    values: Vec<Val<'a>>,
    errors: Vec<RequestError>,
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
        let Some(group) = prepared.group else {
            return Explanation {
                decision: denied(prepared.errors),
                trace: Vec::new(),
            };
        };
        let rows = &self.groups[group].rows;
        let mut entries = Vec::new();
        let mut forbids = BTreeSet::new();
        let mut permits: Vec<usize> = Vec::new();
        let mut escalations: Vec<usize> = Vec::new();
        let role = request.get("role").and_then(Value::as_str).unwrap_or("");
        for &index in rows {
            let row = &self.table.rows[index];
            let compiled = &self.rows[index];
            let (outcome, constraint, detail) = self.row_outcome(compiled, &prepared.values);
            if trace {
                entries.push(TraceEntry {
                    rule: row.rule.clone(),
                    row: index,
                    effect: row.effect,
                    outcome,
                    constraint: constraint.map(|s| self.slots[s].key.clone()),
                    detail,
                });
            }
            let applies = |r: &crate::format::Row| {
                r.escalation
                    .as_ref()
                    .is_some_and(|e| !e.except_roles.iter().any(|x| x == role))
            };
            match (row.effect, outcome) {
                (Outcome::Forbid, RowOutcome::Matched | RowOutcome::LimitFailed) => {
                    forbids.insert(index);
                }
                (Outcome::Permit, RowOutcome::Matched) => permits.push(index),
                (Outcome::Permit, RowOutcome::LimitFailed) if applies(row) => {
                    escalations.push(index)
                }
                (Outcome::Escalate, RowOutcome::Matched | RowOutcome::LimitFailed)
                    if applies(row) =>
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
        let collect = |indices: &mut dyn Iterator<Item = usize>,
                       f: &dyn Fn(&crate::format::Row) -> Vec<String>|
         -> Vec<String> {
            let set: BTreeSet<String> = indices.flat_map(|i| f(&self.table.rows[i])).collect();
            set.into_iter().collect()
        };
        let rule_names =
            |indices: &[usize]| collect(&mut indices.iter().copied(), &|r| vec![r.rule.clone()]);
        let decision = if !forbids.is_empty() {
            let f: Vec<usize> = forbids.into_iter().collect();
            Decision {
                decision: Outcome::Deny,
                escalate_to: vec![],
                obligations: vec![],
                notify: vec![],
                rules: rule_names(&f),
                errors: vec![],
            }
        } else if !permits.is_empty() {
            Decision {
                decision: Outcome::Permit,
                escalate_to: vec![],
                obligations: collect(&mut permits.iter().copied(), &|r| r.obligations.clone()),
                notify: collect(&mut permits.iter().copied(), &|r| r.notify.clone()),
                rules: rule_names(&permits),
                errors: vec![],
            }
        } else if !escalations.is_empty() {
            Decision {
                decision: Outcome::Escalate,
                escalate_to: collect(&mut escalations.iter().copied(), &|r| {
                    r.escalation.iter().map(|e| e.to.clone()).collect()
                }),
                obligations: vec![],
                notify: collect(&mut escalations.iter().copied(), &|r| r.notify.clone()),
                rules: rule_names(&escalations),
                errors: vec![],
            }
        } else {
            denied(Vec::new())
        };
        Explanation {
            decision,
            trace: entries,
        }
    }

    fn row_outcome(
        &self,
        row: &CompiledRow,
        values: &[Val<'_>],
    ) -> (RowOutcome, Option<usize>, String) {
        if let Some(&bad) = row
            .reads
            .iter()
            .find(|s| matches!(values[**s], Val::Missing | Val::Bad))
        {
            let what = if matches!(values[bad], Val::Missing) {
                "is missing"
            } else {
                "has the wrong type"
            };
            return (
                RowOutcome::Invalid,
                Some(bad),
                format!("{} {what}", self.slots[bad].key),
            );
        }
        for check in &row.scope {
            if !holds(&check.constraint, &values[check.slot]) {
                return (
                    RowOutcome::ScopeFailed,
                    Some(check.slot),
                    self.describe(check.slot, &check.constraint, &values[check.slot]),
                );
            }
        }
        for check in &row.limits {
            if !holds(&check.constraint, &values[check.slot]) {
                return (
                    RowOutcome::LimitFailed,
                    Some(check.slot),
                    self.describe(check.slot, &check.constraint, &values[check.slot]),
                );
            }
        }
        for &(counter, param, max) in &row.budgets {
            let (Val::Int(used), Val::Int(amount)) = (&values[counter], &values[param]) else {
                return (
                    RowOutcome::Invalid,
                    Some(counter),
                    "budget inputs are not integers".into(),
                );
            };
            if used.checked_add(*amount).is_none_or(|total| total > max) {
                return (
                    RowOutcome::LimitFailed,
                    Some(counter),
                    format!(
                        "{} is {used} and {} is {amount}, together above the budget {max}",
                        self.slots[counter].key, self.slots[param].key
                    ),
                );
            }
        }
        (RowOutcome::Matched, None, "every constraint holds".into())
    }

    fn describe(&self, slot: usize, c: &Constraint, v: &Val<'_>) -> String {
        let key = &self.slots[slot].key;
        match (c, v) {
            (Constraint::Interval(i), Val::Int(n)) => match (i.min, i.max) {
                (Some(min), _) if *n < min => format!("{key} is {n}, below the minimum {min}"),
                (_, Some(max)) => format!("{key} is {n}, above the maximum {max}"),
                _ => format!("{key} is {n}, outside the interval"),
            },
            (Constraint::In(set), Val::Str(s)) => {
                format!("{key} is `{s}`, not one of {}", set.values.join(", "))
            }
            (Constraint::Eq(b), Val::Bool(x)) => format!("{key} is {x}, not {}", b.eq),
            (Constraint::Set(_), Val::Set(items)) => format!(
                "{key} is [{}], which does not fit the set constraint",
                items.join(", ")
            ),
            _ => format!("{key} does not hold"),
        }
    }

    /// Validates the request, resolves role and action, and reads every
    /// value the candidate rows need.
    fn prepare<'a>(&self, request: &'a Value) -> Prepared<'a> {
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
        let role = self.name_field(
            obj,
            "role",
            &self.roles,
            ErrorKind::UnknownRole,
            &mut errors,
        );
        let action = self.name_field(
            obj,
            "action",
            &self.actions,
            ErrorKind::UnknownAction,
            &mut errors,
        );
        let section =
            |name: &str, errors: &mut Vec<RequestError>| -> Option<&'a Map<String, Value>> {
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
            (Source::Customer, section("customer", &mut errors)),
            (Source::Context, section("context", &mut errors)),
            (Source::Param, section("params", &mut errors)),
            (Source::Usage, section("usage", &mut errors)),
        ];
        // Every value given for a known input must be well-typed.
        for (source, map) in &sections {
            let Some(map) = map else { continue };
            let lookup = match source {
                Source::Customer => Some(&self.customer),
                Source::Context => Some(&self.context),
                Source::Param => action.map(|a| &self.params[a]),
                Source::Usage => Some(&self.usage),
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
                let g = r * self.actions.len() + a;
                for &slot in &self.groups[g].reads {
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
                Some(g)
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

    fn name_field(
        &self,
        obj: &Map<String, Value>,
        field: &str,
        known: &std::collections::HashMap<String, usize>,
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

fn typed<'a>(slot: &Slot, value: &'a Value, errors: &mut Vec<RequestError>) -> Val<'a> {
    let wrong = |errors: &mut Vec<RequestError>, expected: &str| {
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
            _ => wrong(errors, "`true` or `false`"),
        },
        InputType::Int | InputType::Money | InputType::Duration => {
            let n = match value {
                Value::Number(n) => n.as_i64(),
                _ => None,
            };
            match n {
                Some(n) if slot.counter && n < 0 => wrong(errors, "a non-negative integer"),
                Some(n) => Val::Int(n),
                None => {
                    let unit = match slot.ty {
                        InputType::Money => "an integer number of minor units",
                        InputType::Duration => "an integer number of minutes",
                        _ if slot.counter => "a non-negative integer",
                        _ => "an integer",
                    };
                    wrong(errors, unit)
                }
            }
        }
        InputType::Enum => match value {
            Value::String(s) if slot.values.iter().any(|v| v == s) => Val::Str(s),
            Value::String(s) => {
                errors.push(error(
                    ErrorKind::UnknownVariant,
                    Some(slot.key.clone()),
                    &format!("`{s}` is not one of {}", slot.values.join(", ")),
                ));
                Val::Bad
            }
            _ => wrong(errors, "a string naming a variant"),
        },
        InputType::Set => {
            let Value::Array(items) = value else {
                return wrong(errors, "an array of variants");
            };
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::String(s) if slot.values.iter().any(|v| v == s) => out.push(s.as_str()),
                    Value::String(s) => {
                        errors.push(error(
                            ErrorKind::UnknownVariant,
                            Some(slot.key.clone()),
                            &format!("`{s}` is not one of {}", slot.values.join(", ")),
                        ));
                        return Val::Bad;
                    }
                    _ => return wrong(errors, "an array of variants"),
                }
            }
            Val::Set(out)
        }
    }
}

fn holds(c: &Constraint, v: &Val<'_>) -> bool {
    match (c, v) {
        (Constraint::Interval(i), Val::Int(n)) => i.holds(*n),
        (Constraint::In(set), Val::Str(s)) => set.values.iter().any(|x| x == s),
        (Constraint::Eq(b), Val::Bool(x)) => b.eq == *x,
        (Constraint::Set(t), Val::Set(items)) => {
            t.contains
                .iter()
                .flatten()
                .all(|c| items.contains(&c.as_str()))
                && !t
                    .excludes
                    .iter()
                    .flatten()
                    .any(|e| items.contains(&e.as_str()))
        }
        _ => false,
    }
}
