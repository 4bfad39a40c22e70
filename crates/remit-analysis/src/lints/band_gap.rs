//! `band_gap` (LANGUAGE.md §8.7): permits for one role and action whose
//! scopes are equal except for the range of one quantity input, with a
//! gap between two of the ranges that no rule of the role covers (a delay
//! table with a hole between bands).
//!
//! Rows are bucketed by the quantity and the rest of their scope, so the
//! cost is a sort per bucket; each gap is then a coverage question against
//! every row of the group, and its witness is checked in the evaluator:
//! no rule is in scope there, and moving the quantity to either edge of
//! the gap brings the rule on that side into scope.

use super::{incomplete, Ctx};
use crate::region::zone::{uncovered, Incomplete, Zone};
use crate::region::Region;
use crate::witness::{rule_in_scope, witness};
use remit_diagnostics::{Code, Diagnostic, Span};
use remit_sema::model::{Currency, RuleId};
use remit_sema::units::{format_duration, format_money};
use remit_table::{Constraint, InputType, Interval, Outcome, RowOutcome};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// One band of a bucket: its range of the quantity and its rule.
type Band = (Option<i64>, Option<i64>, RuleId);

/// One gap: the rules on either side, the quantity and its missing range.
struct Gap {
    below: RuleId,
    above: RuleId,
    key: String,
    from: i64,
    to: i64,
    roles: Vec<String>,
    witness: Option<(String, String, Region)>,
}

pub(super) fn run(ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    let mut gaps: BTreeMap<(RuleId, RuleId, String), Gap> = BTreeMap::new();
    let mut gave_up: BTreeMap<(String, String), BTreeSet<RuleId>> = BTreeMap::new();
    let mut groups: Vec<(&str, &str, &Vec<usize>)> = ctx
        .groups
        .iter()
        .flat_map(|(role, by)| by.iter().map(move |(a, rows)| (*role, *a, rows)))
        .collect();
    groups.sort_by_key(|(r, a, _)| (*r, *a));
    for (role, action, rows) in groups {
        // (quantity, the rest of the scope) → [(min, max, rule)]
        // The rest of the scope is keyed by its canonical JSON (sorted keys).
        let mut buckets: BTreeMap<(&str, String), (Region, Vec<Band>)> = BTreeMap::new();
        for &r in rows.iter() {
            let row = ctx.row(r);
            if row.effect != Outcome::Permit {
                continue;
            }
            for (key, c) in &row.scope {
                let Constraint::Interval(iv) = c else {
                    continue;
                };
                let quantity = ctx.table.inputs.get(key).is_some_and(|i| {
                    matches!(
                        i.ty,
                        InputType::Int | InputType::Money | InputType::Duration
                    )
                });
                if !quantity {
                    continue;
                }
                let mut rest = row.scope.clone();
                rest.remove(key);
                let id = serde_json::to_string(&rest).unwrap_or_default();
                buckets
                    .entry((key.as_str(), id))
                    .or_insert_with(|| (rest, Vec::new()))
                    .1
                    .push((iv.min, iv.max, ctx.row_rule[r]));
            }
        }
        let cover: Vec<&Zone> = rows.iter().map(|r| ctx.scope_only(*r)).collect();
        for ((key, _), (rest, mut bands)) in buckets {
            if bands.len() < 2 {
                continue;
            }
            bands.sort_by_key(|(min, _, _)| min.unwrap_or(i64::MIN));
            // Sweep: the highest end so far, and the rule that reaches it.
            let (mut end, mut end_rule) = (bands[0].1, bands[0].2);
            for &(min, max, rule) in &bands[1..] {
                let Some(e) = end else { break };
                if let Some(start) = min.filter(|s| e.checked_add(1).is_some_and(|n| *s > n)) {
                    if end_rule != rule {
                        let (from, to) = (e + 1, start - 1);
                        let k = (end_rule, rule, key.to_string());
                        let known = gaps
                            .get(&k)
                            .is_some_and(|g| g.roles.iter().any(|x| x == role));
                        if !known {
                            let mut bounds = rest.clone();
                            bounds.insert(
                                key.to_string(),
                                Constraint::Interval(Interval {
                                    min: Some(from),
                                    max: Some(to),
                                }),
                            );
                            let found =
                                match ctx.domains.get(action).and_then(|d| d.within(&bounds)) {
                                    Some(z) => uncovered(&z, &cover, ctx.table),
                                    None => Ok(None),
                                };
                            match found {
                                Ok(Some(region)) => {
                                    let g = gaps.entry(k).or_insert_with(|| Gap {
                                        below: end_rule,
                                        above: rule,
                                        key: key.to_string(),
                                        from,
                                        to,
                                        roles: Vec::new(),
                                        witness: None,
                                    });
                                    g.roles.push(role.to_string());
                                    if g.witness.is_none() {
                                        g.witness =
                                            Some((role.to_string(), action.to_string(), region));
                                    }
                                }
                                Ok(None) => {}
                                Err(Incomplete) => {
                                    let set = gave_up
                                        .entry((role.to_string(), action.to_string()))
                                        .or_default();
                                    set.insert(end_rule);
                                    set.insert(rule);
                                }
                            }
                        }
                    }
                }
                if max.is_none_or(|m| m > e) {
                    end = max;
                    end_rule = rule;
                }
            }
        }
    }
    for g in gaps.into_values() {
        if let Some(d) = report(ctx, &g) {
            out.push(d);
        }
    }
    for ((role, action), rules) in gave_up {
        out.extend(incomplete(ctx, &rules, &role, &action, Code::BAND_GAP));
    }
}

