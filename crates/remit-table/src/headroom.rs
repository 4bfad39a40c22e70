//! Headroom: which values of one action parameter a request would be
//! permitted with, and what happens just above them (TABLE.md,
//! "Headroom").
//!
//! Every constraint on the parameter is a bound `p >= a` or `p <= b`
//! (intervals directly, relations solved for it with the other values
//! fixed), so each candidate row permits one interval of values and each
//! forbid denies one: the answer is the union of the permits' intervals
//! minus the union of the forbids', in time linear in the rows (after a
//! sort), with at most as many intervals as rows plus one.

use crate::compile::{Check, CompiledRow, Linear, Test};
use crate::eval::{error, holds, relation_sum, Decision, ErrorKind, RequestError, Val, Values};
use crate::exact::{ceil_div, floor_div};
use crate::load::Evaluator;
use crate::v2::{InputType, Outcome};
use serde::Serialize;
use serde_json::{Map, Value};
use std::cmp::Ordering;

/// The answer to "how much may I give here?".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Headroom {
    /// The parameter's input key (`param.amount`).
    pub param: String,
    /// The permitted values, as sorted disjoint inclusive intervals
    /// (minor units for money); empty when nothing is permitted.
    pub permitted: Vec<[i64; 2]>,
    /// The decision for the smallest value above every permitted one
    /// (for `0` when nothing is permitted); `None` when the permitted
    /// values reach the largest the parameter can take (1439 for a time
    /// of day, else 2^63 - 1).
    pub above: Option<Decision>,
    /// Problems with the request, as `decide` reports them; then nothing
    /// else is computed.
    pub errors: Vec<RequestError>,
}

/// An inclusive interval; empty when `lo > hi`.
type Span = (i64, i64);

impl Evaluator {
    /// [`Evaluator::headroom`] for a request given as JSON text, read as
    /// [`Evaluator::decide_json`] reads it (a request that cannot be read
    /// gives a `malformed_request` error, never a panic).
    pub fn headroom_json(&self, text: impl AsRef<[u8]>, param: &str) -> Headroom {
        match crate::json::parse(text.as_ref()) {
            Ok(parsed) => self.headroom(&parsed.value, param),
            Err(e) => Headroom {
                param: format!("param.{}", param.strip_prefix("param.").unwrap_or(param)),
                permitted: Vec::new(),
                above: None,
                errors: vec![crate::eval::error(
                    crate::eval::ErrorKind::MalformedRequest,
                    None,
                    &e.describe("the request"),
                )],
            },
        }
    }

