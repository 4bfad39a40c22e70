//! Lints over the rows of one (role, action): `conflicting_outcomes`,
//! `shadowed_rule`, `redundant_rule`, `escalation_dead_end`,
//! `escalation_cycle`.

use super::Ctx;
use crate::region::{contains, disjoint, meet, uncovered, Region};
use crate::witness::{rule_in_scope, rule_matched, witness, Point};
use remit_diagnostics::{Code, Diagnostic, Severity};
use remit_syntax::ast::EffectKind;
use remit_table::{Explanation, Outcome};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Every group lint but `redundant_rule` (run on its own, see
/// [`redundant`]).
pub(super) fn run(ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    conflicting(ctx, out);
    shadowed(ctx, out);
    dead_ends(ctx, out);
    cycles(ctx, out);
}

/// Roles a finding affects, and the first witness found for it.
struct Finding {
    roles: Vec<String>,
    action: String,
    region: Region,
    role: String,
}

fn record(
    found: &mut BTreeMap<(usize, usize), Finding>,
    key: (usize, usize),
    role: &str,
    action: &str,
    region: impl FnOnce() -> Option<Region>,
) {
    match found.get_mut(&key) {
        Some(f) => {
            if !f.roles.iter().any(|r| r == role) {
                f.roles.push(role.to_string());
            }
        }
        None => {
            if let Some(region) = region() {
                found.insert(
                    key,
                    Finding {
                        roles: vec![role.to_string()],
                        action: action.to_string(),
                        region,
                        role: role.to_string(),
                    },
                );
            }
        }
    }
}

fn sorted_groups<'a>(ctx: &'a Ctx<'_>) -> Vec<((&'a str, &'a str), &'a Vec<usize>)> {
    let mut groups: Vec<_> = ctx
        .groups
        .iter()
        .flat_map(|(role, by_action)| {
            by_action
                .iter()
                .map(move |(action, rows)| ((*role, *action), rows))
        })
        .collect();
    groups.sort_by_key(|(k, _)| *k);
    groups
}

fn roles_phrase(roles: &[String]) -> String {
    let quoted: Vec<String> = roles.iter().map(|r| format!("`{r}`")).collect();
    match quoted.as_slice() {
        [one] => format!("affects {one}"),
        [init @ .., last] => format!("affects {} and {last}", init.join(", ")),
        [] => String::new(),
    }
}