fn report(ctx: &Ctx<'_>, g: &Gap) -> Option<Diagnostic> {
    if ctx.allowed(g.below, Code::BAND_GAP) || ctx.allowed(g.above, Code::BAND_GAP) {
        return None;
    }
    let (role, action, region) = g.witness.as_ref()?;
    let (point, request, ex) = ctx.explain_at(role, action, region.clone());
    let untouched = ex
        .trace
        .iter()
        .all(|t| !matches!(t.outcome, RowOutcome::Matched | RowOutcome::LimitFailed));
    let (below, above) = (&ctx.model.rules[g.below], &ctx.model.rules[g.above]);
    let at = |v: i64| {
        let mut moved = request.clone();
        let (section, field) = g.key.split_once('.')?;
        let section = if section == "param" {
            "params"
        } else {
            section
        };
        moved[section][field] = json!(v);
        Some(ctx.evaluator.explain(&moved))
    };
    let edges = at(g.from - 1).is_some_and(|e| rule_in_scope(&e, &below.name))
        && at(g.to + 1).is_some_and(|e| rule_in_scope(&e, &above.name));
    if !untouched || !edges || ex.decision.decision != Outcome::Deny {
        return None;
    }
    let ty = ctx.table.inputs.get(&g.key).map(|i| i.ty);
    let shown = |v: i64| show(ctx, ty, v);
    let name = g
        .key
        .strip_prefix("param.")
        .map_or(g.key.clone(), str::to_string);
    let range = if g.from == g.to {
        shown(g.from)
    } else {
        format!("{} to {}", shown(g.from), shown(g.to))
    };
    let quoted: Vec<String> = g.roles.iter().map(|r| format!("`{r}`")).collect();
    let witness_value = request_value(&request, &g.key).map_or(String::new(), shown);
    Some(
        Diagnostic::new(
            Code::BAND_GAP,
            format!(
                "rules `{}` and `{}` leave `{name}` from {range} uncovered",
                below.name, above.name
            ),
            below.name_span,
            format!("this band ends at {}", shown(g.from - 1)),
        )
        .secondary(
            above.name_span,
            format!("the next band starts at {}", shown(g.to + 1)),
        )
        .note(format!("affects {}", quoted.join(", ")))
        .help("extend one band to meet the other, add a rule for the gap, or `@allow(band_gap)` if nothing is meant to apply there")
        .witness(witness(
            &point,
            request,
            vec![format!(
                "with `{name}` {witness_value}, between `{}` and `{}`, is decided by no rule",
                below.name, above.name
            )],
        )),
    )
}

fn request_value(request: &Value, key: &str) -> Option<i64> {
    let (section, field) = key.split_once('.')?;
    let section = if section == "param" {
        "params"
    } else {
        section
    };
    request.get(section)?.get(field)?.as_i64()
}

fn show(ctx: &Ctx<'_>, ty: Option<InputType>, v: i64) -> String {
    let currency = ctx.table.currency.as_ref().map(|c| Currency {
        code: c.code.clone(),
        scale: c.scale,
        span: Span::default(),
    });
    match ty {
        Some(InputType::Money) => format_money(v, currency.as_ref()),
        Some(InputType::Duration) => format_duration(v),
        _ => v.to_string(),
    }
}