    /// The headroom of action parameter `param` (`amount` or
    /// `param.amount`) for a request that is complete except for it (a
    /// value given for it is ignored). Never panics: an invalid request,
    /// or a parameter the action does not have, gives errors.
    pub fn headroom(&self, request: &Value, param: &str) -> Headroom {
        let name = param.strip_prefix("param.").unwrap_or(param);
        let key = format!("param.{name}");
        let fail = |errors: Vec<RequestError>| Headroom {
            param: key.clone(),
            permitted: Vec::new(),
            above: None,
            errors,
        };
        let with = |value: i64| -> Value {
            let mut r = request.clone();
            if let Some(obj) = r.as_object_mut() {
                let params = obj
                    .entry("params")
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Some(p) = params.as_object_mut() {
                    p.insert(name.to_string(), Value::from(value));
                }
            }
            r
        };
        let probe = with(0);
        let prepared = self.prepare(&probe);
        let action = probe
            .get("action")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let slot = self
            .compiled
            .actions
            .get(action)
            .and_then(|a| self.compiled.params.get(*a))
            .and_then(|params| params.get(name))
            .copied();
        let mut errors = prepared.errors;
        match (slot, prepared.group) {
            (Some(s), _) if !self.compiled.slots[s].ty.is_integer() => errors.push(error(
                ErrorKind::WrongType,
                Some(key.clone()),
                &format!(
                    "`{key}` is `{}`: headroom is for integer parameters",
                    self.compiled.slots[s].ty.as_str()
                ),
            )),
            (None, Some(_)) => {
                let known: Vec<String> = self.document.actions[action]
                    .params
                    .keys()
                    .map(|p| format!("`{p}`"))
                    .collect();
                errors.push(error(
                    ErrorKind::MalformedRequest,
                    Some(key.clone()),
                    &format!(
                        "action `{action}` has no parameter `{name}`; ask for the headroom of {}",
                        if known.is_empty() {
                            "an action with a parameter".to_string()
                        } else {
                            format!("one of {}", known.join(", "))
                        }
                    ),
                ));
            }
            _ => {}
        }
        let (Some(slot), Some(group)) = (slot, prepared.group) else {
            return fail(errors);
        };
        if !errors.is_empty() {
            errors.sort_by(|a, b| (&a.input, a.kind).cmp(&(&b.input, b.kind)));
            return fail(errors);
        }
        let rows: &[usize] = self
            .compiled
            .groups
            .get(&group)
            .map_or(&[], |g| g.rows.as_slice());
        // A parameter is never negative; a time of day ends at 23:59.
        let top = match self.compiled.slots[slot].ty {
            InputType::Time => 1439,
            _ => i64::MAX,
        };
        let mut permits = Vec::new();
        let mut forbids = Vec::new();
        for &r in rows {
            let row = &self.compiled.rows[r];
            match row.effect {
                Outcome::Permit => permits.push(row_span(row, &prepared.values, slot, top, true)),
                Outcome::Forbid => forbids.push(row_span(row, &prepared.values, slot, top, false)),
                _ => {}
            }
        }
        let permitted = subtract(merge(permits), &merge(forbids));
        let next = match permitted.last() {
            None => Some(0),
            Some(&(_, hi)) if hi >= top => None,
            Some(&(_, hi)) => hi.checked_add(1),
        };
        Headroom {
            param: key,
            permitted: permitted.iter().map(|&(lo, hi)| [lo, hi]).collect(),
            above: next.map(|v| self.decide(&with(v))),
            errors: Vec::new(),
        }
    }
}

/// The values from 0 to `top` of the parameter in `slot` for which a
/// row's scope holds (and, with `limits`, its limits too), the other
/// values fixed.
fn row_span(row: &CompiledRow, values: &Values, slot: usize, top: i64, limits: bool) -> Span {
    let mut span: Span = (0, top);
    let mut checks: Vec<&Check> = row.scope.iter().collect();
    let mut relations: Vec<&Linear> = row.scope_relations.iter().collect();
    if limits {
        checks.extend(row.limits.iter());
        relations.extend(row.limit_relations.iter());
    }
    for c in checks {
        let bound = match (&c.test, c.slot == slot) {
            (Test::Interval { min, max }, true) => (*min, *max),
            (Test::Present(false), true) => (1, 0),
            (_, true) => (0, i64::MAX),
            (t, false) if holds(t, values.slots[c.slot], &values.sets) => (0, i64::MAX),
            _ => (1, 0),
        };
        span = (span.0.max(bound.0), span.1.min(bound.1));
    }
    for r in relations {
        let bound = solve(r, &values.slots, slot);
        span = (span.0.max(bound.0), span.1.min(bound.1));
    }
    span
}