/// A permit's box overlapping a standalone escalation, and two escalations
/// sending one request to different roles, where no forbid decides first.
fn conflicting(ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    let mut permit_vs_escalate: BTreeMap<(usize, usize), Finding> = BTreeMap::new();
    let mut escalate_pairs: BTreeMap<(usize, usize), Finding> = BTreeMap::new();
    for ((role, action), rows) in sorted_groups(ctx) {
        let forbids: Vec<&Region> = rows
            .iter()
            .filter(|r| ctx.row(**r).effect == Outcome::Forbid)
            .map(|r| &ctx.row(*r).scope)
            .collect();
        let permits: Vec<usize> = rows
            .iter()
            .copied()
            .filter(|r| ctx.row(*r).effect == Outcome::Permit && ctx.boxes[*r].is_some())
            .collect();
        let escalates: Vec<usize> = rows
            .iter()
            .copied()
            .filter(|r| ctx.row(*r).effect == Outcome::Escalate && ctx.escalates_for(*r, role))
            .collect();
        for &e in &escalates {
            let e_scope = &ctx.row(e).scope;
            for &p in &permits {
                let Some(p_box) = &ctx.boxes[p] else { continue };
                if disjoint(p_box, e_scope) {
                    continue;
                }
                let key = (ctx.row_rule[p], ctx.row_rule[e]);
                if key.0 == key.1 {
                    continue;
                }
                record(&mut permit_vs_escalate, key, role, action, || {
                    meet(p_box, e_scope).and_then(|m| uncovered(&m, &forbids, ctx.table))
                });
            }
        }
        for (i, &a) in escalates.iter().enumerate() {
            for &b in &escalates[i + 1..] {
                let (ra, rb) = (ctx.row(a), ctx.row(b));
                let same_target =
                    ra.escalation.as_ref().map(|e| &e.to) == rb.escalation.as_ref().map(|e| &e.to);
                if same_target || disjoint(&ra.scope, &rb.scope) {
                    continue;
                }
                let (x, y) = (
                    ctx.row_rule[a].min(ctx.row_rule[b]),
                    ctx.row_rule[a].max(ctx.row_rule[b]),
                );
                if x == y {
                    continue;
                }
                let deciders: Vec<&Region> = forbids
                    .iter()
                    .copied()
                    .chain(permits.iter().filter_map(|p| ctx.boxes[*p].as_ref()))
                    .collect();
                record(&mut escalate_pairs, (x, y), role, action, || {
                    meet(&ra.scope, &rb.scope).and_then(|m| uncovered(&m, &deciders, ctx.table))
                });
            }
        }
    }
    for ((p, e), f) in &permit_vs_escalate {
        let (pr, er) = (&ctx.model.rules[*p], &ctx.model.rules[*e]);
        let Some((point, request, ex)) = conflict_witness(ctx, (*p, *e), f) else {
            continue;
        };
        if !(rule_matched(&ex, &pr.name)
            && rule_in_scope(&ex, &er.name)
            && ex.decision.decision == Outcome::Permit)
        {
            continue;
        }
        let target = er
            .target
            .map(|t| ctx.model.roles[t].name.clone())
            .unwrap_or_default();
        out.push(
            Diagnostic::new(Code::CONFLICTING_OUTCOMES, format!("rules `{}` and `{}` disagree", pr.name, er.name), pr.name_span, "permits these requests")
                .secondary(er.name_span, format!("escalates them to `{target}`"))
                .note(roles_phrase(&f.roles))
                .help(format!("a permit wins over an escalation, so `{}` never escalates these requests; narrow one rule so they no longer overlap, or turn the escalation into the permit's `otherwise escalate to`", er.name))
                .witness(witness(&point, request, vec![format!("is permitted by `{}` but escalated to `{target}` by `{}`", pr.name, er.name)])),
        );
    }
    for ((a, b), f) in &escalate_pairs {
        let (ar, br) = (&ctx.model.rules[*a], &ctx.model.rules[*b]);
        let Some((point, request, ex)) = conflict_witness(ctx, (*a, *b), f) else {
            continue;
        };
        if !(ex.decision.decision == Outcome::Escalate && ex.decision.escalate_to.len() > 1) {
            continue;
        }
        let ta = ar
            .target
            .map(|t| ctx.model.roles[t].name.clone())
            .unwrap_or_default();
        let tb = br
            .target
            .map(|t| ctx.model.roles[t].name.clone())
            .unwrap_or_default();
        out.push(
            Diagnostic::new(Code::CONFLICTING_OUTCOMES, format!("rules `{}` and `{}` escalate one request to different roles", ar.name, br.name), ar.name_span, format!("escalates to `{ta}`"))
                .secondary(br.name_span, format!("escalates to `{tb}`"))
                .note(roles_phrase(&f.roles))
                .help("an escalation should have one destination: narrow one rule so the two no longer overlap")
                .witness(witness(&point, request, vec![format!("is escalated to `{ta}` by `{}` and to `{tb}` by `{}`", ar.name, br.name)])),
        );
    }
}

/// The candidate witness of a conflict between two rules, with the
/// evaluator's explanation of it; `None` when either rule allows the lint.
fn conflict_witness<'c>(
    ctx: &'c Ctx<'_>,
    (a, b): (usize, usize),
    f: &'c Finding,
) -> Option<(Point<'c>, Value, Explanation)> {
    if ctx.allowed(a, Code::CONFLICTING_OUTCOMES) || ctx.allowed(b, Code::CONFLICTING_OUTCOMES) {
        return None;
    }
    let point = Point {
        table: ctx.table,
        role: &f.role,
        action: &f.action,
        region: f.region.clone(),
    };
    let request = point.request();
    let ex = ctx.evaluator.explain(&request);
    Some((point, request, ex))
}

