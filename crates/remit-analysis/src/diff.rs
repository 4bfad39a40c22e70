//! Change impact between two tables: which requests get a different
//! decision, each with a witness request decided by both tables.
//!
//! Candidate regions come from the rows: what a new permit allows that no
//! old permit did (or an old forbid stopped), what an old permit allowed
//! that no new one does (or a new forbid stops), escalations that appear or
//! change target, and overlapping permits whose obligations differ. Each
//! candidate becomes a concrete request; only requests that the two tables
//! really decide differently are reported, once per role, action, kind and
//! rules involved.

use crate::region::{disjoint, limit_broken, meet, uncovered, Region};
use crate::witness::Point;
use remit_sema::model::Currency;
use remit_sema::units::format_money;
use remit_table::{Constraint, Decision, Evaluator, InputType, Outcome, Table};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeSet;

/// How a decision changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Now permitted, was denied or escalated: power widened.
    Widened,
    /// Was permitted, now denied or escalated.
    Narrowed,
    /// Escalated elsewhere, or escalated instead of denied (or the reverse).
    Rerouted,
    /// Permitted both times, with different obligations.
    Obligations,
}

/// One change, with the request that shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// The acting role.
    pub role: String,
    /// The action.
    pub action: String,
    /// What kind of change.
    pub kind: ChangeKind,
    /// In words: "now permits amount 50.01–100.00 USD (was escalate to duty_manager)".
    pub description: String,
    /// The request, in the policy's terms.
    pub witness: String,
    /// The request itself.
    pub request: Value,
    /// The old table's decision.
    pub old: Decision,
    /// The new table's decision.
    pub new: Decision,
}

impl Change {
    /// Whether the change widens power (a new permit, or fewer obligations).
    pub fn widens(&self) -> bool {
        self.kind == ChangeKind::Widened
            || (self.kind == ChangeKind::Obligations
                && !self
                    .old
                    .obligations
                    .iter()
                    .all(|o| self.new.obligations.contains(o)))
    }
}

/// The changes from `old` to `new`, grouped by role and action.
pub fn diff(old: &Table, new: &Table) -> Result<Vec<Change>, remit_table::TableError> {
    let old_eval = Evaluator::new(old.clone())?;
    let new_eval = Evaluator::new(new.clone())?;
    // One domain for witnesses: every input and counter of either table.
    let mut domain = new.clone();
    for (k, v) in &old.inputs {
        domain.inputs.entry(k.clone()).or_insert_with(|| v.clone());
    }
    for (k, v) in &old.counters {
        domain
            .counters
            .entry(k.clone())
            .or_insert_with(|| v.clone());
    }
    for (k, v) in &old.actions {
        domain.actions.entry(k.clone()).or_insert_with(|| v.clone());
    }
    let mut changes: Vec<Change> = Vec::new();
    let mut seen = BTreeSet::new();
    for role in new.roles.keys().filter(|r| old.roles.contains_key(*r)) {
        for action in new.actions.keys().filter(|a| old.actions.contains_key(*a)) {
            let rows = |t: &'_ Table, effect: Outcome| -> Vec<Region> {
                t.rows
                    .iter()
                    .filter(|r| {
                        r.effect == effect && r.roles.contains(role) && r.actions.contains(action)
                    })
                    .filter_map(|r| {
                        if effect == Outcome::Permit {
                            meet(&r.scope, &r.limits)
                        } else {
                            Some(r.scope.clone())
                        }
                    })
                    .collect()
            };
            let (op, of, oe) = (
                rows(old, Outcome::Permit),
                rows(old, Outcome::Forbid),
                rows(old, Outcome::Escalate),
            );
            let (np, nf, ne) = (
                rows(new, Outcome::Permit),
                rows(new, Outcome::Forbid),
                rows(new, Outcome::Escalate),
            );
            let mut candidates: Vec<Region> = Vec::new();
            let refs = |v: &[Region]| -> Vec<Region> { v.to_vec() };
            let cover = |a: &[Region], b: &[Region]| -> Vec<Region> {
                refs(a).into_iter().chain(refs(b)).collect()
            };
            let gap = |x: &Region, c: &[Region]| -> Option<Region> {
                let c: Vec<&Region> = c.iter().collect();
                uncovered(x, &c, &domain)
            };
            for b in &np {
                candidates.extend(gap(b, &cover(&op, &nf)));
                candidates.extend(
                    of.iter()
                        .filter_map(|f| meet(b, f))
                        .filter_map(|m| gap(&m, &nf)),
                );
            }
            for b in &op {
                candidates.extend(gap(b, &cover(&np, &of)));
                candidates.extend(
                    nf.iter()
                        .filter_map(|f| meet(b, f))
                        .filter_map(|m| gap(&m, &of)),
                );
            }
            for e in &ne {
                candidates.extend(gap(e, &oe));
            }
            for e in &oe {
                candidates.extend(gap(e, &ne));
            }
            for n in &np {
                for o in op.iter().filter(|o| !disjoint(n, o)) {
                    candidates.extend(meet(n, o));
                }
            }
            // Where a permit's limits break, its `otherwise` decides.
            for t in [old, new] {
                for r in t.rows.iter().filter(|r| {
                    r.effect == Outcome::Permit
                        && r.escalation.is_some()
                        && r.roles.contains(role)
                        && r.actions.contains(action)
                }) {
                    candidates.extend(limit_broken(r).iter().filter_map(|b| meet(&r.scope, b)));
                }
            }
            for region in candidates {
                let point = Point {
                    table: &domain,
                    role,
                    action,
                    region,
                };
                let request = point.request();
                let (before, after) = (old_eval.decide(&request), new_eval.decide(&request));
                if !before.errors.is_empty() || !after.errors.is_empty() {
                    continue;
                }
                let Some(kind) = classify(&before, &after) else {
                    continue;
                };
                let key = (
                    role.clone(),
                    action.clone(),
                    kind,
                    before.rules.clone(),
                    after.rules.clone(),
                );
                if !seen.insert(key) {
                    continue;
                }
                let description = describe(kind, &before, &after, &point.region, &domain);
                changes.push(Change {
                    role: role.clone(),
                    action: action.clone(),
                    kind,
                    description,
                    witness: point.summary(&request),
                    request,
                    old: before,
                    new: after,
                });
            }
        }
    }
    changes.sort_by(|a, b| {
        (&a.role, &a.action, a.kind, &a.description).cmp(&(
            &b.role,
            &b.action,
            b.kind,
            &b.description,
        ))
    });
    Ok(changes)
}