/// The values of `slot` for which `r` holds, the other terms fixed.
fn solve(r: &Linear, vals: &[Val], slot: usize) -> Span {
    const ALL: Span = (i64::MIN, i64::MAX);
    const NONE: Span = (1, 0);
    let Some(rest) = relation_sum(r, vals, Some(slot)) else {
        return NONE;
    };
    let a = r
        .terms
        .iter()
        .filter(|(s, _)| *s == slot)
        .map(|(_, c)| i128::from(*c))
        .sum::<i128>();
    // a·p <= max - rest =: m.
    let m = rest
        .exact()
        .and_then(|rest| i128::from(r.max).checked_sub(rest));
    let clamp = |n: i128| i64::try_from(n).unwrap_or(if n < 0 { i64::MIN } else { i64::MAX });
    match (a.cmp(&0), m) {
        (Ordering::Equal, _) => {
            if rest.cmp_to(i128::from(r.max)).is_le() {
                ALL
            } else {
                NONE
            }
        }
        // m beyond 128 bits: its sign is the opposite of rest's.
        (Ordering::Greater, None) if rest.signum() < 0 => ALL,
        (Ordering::Less, None) if rest.signum() < 0 => ALL,
        (_, None) => NONE,
        (Ordering::Greater, Some(m)) => {
            let hi = floor_div(m, a);
            if hi < i128::from(i64::MIN) {
                NONE
            } else {
                (i64::MIN, clamp(hi))
            }
        }
        (Ordering::Less, Some(m)) => {
            // a < 0: p >= m / a, rounded up; m / a = (-m) / (-a).
            let lo = m.checked_neg().map_or(i128::MAX, |neg| ceil_div(neg, -a));
            if lo > i128::from(i64::MAX) {
                NONE
            } else {
                (clamp(lo), i64::MAX)
            }
        }
    }
}

/// Sorted disjoint intervals covering the non-empty spans; adjacent ones
/// are joined (`[0, 4]` and `[5, 9]` are `[0, 9]`).
fn merge(mut spans: Vec<Span>) -> Vec<Span> {
    spans.retain(|(lo, hi)| lo <= hi);
    spans.sort_unstable();
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for (lo, hi) in spans {
        match out.last_mut() {
            Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
            _ => out.push((lo, hi)),
        }
    }
    out
}