/// A permit or escalate rule that never decides anything for the roles it
/// names: forbids (and, for an escalation, permits) decide all it matches.
fn shadowed(ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    for (index, rule) in ctx.model.rules.iter().enumerate() {
        if !rule.ok
            || rule.effect == EffectKind::Forbid
            || ctx.rule_rows[index].is_empty()
            || ctx.allowed(index, Code::SHADOWED_RULE)
        {
            continue;
        }
        let mut shadowers: BTreeSet<usize> = BTreeSet::new();
        let mut example: Option<(String, String, Region)> = None;
        let mut decides = false;
        'pairs: for &role in &rule.roles {
            let role = ctx.model.roles[role].name.as_str();
            for &action in &rule.actions {
                let action = ctx.model.actions[action].name.as_str();
                let group = ctx.group(role, action);
                let cover_rows: Vec<usize> = group
                    .iter()
                    .copied()
                    .filter(|r| ctx.row_rule[*r] != index)
                    .filter(|r| match ctx.row(*r).effect {
                        Outcome::Forbid => true,
                        Outcome::Permit => rule.effect == EffectKind::Escalate,
                        _ => false,
                    })
                    .collect();
                for &own in group.iter().filter(|r| ctx.row_rule[**r] == index) {
                    if rule.effect == EffectKind::Escalate && !ctx.escalates_for(own, role) {
                        continue;
                    }
                    let Some(own_box) = &ctx.boxes[own] else {
                        continue;
                    };
                    let cover: Vec<&Region> = cover_rows
                        .iter()
                        .filter_map(|r| {
                            if ctx.row(*r).effect == Outcome::Forbid {
                                Some(&ctx.row(*r).scope)
                            } else {
                                ctx.boxes[*r].as_ref()
                            }
                        })
                        .collect();
                    if uncovered(own_box, &cover, ctx.table).is_some() {
                        decides = true;
                        break 'pairs;
                    }
                    for &r in &cover_rows {
                        let region = if ctx.row(r).effect == Outcome::Forbid {
                            Some(&ctx.row(r).scope)
                        } else {
                            ctx.boxes[r].as_ref()
                        };
                        if region.is_some_and(|reg| !disjoint(reg, own_box)) {
                            shadowers.insert(ctx.row_rule[r]);
                        }
                    }
                    if example.is_none() {
                        example = Some((role.to_string(), action.to_string(), own_box.clone()));
                    }
                }
            }
        }
        let (Some((role, action, region)), false) = (example, decides) else {
            continue;
        };
        let point = Point {
            table: ctx.table,
            role: &role,
            action: &action,
            region,
        };
        let request = point.request();
        let ex = ctx.evaluator.explain(&request);
        let decided_by: Vec<String> = ex
            .decision
            .rules
            .iter()
            .filter(|r| **r != rule.name)
            .cloned()
            .collect();
        if !rule_in_scope(&ex, &rule.name) || decided_by.is_empty() {
            continue;
        }
        let verb = if ex.decision.decision == Outcome::Deny {
            "denied"
        } else {
            "permitted"
        };
        let mut d = Diagnostic::new(
            Code::SHADOWED_RULE,
            format!("rule `{}` never decides anything", rule.name),
            rule.name_span,
            "every request it matches is decided by other rules",
        );
        for s in &shadowers {
            d = d.secondary(ctx.model.rules[*s].name_span, "decides first");
        }
        out.push(
            d.help("forbids come first, then permits, then escalations: remove the rule, or narrow the rules that hide it")
                .witness(witness(&point, request, vec![format!("matches `{}` but is {verb} by {}", rule.name, decided_by.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", "))])),
        );
    }
}