fn classify(before: &Decision, after: &Decision) -> Option<ChangeKind> {
    match (before.decision, after.decision) {
        (a, b) if a == b && a == Outcome::Permit => {
            (before.obligations != after.obligations).then_some(ChangeKind::Obligations)
        }
        (a, b) if a == b && a == Outcome::Escalate => {
            (before.escalate_to != after.escalate_to).then_some(ChangeKind::Rerouted)
        }
        (a, b) if a == b => None,
        (_, Outcome::Permit) => Some(ChangeKind::Widened),
        (Outcome::Permit, _) => Some(ChangeKind::Narrowed),
        _ => Some(ChangeKind::Rerouted),
    }
}

fn outcome_words(d: &Decision) -> String {
    match d.decision {
        Outcome::Permit if d.obligations.is_empty() => "permit".to_string(),
        Outcome::Permit => format!("permit requiring {}", d.obligations.join(", ")),
        Outcome::Escalate => format!("escalate to {}", d.escalate_to.join(", ")),
        _ => "deny".to_string(),
    }
}

fn rules_words(d: &Decision) -> String {
    if d.rules.is_empty() {
        "no rule".to_string()
    } else {
        d.rules.join(", ")
    }
}

/// "amount 50.01–100.00 USD" for the parameters the region bounds.
fn ranges(region: &Region, table: &Table) -> String {
    let currency = table.currency.as_ref().map(|c| Currency {
        code: c.code.clone(),
        scale: c.scale,
        span: Default::default(),
    });
    let mut parts = Vec::new();
    for (key, c) in region {
        let (Some(name), Constraint::Interval(i)) = (key.strip_prefix("param."), c) else {
            continue;
        };
        let money = table
            .inputs
            .get(key)
            .is_some_and(|t| t.ty == InputType::Money);
        let show = |v: i64| {
            if money {
                format_money(v, currency.as_ref())
            } else {
                v.to_string()
            }
        };
        let text = match (i.min, i.max) {
            (Some(a), Some(b)) if a == b => show(a),
            (Some(a), Some(b)) => {
                format!("{}–{}", show(a).split(' ').next().unwrap_or(""), show(b))
            }
            (Some(a), None) => format!("from {}", show(a)),
            (None, Some(b)) => format!("up to {}", show(b)),
            (None, None) => continue,
        };
        parts.push(format!("{name} {text}"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" {}", parts.join(", "))
    }
}

fn describe(
    kind: ChangeKind,
    before: &Decision,
    after: &Decision,
    region: &Region,
    table: &Table,
) -> String {
    let range = ranges(region, table);
    match kind {
        ChangeKind::Widened => format!(
            "now permits{range} ({}), was {} ({})",
            rules_words(after),
            outcome_words(before),
            rules_words(before)
        ),
        ChangeKind::Narrowed => format!(
            "no longer permits{range}: now {} ({}), was permitted by {}",
            outcome_words(after),
            rules_words(after),
            rules_words(before)
        ),
        ChangeKind::Rerouted => format!(
            "now {}{range} ({}), was {} ({})",
            outcome_words(after),
            rules_words(after),
            outcome_words(before),
            rules_words(before)
        ),
        ChangeKind::Obligations => {
            let added: Vec<&String> = after
                .obligations
                .iter()
                .filter(|o| !before.obligations.contains(o))
                .collect();
            let removed: Vec<&String> = before
                .obligations
                .iter()
                .filter(|o| !after.obligations.contains(o))
                .collect();
            let list = |v: &[&String]| v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
            format!(
                "obligations change{range}: added [{}], removed [{}] ({})",
                list(&added),
                list(&removed),
                rules_words(after)
            )
        }
    }
}