/// `a` minus `b`, both sorted and disjoint.
fn subtract(a: Vec<Span>, b: &[Span]) -> Vec<Span> {
    let mut out = Vec::new();
    let mut j = 0;
    for (mut lo, hi) in a {
        while j < b.len() && b[j].1 < lo {
            j += 1;
        }
        let mut k = j;
        while lo <= hi {
            match b.get(k) {
                Some(&(blo, bhi)) if blo <= hi => {
                    if blo > lo {
                        out.push((lo, blo - 1));
                    }
                    match bhi.checked_add(1) {
                        Some(next) => lo = lo.max(next),
                        None => break,
                    }
                    k += 1;
                }
                _ => {
                    out.push((lo, hi));
                    break;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A format 2 table: `refund` capped at 20% of the bill by one row,
    /// uncapped by another for gold customers.
    fn evaluator() -> Evaluator {
        let row = |rule: &str, scope: Value, limits: Value, relations: Value| {
            json!({"rule": rule, "effect": "permit", "roles": ["clerk"], "actions": ["refund"],
                   "scope": scope, "scope_relations": [], "limits": limits, "limit_relations": relations,
                   "obligations": [], "aims": [], "notify": [], "escalation": null})
        };
        Evaluator::from_value(json!({
            "format": "remit.table/2", "policy": {"name": "t", "version": null}, "digest": "sha256:0",
            "currency": {"code": "USD", "scale": 2}, "timezone": "UTC", "default": {"effect": "deny"},
            "roles": {"clerk": []}, "actions": {"refund": {"params": {"amount": "money"}}},
            "inputs": {"context.bill": {"type": "money"}, "customer.gold": {"type": "bool"}, "param.amount": {"type": "money"}},
            "counters": {}, "obligations": {}, "outcomes": {},
            "rows": [
                row("capped", json!({}), json!({}), json!([{"terms": {"param.amount": 5, "context.bill": -1}, "max": 0}])),
                row("gold", json!({"customer.gold": {"eq": true}}), json!({}), json!([])),
            ],
        }))
        .unwrap()
    }

    #[test]
    fn headroom_is_exact_and_says_what_happens_above() {
        let e = evaluator();
        let r = json!({"role": "clerk", "action": "refund", "params": {"amount": 123}, "context": {"bill": 10004}, "customer": {"gold": false}});
        let h = e.headroom(&r, "amount");
        // 5 × amount <= 100.04 USD: amount <= 20.008 USD, so 20.00 USD.
        assert_eq!(h.permitted, vec![[0, 2000]]);
        assert_eq!(h.above.map(|d| d.decision), Some(Outcome::Deny));
        assert_eq!(e.decide(&json!({"role": "clerk", "action": "refund", "params": {"amount": 2000}, "context": {"bill": 10004}, "customer": {"gold": false}})).decision, Outcome::Permit);
        // Without a cap, nothing lies above.
        let r = json!({"role": "clerk", "action": "refund", "context": {"bill": 0}, "customer": {"gold": true}});
        let h = e.headroom(&r, "param.amount");
        assert_eq!((h.permitted, h.above), (vec![[0, i64::MAX]], None));
    }

    #[test]
    fn headroom_of_an_invalid_request_is_its_errors() {
        let e = evaluator();
        let h = e.headroom(&json!({"role": "clerk", "action": "refund"}), "amount");
        let got: Vec<(ErrorKind, Option<&str>)> = h
            .errors
            .iter()
            .map(|e| (e.kind, e.input.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                (ErrorKind::MissingInput, Some("context.bill")),
                (ErrorKind::MissingInput, Some("customer.gold"))
            ]
        );
        assert!(h.permitted.is_empty() && h.above.is_none());
        let h = e.headroom(&json!({"role": "clerk", "action": "refund", "params": {"amount": 1}, "context": {"bill": 1}, "customer": {"gold": true}}), "tip");
        assert_eq!(h.errors.len(), 1);
        assert_eq!(
            (h.errors[0].kind, h.errors[0].input.as_deref()),
            (ErrorKind::MalformedRequest, Some("param.tip"))
        );
        assert_eq!(
            h.errors[0].message,
            "action `refund` has no parameter `tip`; ask for the headroom of one of `amount`"
        );
    }

    #[test]
    fn forbids_carve_holes_and_adjacent_permits_join() {
        assert_eq!(
            merge(vec![(5, 9), (0, 4), (20, 30), (3, 1)]),
            vec![(0, 9), (20, 30)]
        );
        assert_eq!(
            subtract(vec![(0, 100)], &[(10, 19), (50, 60)]),
            vec![(0, 9), (20, 49), (61, 100)]
        );
        assert_eq!(
            subtract(vec![(0, 9), (20, 30)], &[(5, 25)]),
            vec![(0, 4), (26, 30)]
        );
        assert_eq!(
            subtract(vec![(0, i64::MAX)], &[(7, i64::MAX)]),
            vec![(0, 6)]
        );
        assert_eq!(subtract(vec![(0, 5)], &[(0, 5)]), vec![]);
    }

    #[test]
    fn relations_solve_with_floor_and_ceiling() {
        let vals = [Val::Int(0), Val::Int(101)];
        // 100·p - 33·bill <= 0, bill = 101: p <= 3333/100 = 33.33 → 33.
        let r = Linear {
            terms: vec![(0, 100), (1, -33)],
            max: 0,
        };
        assert_eq!(solve(&r, &vals, 0), (i64::MIN, 33));
        // -3·p + bill <= 0: p >= 101/3 = 33.67 → 34.
        let r = Linear {
            terms: vec![(0, -3), (1, 1)],
            max: 0,
        };
        assert_eq!(solve(&r, &vals, 0), (34, i64::MAX));
        // Extremes: i64::MAX·p <= i64::MAX - i64::MIN·bill.
        let vals = [Val::Int(0), Val::Int(i64::MAX)];
        let r = Linear {
            terms: vec![(0, i64::MAX), (1, i64::MIN)],
            max: i64::MAX,
        };
        assert_eq!(solve(&r, &vals, 0).1, i64::MAX);
    }
}