/// A permit covered, for the roles it names, by another permit with the
/// same or stronger obligations and limits (`redundant_rule`).
pub(super) fn redundant(ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    for (p, rule) in ctx.model.rules.iter().enumerate() {
        if !rule.ok || rule.effect != EffectKind::Permit || ctx.allowed(p, Code::REDUNDANT_RULE) {
            continue;
        }
        let own_rows: Vec<usize> = ctx.rule_rows[p]
            .iter()
            .copied()
            .filter(|r| ctx.boxes[*r].is_some())
            .collect();
        let (Some(&first_role), Some(&first_action), false) = (
            rule.roles.first(),
            rule.actions.first(),
            own_rows.is_empty(),
        ) else {
            continue;
        };
        let candidates: BTreeSet<usize> = ctx
            .group(
                &ctx.model.roles[first_role].name,
                &ctx.model.actions[first_action].name,
            )
            .iter()
            .filter(|r| ctx.row(**r).effect == Outcome::Permit)
            .map(|r| ctx.row_rule[*r])
            .filter(|q| *q != p)
            .collect();
        for q in candidates {
            let other = &ctx.model.rules[q];
            let stronger = rule.require.iter().all(|o| other.require.contains(o))
                && rule.notify.iter().all(|n| other.notify.contains(n))
                && (rule.otherwise.is_none() || rule.otherwise == other.otherwise);
            if !stronger || !covers(ctx, q, p) {
                continue;
            }
            // Two rules that cover each other: report only the later one.
            if covers(ctx, p, q)
                && q > p
                && rule.require.len() == other.require.len()
                && rule.notify.len() == other.notify.len()
            {
                continue;
            }
            let role = ctx.model.roles[first_role].name.as_str();
            let action = ctx.model.actions[first_action].name.as_str();
            let Some(region) = own_rows
                .iter()
                .find(|r| ctx.row(**r).actions.iter().any(|a| a == action))
                .and_then(|r| ctx.boxes[*r].clone())
            else {
                continue;
            };
            let point = Point {
                table: ctx.table,
                role,
                action,
                region,
            };
            let request = point.request();
            let ex = ctx.evaluator.explain(&request);
            if !(rule_matched(&ex, &rule.name) && rule_matched(&ex, &other.name)) {
                continue;
            }
            out.push(
                Diagnostic::new(
                    Code::REDUNDANT_RULE,
                    format!("rule `{}` is covered by `{}`", rule.name, other.name),
                    rule.name_span,
                    "adds nothing",
                )
                .secondary(
                    other.name_span,
                    "already permits all of it, with the same or stronger obligations",
                )
                .help(format!(
                    "remove `{}`, or make it differ from `{}`",
                    rule.name, other.name
                ))
                .witness(witness(
                    &point,
                    request,
                    vec![format!(
                        "is permitted by both `{}` and `{}`",
                        rule.name, other.name
                    )],
                )),
            );
            break;
        }
    }
}

/// Whether rule `q`'s rows contain every row of rule `p`, for the roles
/// and actions `p` names.
fn covers(ctx: &Ctx<'_>, q: usize, p: usize) -> bool {
    let rule = &ctx.model.rules[p];
    for &role in &rule.roles {
        let role = ctx.model.roles[role].name.as_str();
        for &action in &rule.actions {
            let action = ctx.model.actions[action].name.as_str();
            let theirs: Vec<usize> = ctx.rows_in(q, role, action).collect();
            for own in ctx.rows_in(p, role, action) {
                let Some(own_box) = &ctx.boxes[own] else {
                    continue;
                };
                let own_row = ctx.row(own);
                let covered = theirs.iter().any(|r| {
                    let row = ctx.row(*r);
                    let budgets_ok = row.budgets.iter().all(|b| {
                        own_row
                            .budgets
                            .iter()
                            .any(|o| o.counter == b.counter && o.param == b.param && o.max <= b.max)
                    });
                    budgets_ok && ctx.boxes[*r].as_ref().is_some_and(|b| contains(b, own_box))
                });
                if !covered {
                    return false;
                }
            }
        }
    }
    true
}

/// The region where a row escalates: its scope, with a limit broken for
/// a permit's `otherwise`.
fn escalation_region(ctx: &Ctx<'_>, row: usize, within: &Region) -> Region {
    let r = ctx.row(row);
    if r.effect != Outcome::Permit {
        return within.clone();
    }
    crate::region::limit_broken(r)
        .iter()
        .find_map(|b| meet(within, b))
        .unwrap_or_else(|| within.clone())
}

