//! Lints over the rows of one (role, action): `conflicting_outcomes`,
//! `shadowed_rule`, `redundant_rule`, `escalation_dead_end`,
//! `escalation_cycle`.
//!
//! Every region here is a [`Zone`]: the box with its budgets and the
//! action's domain (non-negative parameters and counters, realisable
//! windows), so each question is answered exactly or reported as
//! `analysis_incomplete`, and each witness is a request the evaluator
//! decides as the finding says before it is reported.

use super::{incomplete, Ctx};
use crate::region::zone::{separated, uncovered, Incomplete, Zone};
use crate::region::{disjoint, Region};
use crate::witness::{rule_in_scope, rule_matched, witness, Point};
use remit_diagnostics::{Code, Diagnostic, Lint, Severity};
use remit_sema::model::{Id, RoleId, RuleId};
use remit_syntax::ast::EffectKind;
use remit_table::{Explanation, Outcome, RowOutcome};
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

/// Questions abandoned at a work bound, to report as `analysis_incomplete`.
#[derive(Default)]
struct GaveUp(BTreeMap<(String, String, &'static str), BTreeSet<RuleId>>);

impl GaveUp {
    fn add(&mut self, role: &str, action: &str, lint: Lint, rules: &[RuleId]) {
        self.0
            .entry((role.to_string(), action.to_string(), lint.name))
            .or_default()
            .extend(rules.iter().copied());
    }

    /// Adds what another search gave up on.
    fn merge(&mut self, other: GaveUp) {
        for (key, rules) in other.0 {
            self.0.entry(key).or_default().extend(rules);
        }
    }

    fn report(self, ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
        for ((role, action, lint), rules) in self.0 {
            if let Some(code) = Code::lookup(lint) {
                out.extend(incomplete(ctx, &rules, &role, &action, code));
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

/// Records that `key` happens for `role`, with the region of its first
/// request; `find` answers whether (and where) it happens.
fn record(
    found: &mut BTreeMap<(RuleId, RuleId), Finding>,
    gave_up: &mut GaveUp,
    key: (RuleId, RuleId),
    (role, action): (&str, &str),
    find: impl FnOnce() -> Result<Option<Region>, Incomplete>,
) {
    if found
        .get(&key)
        .is_some_and(|f| f.roles.iter().any(|r| r == role))
    {
        return;
    }
    match find() {
        Ok(Some(region)) => match found.get_mut(&key) {
            Some(f) => f.roles.push(role.to_string()),
            None => {
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
        },
        Ok(None) => {}
        Err(Incomplete) => gave_up.add(role, action, Code::CONFLICTING_OUTCOMES, &[key.0, key.1]),
    }
}

fn target_of(ctx: &Ctx<'_>, rule: RuleId) -> String {
    let r = &ctx.model.rules[rule];
    r.target
        .or(r.otherwise)
        .map(|t| ctx.model.roles[t].name.clone())
        .unwrap_or_default()
}

/// A permit's box overlapping a standalone escalation, and two escalations
/// sending one request to different roles, where no forbid (and, for two
/// escalations, no permit) decides first.
fn conflicting(ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    let mut permit_vs_escalate: BTreeMap<(RuleId, RuleId), Finding> = BTreeMap::new();
    let mut escalate_pairs: BTreeMap<(RuleId, RuleId), Finding> = BTreeMap::new();
    let mut gave_up = GaveUp::default();
    for ((role, action), rows) in sorted_groups(ctx) {
        let forbid_refs: Vec<&Zone> = rows
            .iter()
            .filter(|r| ctx.row(**r).effect == Outcome::Forbid)
            .map(|r| ctx.scope_only(*r))
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
        if escalates.is_empty() {
            continue;
        }
        for &e in &escalates {
            let e_scope = &ctx.row(e).scope;
            for &p in &permits {
                let Some(p_box) = &ctx.boxes[p] else { continue };
                let key = (ctx.row_rule[p], ctx.row_rule[e]);
                if key.0 == key.1 || disjoint(p_box, e_scope) {
                    continue;
                }
                record(
                    &mut permit_vs_escalate,
                    &mut gave_up,
                    key,
                    (role, action),
                    || match ctx.box_zone(p, action).and_then(|z| z.within(e_scope)) {
                        Some(z) => uncovered(&z, &forbid_refs, ctx.table),
                        None => Ok(None),
                    },
                );
            }
        }
        let mut deciders: Option<Vec<&Zone>> = None;
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
                let refs = deciders.get_or_insert_with(|| ctx.deciders(role, action));
                record(
                    &mut escalate_pairs,
                    &mut gave_up,
                    (x, y),
                    (role, action),
                    || match ctx.scope_zone(a, action).and_then(|z| z.within(&rb.scope)) {
                        Some(z) => uncovered(&z, refs, ctx.table),
                        None => Ok(None),
                    },
                );
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
        let target = target_of(ctx, *e);
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
        if !(ex.decision.decision == Outcome::Escalate
            && ex.decision.escalate_to.len() > 1
            && ex.decision.rules.contains(&ar.name)
            && ex.decision.rules.contains(&br.name))
        {
            continue;
        }
        let (ta, tb) = (target_of(ctx, *a), target_of(ctx, *b));
        out.push(
            Diagnostic::new(Code::CONFLICTING_OUTCOMES, format!("rules `{}` and `{}` escalate one request to different roles", ar.name, br.name), ar.name_span, format!("escalates to `{ta}`"))
                .secondary(br.name_span, format!("escalates to `{tb}`"))
                .note(roles_phrase(&f.roles))
                .help("an escalation should have one destination: narrow one rule so the two no longer overlap")
                .witness(witness(&point, request, vec![format!("is escalated to `{ta}` by `{}` and to `{tb}` by `{}`", ar.name, br.name)])),
        );
    }
    gave_up.report(ctx, out);
}

/// The candidate witness of a conflict between two rules, with the
/// evaluator's explanation of it; `None` when either rule allows the lint.
fn conflict_witness<'c>(
    ctx: &'c Ctx<'_>,
    (a, b): (RuleId, RuleId),
    f: &'c Finding,
) -> Option<(Point<'c>, Value, Explanation)> {
    if ctx.allowed(a, Code::CONFLICTING_OUTCOMES) || ctx.allowed(b, Code::CONFLICTING_OUTCOMES) {
        return None;
    }
    Some(ctx.explain_at(&f.role, &f.action, f.region.clone()))
}

/// Where a rule's row takes part in the decision for a role when it is
/// the only candidate: a permit's box, or an escalation's scope when the
/// escalation applies to the role.
fn own_zone(ctx: &Ctx<'_>, row: usize, role: &str, action: &str) -> Option<Zone> {
    match ctx.row(row).effect {
        Outcome::Permit => ctx.box_zone(row, action),
        Outcome::Escalate if ctx.escalates_for(row, role) => ctx.scope_zone(row, action),
        _ => None,
    }
}

/// A permit or escalate rule that never decides anything for the roles it
/// names: forbids (and, for an escalation, permits) decide all it matches.
fn shadowed(ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    let mut gave_up = GaveUp::default();
    for (index, rule) in ctx.model.rules.iter_enumerated() {
        if !rule.ok
            || rule.effect == EffectKind::Forbid
            || ctx.rule_rows[index].is_empty()
            || ctx.allowed(index, Code::SHADOWED_RULE)
        {
            continue;
        }
        let mut shadowers: BTreeSet<RuleId> = BTreeSet::new();
        let mut example: Option<(String, String, Region)> = None;
        let mut decides = false;
        let mut unknown = false;
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
                // The cover's boxes; as zones only for a question that one
                // input does not settle (see `separated`).
                let cover_boxes: Vec<&Region> = cover_rows
                    .iter()
                    .filter_map(|r| {
                        if ctx.row(*r).effect == Outcome::Forbid {
                            Some(&ctx.row(*r).scope)
                        } else {
                            ctx.boxes[*r].as_ref()
                        }
                    })
                    .collect();
                let mut cover: Option<Vec<(usize, &Zone)>> = None;
                for &own in group.iter().filter(|r| ctx.row_rule[**r] == index) {
                    let Some(own_zone) = own_zone(ctx, own, role, action) else {
                        continue;
                    };
                    let matched = match own_zone.solve() {
                        Ok(Some(point)) => point,
                        Ok(None) => continue,
                        Err(Incomplete) => {
                            unknown = true;
                            gave_up.add(role, action, Code::SHADOWED_RULE, &[index]);
                            continue;
                        }
                    };
                    let touching: Vec<&Region> = cover_boxes
                        .iter()
                        .copied()
                        .filter(|b| !disjoint(b, &own_zone.bounds))
                        .collect();
                    let settled = match separated(&own_zone, || Ok(true), &touching, ctx.table) {
                        Ok(Some(true)) => true,
                        Ok(_) | Err(Incomplete) => false,
                    };
                    if settled {
                        decides = true;
                        break 'pairs;
                    }
                    let cover = cover.get_or_insert_with(|| {
                        cover_rows
                            .iter()
                            .filter_map(|r| {
                                let z = if ctx.row(*r).effect == Outcome::Forbid {
                                    Some(ctx.scope_only(*r))
                                } else {
                                    ctx.boxed(*r, action)
                                };
                                z.map(|z| (*r, z))
                            })
                            .collect()
                    });
                    let refs: Vec<&Zone> = cover.iter().map(|(_, z)| *z).collect();
                    match uncovered(&own_zone, &refs, ctx.table) {
                        Ok(Some(_)) => {
                            decides = true;
                            break 'pairs;
                        }
                        Ok(None) => {}
                        Err(Incomplete) => {
                            unknown = true;
                            let mut rules: Vec<RuleId> =
                                cover.iter().map(|(r, _)| ctx.row_rule[*r]).collect();
                            rules.push(index);
                            gave_up.add(role, action, Code::SHADOWED_RULE, &rules);
                            continue;
                        }
                    }
                    for (r, z) in cover.iter() {
                        if !disjoint(&z.bounds, &own_zone.bounds) {
                            shadowers.insert(ctx.row_rule[*r]);
                        }
                    }
                    if example.is_none() {
                        example = Some((role.to_string(), action.to_string(), matched));
                    }
                }
            }
        }
        if unknown && !decides {
            continue;
        }
        let (Some((role, action, region)), false) = (example, decides) else {
            continue;
        };
        let (point, request, ex) = ctx.explain_at(&role, &action, region);
        let decided_by: Vec<String> = ex
            .decision
            .rules
            .iter()
            .filter(|r| **r != rule.name)
            .cloned()
            .collect();
        let matches = if rule.effect == EffectKind::Permit {
            rule_matched(&ex, &rule.name)
        } else {
            rule_in_scope(&ex, &rule.name)
        };
        if !matches || decided_by.is_empty() || ex.decision.rules.contains(&rule.name) {
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
    gave_up.report(ctx, out);
}

/// Whether removing permit `p` changes nothing that permit `q` does not
/// already do, for the roles and actions `p` names: `q` requires every
/// obligation and notifies every role `p` does, its box holds `p`'s box
/// (budgets included), and an `otherwise` of `p` is `q`'s too, over a
/// scope that holds `p`'s (docs/language.md).
fn covers(ctx: &Ctx<'_>, q: RuleId, p: RuleId) -> Result<bool, Incomplete> {
    let (rule, other) = (&ctx.model.rules[p], &ctx.model.rules[q]);
    let stronger = rule.require.iter().all(|o| other.require.contains(o))
        && rule.notify.iter().all(|n| other.notify.contains(n))
        && (rule.otherwise.is_none() || rule.otherwise == other.otherwise);
    if !stronger {
        return Ok(false);
    }
    for &role in &rule.roles {
        let role = ctx.model.roles[role].name.as_str();
        for &action in &rule.actions {
            let action = ctx.model.actions[action].name.as_str();
            let theirs: Vec<usize> = ctx.rows_in(q, role, action).collect();
            // Their boxes and scopes as zones, built only for a question
            // that one input does not settle (see `separated`).
            let mut boxes: Option<Vec<&Zone>> = None;
            let mut scopes: Option<Vec<Zone>> = None;
            for own in ctx.rows_in(p, role, action) {
                if let Some(z) = ctx.boxed(own, action) {
                    // Quick answers first: one row of `q` holds it whole,
                    // none of them touches it, or one input separates them.
                    let whole = theirs.iter().any(|r| row_holds(ctx, *r, own));
                    if !whole {
                        let cover: Vec<&Region> = theirs
                            .iter()
                            .filter_map(|r| ctx.boxes[*r].as_ref())
                            .collect();
                        if cover.iter().all(|b| disjoint(b, &z.bounds)) {
                            return Ok(false);
                        }
                        match separated(z, || ctx.box_nonempty(own, action), &cover, ctx.table)? {
                            Some(true) => return Ok(false),
                            Some(false) => {}
                            None => {
                                let boxes = boxes.get_or_insert_with(|| {
                                    theirs
                                        .iter()
                                        .filter_map(|r| ctx.boxed(*r, action))
                                        .collect()
                                });
                                if uncovered(z, boxes, ctx.table)?.is_some() {
                                    return Ok(false);
                                }
                            }
                        }
                    }
                }
                if rule.otherwise.is_some() {
                    if let Some(z) = ctx.scope_zone(own, action) {
                        let cover: Vec<&Region> =
                            theirs.iter().map(|r| &ctx.row(*r).scope).collect();
                        let nonempty = || z.is_empty().map(|e| !e);
                        match separated(&z, nonempty, &cover, ctx.table)? {
                            Some(true) => return Ok(false),
                            Some(false) => {}
                            None => {
                                let scopes = scopes.get_or_insert_with(|| {
                                    theirs
                                        .iter()
                                        .filter_map(|r| ctx.scope_zone(*r, action))
                                        .collect()
                                });
                                let refs: Vec<&Zone> = scopes.iter().collect();
                                if uncovered(&z, &refs, ctx.table)?.is_some() {
                                    return Ok(false);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    Ok(true)
}

/// Whether row `r`'s box holds row `own`'s box outright: its scope and
/// limits contain them, and each of its budgets is matched by one of
/// `own`'s over the same counter and parameter that is no larger.
fn row_holds(ctx: &Ctx<'_>, r: usize, own: usize) -> bool {
    let (row, own_row) = (ctx.row(r), ctx.row(own));
    let budgets_ok = row.budgets.iter().all(|b| {
        own_row
            .budgets
            .iter()
            .any(|o| o.counter == b.counter && o.param == b.param && o.max <= b.max)
    });
    budgets_ok
        && match (&ctx.boxes[r], &ctx.boxes[own]) {
            (Some(theirs), Some(mine)) => crate::region::contains(theirs, mine),
            _ => false,
        }
}

/// A permit covered, for the roles it names, by another permit (see
/// [`covers`]); of two that cover each other, the later is reported.
///
/// The rules are asked about in parallel (each question only reads the
/// lint context), and their findings are kept in rule order.
pub(super) fn redundant(ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    use rayon::prelude::*;
    let answers: Vec<(Option<Diagnostic>, GaveUp)> = (0..ctx.model.rules.len())
        .into_par_iter()
        .map(|i| redundant_rule(ctx, RuleId::from_index(i)))
        .collect();
    let mut gave_up = GaveUp::default();
    for (finding, abandoned) in answers {
        out.extend(finding);
        gave_up.merge(abandoned);
    }
    gave_up.report(ctx, out);
}

/// [`redundant`] for one rule `p`: its finding, and the questions about it
/// abandoned at a work bound.
fn redundant_rule(ctx: &Ctx<'_>, p: RuleId) -> (Option<Diagnostic>, GaveUp) {
    let mut gave_up = GaveUp::default();
    let rule = &ctx.model.rules[p];
    if !rule.ok || rule.effect != EffectKind::Permit || ctx.allowed(p, Code::REDUNDANT_RULE) {
        return (None, gave_up);
    }
    let Some(&first_role) = rule.roles.first() else {
        return (None, gave_up);
    };
    let role = ctx.model.roles[first_role].name.as_str();
    // A request the rule permits, for the witness (none: it is
    // unsatisfiable, not redundant), found when a cover is: most rules
    // have none, and need no solve.
    let find_example = || {
        for &action in &rule.actions {
            let action = ctx.model.actions[action].name.as_str();
            for own in ctx.rows_in(p, role, action) {
                if let Some(Ok(Some(region))) = ctx.boxed(own, action).map(Zone::solve) {
                    return Some((action, region));
                }
            }
        }
        None
    };
    let mut example: Option<Option<(&str, Region)>> = None;
    // Every permit beside it in a group it belongs to.
    let mut candidates: BTreeSet<RuleId> = BTreeSet::new();
    for &r in &rule.roles {
        for &a in &rule.actions {
            let group = ctx.group(&ctx.model.roles[r].name, &ctx.model.actions[a].name);
            candidates.extend(
                group
                    .iter()
                    .filter(|row| ctx.row(**row).effect == Outcome::Permit)
                    .map(|row| ctx.row_rule[*row])
                    .filter(|q| *q != p),
            );
        }
    }
    for q in candidates {
        let other = &ctx.model.rules[q];
        let covered = covers(ctx, q, p);
        if covered == Ok(false) {
            continue;
        }
        let Some((action, region)) = example.get_or_insert_with(find_example).as_ref() else {
            break;
        };
        let action = *action;
        if covered == Err(Incomplete) {
            gave_up.add(role, action, Code::REDUNDANT_RULE, &[p, q]);
            continue;
        }
        // Two rules that cover each other: report only the later one.
        if q > p && covers(ctx, p, q) != Ok(false) {
            continue;
        }
        let (point, request, ex) = ctx.explain_at(role, action, region.clone());
        if !(rule_matched(&ex, &rule.name) && rule_matched(&ex, &other.name)) {
            continue;
        }
        let finding = Some(
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
        return (finding, gave_up);
    }
    (None, gave_up)
}

/// The target's authority over an action for a finding about rule
/// `index`: every other permit the target has, and every other escalation
/// that applies to the target itself (an inherited escalation to the
/// target or one of its ancestors is not authority, §4).
fn authority(ctx: &Ctx<'_>, target: &str, action: &str, index: RuleId) -> Vec<usize> {
    ctx.group(target, action)
        .iter()
        .copied()
        .filter(|r| {
            ctx.row_rule[*r] != index
                && match ctx.row(*r).effect {
                    Outcome::Permit => true,
                    Outcome::Escalate => ctx.escalates_for(*r, target),
                    _ => false,
                }
        })
        .collect()
}

/// A request that rule `index` really escalates for a role and action
/// (no forbid or permit of the role decides it first), outside every zone
/// of `beyond`.
fn escalated_request(
    ctx: &Ctx<'_>,
    index: RuleId,
    role: &str,
    action: &str,
    beyond: &[&Zone],
) -> Result<Option<Region>, Incomplete> {
    let zones: Vec<Zone> = ctx
        .rows_in(index, role, action)
        .filter(|row| ctx.escalates_for(*row, role))
        .flat_map(|row| ctx.escalation_zones(row, action))
        .collect();
    // Most escalations land inside the target's authority: that settles
    // them without the role's own rules.
    let mut open = Vec::new();
    for zone in zones {
        match uncovered(&zone, beyond, ctx.table) {
            Ok(None) => {}
            _ => open.push(zone),
        }
    }
    if open.is_empty() {
        return Ok(None);
    }
    let deciders = ctx.deciders(role, action);
    let cover: Vec<&Zone> = beyond.iter().chain(deciders.iter()).copied().collect();
    let mut unknown = false;
    for zone in open {
        {
            match uncovered(&zone, &cover, ctx.table) {
                Ok(Some(region)) => return Ok(Some(region)),
                Ok(None) => {}
                Err(Incomplete) => unknown = true,
            }
        }
    }
    if unknown {
        Err(Incomplete)
    } else {
        Ok(None)
    }
}

/// An escalation to a role with no authority over the request.
fn dead_ends(ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    let mut gave_up = GaveUp::default();
    for (index, rule) in ctx.model.rules.iter_enumerated() {
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
        'search: for &role in &rule.roles {
            let from_role = ctx.model.roles[role].name.as_str();
            for &action in &rule.actions {
                let action = ctx.model.actions[action].name.as_str();
                let authority = authority(ctx, target_name, action, index);
                let scopes: Vec<&Zone> = authority.iter().map(|r| ctx.scope_only(*r)).collect();
                let region = match escalated_request(ctx, index, from_role, action, &scopes) {
                    Ok(Some(region)) => region,
                    Ok(None) => continue,
                    Err(Incomplete) => {
                        let mut rules: Vec<RuleId> =
                            authority.iter().map(|r| ctx.row_rule[*r]).collect();
                        rules.push(index);
                        gave_up.add(from_role, action, Code::ESCALATION_DEAD_END, &rules);
                        continue;
                    }
                };
                let (point, request, ex) = ctx.explain_at(from_role, action, region);
                if !reproduced(ctx, &rule.name, target_name, &authority, &request, &ex) {
                    continue;
                }
                out.push(dead_end(
                    ctx, index, target, action, &authority, &point, request,
                ));
                break 'search;
            }
        }
    }
    gave_up.report(ctx, out);
}

/// Whether the evaluator confirms a dead end's witness: the rule really
/// escalates the request to the target, and none of the target's
/// authority matches it when the target asks.
fn reproduced(
    ctx: &Ctx<'_>,
    rule: &str,
    target: &str,
    authority: &[usize],
    request: &Value,
    ex: &remit_table::Explanation,
) -> bool {
    if !(ex.decision.decision == Outcome::Escalate
        && ex.decision.escalate_to.iter().any(|t| t == target)
        && ex.decision.rules.iter().any(|r| r == rule))
    {
        return false;
    }
    let mut as_target = request.clone();
    as_target["role"] = Value::String(target.to_string());
    let tx = ctx.evaluator.explain(&as_target);
    !authority.iter().any(|r| {
        tx.trace.iter().any(|t| {
            t.row == *r && matches!(t.outcome, RowOutcome::Matched | RowOutcome::LimitFailed)
        })
    })
}

fn dead_end(
    ctx: &Ctx<'_>,
    index: RuleId,
    target: RoleId,
    action: &str,
    authority: &[usize],
    point: &Point<'_>,
    request: Value,
) -> Diagnostic {
    let rule = &ctx.model.rules[index];
    let target_name = ctx.model.roles[target].name.as_str();
    if authority.is_empty() {
        // The target may inherit this very rule: it then has a rule for
        // the action, but only the box whose limits just broke.
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
        return Diagnostic::new(
            Code::ESCALATION_DEAD_END,
            headline,
            rule.name_span,
            format!("escalates to `{target_name}`"),
        )
        .with_severity(Severity::Error)
        .secondary(ctx.model.roles[target].span, label)
        .help(help)
        .witness(witness(point, request, vec![format!("is escalated to `{target_name}` by `{}`, and `{target_name}` can do nothing with it", rule.name)]));
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
    for r in authority {
        if seen.insert(ctx.row_rule[*r]) {
            d = d.secondary(
                ctx.model.rules[ctx.row_rule[*r]].name_span,
                format!("`{target_name}`'s authority over `{action}` stops here"),
            );
        }
    }
    d.help(format!("widen a rule of `{target_name}` for `{action}` to cover these requests, or escalate them elsewhere"))
        .witness(witness(point, request, vec![format!("is escalated to `{target_name}` by `{}`, but no permit or escalate rule of `{target_name}` covers it", rule.name)]))
}

/// One step of the escalation graph of an action: `from` → `to` by `rule`.
#[derive(Clone)]
struct Step<'a> {
    from: &'a str,
    to: &'a str,
    rule: RuleId,
}

/// The strongly connected components of a graph with at least one edge
/// inside (Tarjan's algorithm, iterative).
fn cyclic_components<'a>(nodes: &[&'a str], edges: &[Step<'a>]) -> Vec<BTreeSet<&'a str>> {
    let index_of: BTreeMap<&str, usize> = nodes.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for e in edges {
        if let (Some(&a), Some(&b)) = (index_of.get(e.from), index_of.get(e.to)) {
            succ[a].push(b);
        }
    }
    let n = nodes.len();
    let (mut index, mut low, mut on_stack) = (vec![usize::MAX; n], vec![0; n], vec![false; n]);
    let (mut stack, mut counter, mut out) = (Vec::new(), 0, Vec::new());
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work: Vec<(usize, usize)> = vec![(root, 0)];
        while let Some(&mut (v, ref mut next)) = work.last_mut() {
            if *next == 0 {
                index[v] = counter;
                low[v] = counter;
                counter += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = succ[v].get(*next) {
                *next += 1;
                if index[w] == usize::MAX {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = BTreeSet::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.insert(nodes[w]);
                    if w == v {
                        break;
                    }
                }
                let inside = edges
                    .iter()
                    .any(|e| component.contains(e.from) && component.contains(e.to));
                if inside {
                    out.push(component);
                }
            }
        }
    }
    out
}

/// Escalations that lead back to a role already on the path: per action,
/// one finding for each circle of roles, every step of which is the real
/// escalation of some request (confirmed by the evaluator).
fn cycles(ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    let mut gave_up = GaveUp::default();
    let mut actions: Vec<&String> = ctx.table.actions.keys().collect();
    actions.sort();
    let mut roles: Vec<&str> = ctx.table.roles.keys().map(String::as_str).collect();
    roles.sort();
    for action in actions {
        // Which role may escalate to whom, from the rules alone.
        let mut possible: Vec<Step<'_>> = Vec::new();
        for &role in &roles {
            let mut seen = BTreeSet::new();
            for &r in ctx.group(role, action) {
                let Some(e) = &ctx.row(r).escalation else {
                    continue;
                };
                let rule = ctx.row_rule[r];
                if ctx.escalates_for(r, role)
                    && !ctx.allowed(rule, Code::ESCALATION_CYCLE)
                    && seen.insert(rule)
                {
                    possible.push(Step {
                        from: role,
                        to: e.to.as_str(),
                        rule,
                    });
                }
            }
        }
        if cyclic_components(&roles, &possible).is_empty() {
            continue;
        }
        // Only the steps that some request really takes.
        let mut real: Vec<(Step<'_>, Region)> = Vec::new();
        for step in possible {
            match escalated_request(ctx, step.rule, step.from, action, &[]) {
                Ok(Some(region)) => real.push((step, region)),
                Ok(None) => {}
                Err(Incomplete) => {
                    gave_up.add(step.from, action, Code::ESCALATION_CYCLE, &[step.rule]);
                }
            }
        }
        let steps: Vec<Step<'_>> = real.iter().map(|(s, _)| s.clone()).collect();
        for component in cyclic_components(&roles, &steps) {
            if let Some(cycle) = circle(&component, &real) {
                report_cycle(ctx, action, &cycle, out);
            }
        }
    }
    gave_up.report(ctx, out);
}

/// A shortest circle through the first role of a component, over its
/// inner steps.
fn circle<'s, 'a>(
    component: &BTreeSet<&'a str>,
    steps: &'s [(Step<'a>, Region)],
) -> Option<Vec<&'s (Step<'a>, Region)>> {
    let start = *component.iter().next()?;
    let inner: Vec<&(Step<'_>, Region)> = steps
        .iter()
        .filter(|(s, _)| component.contains(s.from) && component.contains(s.to))
        .collect();
    // Breadth-first from `start` until a step returns to it.
    let mut came_by: BTreeMap<&str, usize> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        for (i, (s, _)) in inner.iter().enumerate() {
            if s.from != node {
                continue;
            }
            if s.to == start {
                let mut path = vec![inner[i]];
                let mut at = node;
                while at != start {
                    let j = came_by[at];
                    path.push(inner[j]);
                    at = inner[j].0.from;
                }
                path.reverse();
                return Some(path);
            }
            if s.to != start && !came_by.contains_key(s.to) {
                came_by.insert(s.to, i);
                queue.push_back(s.to);
            }
        }
    }
    None
}

fn report_cycle(
    ctx: &Ctx<'_>,
    action: &str,
    cycle: &[&(Step<'_>, Region)],
    out: &mut Vec<Diagnostic>,
) {
    // Every step is confirmed: its request, decided by the evaluator, is
    // escalated to the next role by the step's rule.
    let mut witnesses = Vec::new();
    for (step, region) in cycle {
        let (point, request) = ctx.point_at(step.from, action, region.clone());
        let d = ctx.evaluator.decide(&request);
        let rule = &ctx.model.rules[step.rule].name;
        if !(d.decision == Outcome::Escalate
            && d.escalate_to.iter().any(|t| t == step.to)
            && d.rules.contains(rule))
        {
            return;
        }
        witnesses.push((point, request));
    }
    let Some(((first, _), rest)) = cycle.split_first() else {
        return;
    };
    let mut hops = vec![first.from.to_string()];
    hops.extend(cycle.iter().map(|(s, _)| s.to.to_string()));
    let path = hops
        .iter()
        .map(|h| format!("`{h}`"))
        .collect::<Vec<_>>()
        .join(" → ");
    let mut d = Diagnostic::new(
        Code::ESCALATION_CYCLE,
        format!("escalations of `{action}` go round in a circle: {path}"),
        ctx.model.rules[first.rule].name_span,
        "the circle starts here",
    );
    for (step, _) in rest {
        d = d.secondary(ctx.model.rules[step.rule].name_span, "and continues here");
    }
    let outcomes: Vec<String> = cycle
        .iter()
        .zip(&witnesses)
        .map(|((step, _), (point, request))| {
            format!(
                "{} is escalated to `{}` by `{}`",
                point.summary(request),
                step.to,
                ctx.model.rules[step.rule].name
            )
        })
        .collect();
    let Some((point, request)) = witnesses.into_iter().next() else {
        return;
    };
    out.push(
        d.help("an escalation must end with a role that can decide; make one role in the circle permit or deny instead of escalating")
            .witness(witness(&point, request, outcomes)),
    );
}