/// An escalation to a role with no authority over the request.
fn dead_ends(ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    for (index, rule) in ctx.model.rules.iter().enumerate() {
        let target = match rule.effect {
            EffectKind::Escalate => rule.target,
            EffectKind::Permit => rule.otherwise,
            EffectKind::Forbid => None,
        };
        let Some(target) = target else { continue };
        if !rule.ok || ctx.allowed(index, Code::ESCALATION_DEAD_END) {
            continue;
        }
        let target_name = ctx.model.roles[target].name.as_str();
        let Some(from_role) = rule
            .roles
            .iter()
            .map(|r| ctx.model.roles[*r].name.as_str())
            .find(|r| {
                ctx.rule_rows[index]
                    .iter()
                    .any(|row| ctx.escalates_for(*row, r))
            })
        else {
            continue;
        };
        for &action in &rule.actions {
            let action = ctx.model.actions[action].name.as_str();
            let authority: Vec<usize> = ctx
                .group(target_name, action)
                .iter()
                .copied()
                .filter(|r| {
                    ctx.row_rule[*r] != index
                        && matches!(ctx.row(*r).effect, Outcome::Permit | Outcome::Escalate)
                })
                .collect();
            let own: Vec<usize> = ctx
                .group(from_role, action)
                .iter()
                .copied()
                .filter(|r| ctx.row_rule[*r] == index)
                .collect();
            let Some(&first) = own.first() else { continue };
            if authority.is_empty() {
                let region = escalation_region(ctx, first, &ctx.row(first).scope);
                let point = Point {
                    table: ctx.table,
                    role: from_role,
                    action,
                    region,
                };
                let request = point.request();
                // The target may inherit this very rule: it then has a rule
                // for the action, but only the box whose limits just broke.
                let inherits = ctx
                    .group(target_name, action)
                    .iter()
                    .any(|r| ctx.row_rule[*r] == index);
                let (headline, label, help) = if inherits {
                    (
                        format!("rule `{}` escalates `{action}` to `{target_name}`, whose only rule for `{action}` is this one, inherited with the same limits", rule.name),
                        format!("`{target_name}` inherits `{}` and has no other rule for `{action}`", rule.name),
                        format!("give `{target_name}` a rule of its own for `{action}` with a wider box, or escalate to a role that has one"),
                    )
                } else {
                    (
                        format!("rule `{}` escalates `{action}` to `{target_name}`, which has no rule for `{action}`", rule.name),
                        format!("`{target_name}` may neither permit nor escalate `{action}`"),
                        format!("give `{target_name}` a `permit` (or `escalate`) rule for `{action}`, or escalate to a role that has one"),
                    )
                };
                out.push(
                    Diagnostic::new(
                        Code::ESCALATION_DEAD_END,
                        headline,
                        rule.name_span,
                        format!("escalates to `{target_name}`"),
                    )
                    .with_severity(Severity::Error)
                    .secondary(ctx.model.roles[target].span, label)
                    .help(help)
                    .witness(witness(&point, request, vec![format!("is escalated to `{target_name}` by `{}`, and `{target_name}` can do nothing with it", rule.name)])),
                );
                break;
            }
            let cover: Vec<&Region> = authority.iter().map(|r| &ctx.row(*r).scope).collect();
            let gap = own
                .iter()
                .find_map(|r| uncovered(&ctx.row(*r).scope, &cover, ctx.table).map(|g| (*r, g)));
            let Some((row, gap)) = gap else { continue };
            let point = Point {
                table: ctx.table,
                role: from_role,
                action,
                region: escalation_region(ctx, row, &gap),
            };
            let request = point.request();
            let ex = ctx.evaluator.explain(&request);
            if !(ex.decision.decision == Outcome::Escalate
                && ex.decision.escalate_to.iter().any(|t| t == target_name))
            {
                continue;
            }
            let mut as_target = request.clone();
            as_target["role"] = serde_json::Value::String(target_name.to_string());
            let tx = ctx.evaluator.explain(&as_target);
            if authority.iter().any(|r| {
                tx.trace.iter().any(|t| {
                    t.row == *r
                        && matches!(
                            t.outcome,
                            remit_table::RowOutcome::Matched | remit_table::RowOutcome::LimitFailed
                        )
                })
            }) {
                continue;
            }
            let mut d = Diagnostic::new(
                Code::ESCALATION_DEAD_END,
                format!(
                    "rule `{}` escalates requests that `{target_name}` has no rule for",
                    rule.name
                ),
                rule.name_span,
                format!("escalates to `{target_name}`"),
            );
            let mut seen = BTreeSet::new();
            for r in &authority {
                if seen.insert(ctx.row_rule[*r]) {
                    d = d.secondary(
                        ctx.model.rules[ctx.row_rule[*r]].name_span,
                        format!("`{target_name}`'s authority over `{action}` stops here"),
                    );
                }
            }
            out.push(
                d.help(format!("widen a rule of `{target_name}` for `{action}` to cover these requests, or escalate them elsewhere"))
                    .witness(witness(&point, request, vec![format!("is escalated to `{target_name}` by `{}`, but no permit or escalate rule of `{target_name}` covers it", rule.name)])),
            );
            break;
        }
    }
}

/// Escalations that lead back to a role already on the path.
fn cycles(ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    let mut reported: BTreeSet<Vec<usize>> = BTreeSet::new();
    let mut actions: Vec<&String> = ctx.table.actions.keys().collect();
    actions.sort();
    for action in actions {
        // role → [(target, rule, row)]
        let mut edges: BTreeMap<&str, Vec<(&str, usize, usize)>> = BTreeMap::new();
        for (i, row) in ctx.table.rows.iter().enumerate() {
            let Some(e) = &row.escalation else { continue };
            if !row.actions.iter().any(|a| a == action) {
                continue;
            }
            for role in &row.roles {
                if ctx.escalates_for(i, role) {
                    let list = edges.entry(role.as_str()).or_default();
                    if !list
                        .iter()
                        .any(|(t, r, _)| *t == e.to && *r == ctx.row_rule[i])
                    {
                        list.push((e.to.as_str(), ctx.row_rule[i], i));
                    }
                }
            }
        }
        for &start in edges.keys() {
            // Depth-first search for a path back to `start`.
            let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
            let mut path: Vec<(usize, usize)> = Vec::new();
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                let succ = edges.get(node).and_then(|v| v.get(*next)).copied();
                *next += 1;
                match succ {
                    Some((to, rule, row)) => {
                        if to == start {
                            let mut cycle: Vec<(usize, usize)> = path.clone();
                            cycle.push((rule, row));
                            let mut key: Vec<usize> = cycle.iter().map(|(r, _)| *r).collect();
                            key.sort();
                            key.dedup();
                            if reported.insert(key.clone())
                                && !key.iter().any(|r| ctx.allowed(*r, Code::ESCALATION_CYCLE))
                            {
                                report_cycle(ctx, start, action, &cycle, out);
                            }
                        } else if !stack.iter().any(|(n, _)| *n == to) && stack.len() < 16 {
                            stack.push((to, 0));
                            path.push((rule, row));
                        }
                    }
                    None => {
                        stack.pop();
                        path.pop();
                    }
                }
            }
        }
    }
}

fn report_cycle(
    ctx: &Ctx<'_>,
    start: &str,
    action: &str,
    cycle: &[(usize, usize)],
    out: &mut Vec<Diagnostic>,
) {
    let Some(&(first_rule, first_row)) = cycle.first() else {
        return;
    };
    let mut hops = vec![start.to_string()];
    hops.extend(
        cycle
            .iter()
            .filter_map(|(_, row)| ctx.row(*row).escalation.as_ref().map(|e| e.to.clone())),
    );
    let path = hops
        .iter()
        .map(|h| format!("`{h}`"))
        .collect::<Vec<_>>()
        .join(" → ");
    let region = escalation_region(ctx, first_row, &ctx.row(first_row).scope);
    let point = Point {
        table: ctx.table,
        role: start,
        action,
        region,
    };
    let request = point.request();
    let mut d = Diagnostic::new(
        Code::ESCALATION_CYCLE,
        format!("escalations of `{action}` go round in a circle: {path}"),
        ctx.model.rules[first_rule].name_span,
        "the circle starts here",
    );
    for (rule, _) in cycle.iter().skip(1) {
        d = d.secondary(ctx.model.rules[*rule].name_span, "and continues here");
    }
    let outcomes = cycle
        .iter()
        .filter_map(|(rule, row)| {
            ctx.row(*row).escalation.as_ref().map(|e| {
                format!(
                    "`{}` escalates it to `{}`",
                    ctx.model.rules[*rule].name, e.to
                )
            })
        })
        .collect();
    out.push(
        d.help("an escalation must end with a role that can decide; make one role in the circle permit or deny instead of escalating")
            .witness(witness(&point, request, outcomes)),
    );
}
