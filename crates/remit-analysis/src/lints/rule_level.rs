//! Lints that look at one rule at a time: `unscoped_customers`,
//! `any_role`, `unbounded_amount`, `unbounded_frequency`,
//! `unsatisfiable_condition`, `unused_declaration`.

use super::Ctx;
use crate::region::zone::{uncovered, Incomplete, Zone};
use crate::region::Region;
use crate::witness::{rule_matched, witness};
use remit_diagnostics::{Code, Data, Diagnostic, Span};
use remit_sema::model::{RuleId, Symbol, Type};
use remit_syntax::ast::EffectKind;
use remit_table::{Constraint, Interval, Outcome};

pub(super) fn run(ctx: &Ctx<'_>, names_resolve: bool, out: &mut Vec<Diagnostic>) {
    for (index, rule) in ctx.model.rules.iter_enumerated() {
        if !rule.ok {
            continue;
        }
        let mut push = |d: Diagnostic| {
            if !ctx.allowed(index, d.code) {
                out.push(d);
            }
        };
        if rule.effect == EffectKind::Permit && rule.customers.is_none() {
            push(
                Diagnostic::new(Code::UNSCOPED_CUSTOMERS, format!("rule `{}` permits without saying for which customers", rule.name), rule.name_span, "no `for` clause")
                    .secondary(rule.effect_span, "applies to every customer")
                    .help("write `for any customer` if that is meant, or narrow it, e.g. `for customer.tier in {gold}`"),
            );
        }
        if rule.any_role && rule.effect != EffectKind::Forbid {
            push(
                Diagnostic::new(
                    Code::ANY_ROLE,
                    format!("rule `{}` names `any` role", rule.name),
                    rule.effect_span,
                    "every role, including ones added later",
                )
                .help(
                    "name the roles that should have this power; new roles then start without it",
                ),
            );
        }
        if rule.effect == EffectKind::Permit {
            if let Some(d) = unbounded_amount(ctx, index) {
                push(d);
            }
            if let Some(d) = unbounded_frequency(ctx, index) {
                push(d);
            }
        }
        if let Some(d) = unsatisfiable(ctx, index) {
            push(d);
        }
    }
    if names_resolve {
        unused(ctx, out);
    }
}

fn unbounded_amount(ctx: &Ctx<'_>, index: RuleId) -> Option<Diagnostic> {
    let rule = &ctx.model.rules[index];
    let scale = ctx.table.currency.as_ref().map_or(2, |c| c.scale);
    for &r in &ctx.rule_rows[index] {
        let row = ctx.row(r);
        for action_name in &row.actions {
            let Some(action) = ctx.model.actions.iter().find(|a| a.name == *action_name) else {
                continue;
            };
            let Some(zone) = ctx.boxed(r, action_name) else {
                continue;
            };
            for param in action
                .params
                .iter()
                .filter(|p| matches!(p.ty, Type::Money | Type::Int))
            {
                let key = format!("param.{}", param.name);
                // Bounded above by the box, or by a relation that grows
                // with it (a budget: counters are never negative).
                let capped = matches!(
                    zone.bounds.get(&key),
                    Some(Constraint::Interval(Interval { max: Some(_), .. }))
                ) || zone
                    .relations
                    .iter()
                    .any(|rel| rel.terms.get(&key).is_some_and(|c| *c > 0));
                if capped {
                    continue;
                }
                let huge = if param.ty == Type::Money {
                    1_000_000 * 10i64.pow(scale)
                } else {
                    1_000_000
                };
                let Some(large) = zone.within(&Region::from([(
                    key.clone(),
                    Constraint::Interval(Interval {
                        min: Some(huge),
                        max: None,
                    }),
                )])) else {
                    continue;
                };
                let Some((role, region, permitted)) = box_point(ctx, index, &large, action_name)
                else {
                    continue;
                };
                let (point, request, explanation) = ctx.explain_at(role, action_name, region);
                if !rule_matched(&explanation, &rule.name)
                    || permitted != (explanation.decision.decision == Outcome::Permit)
                {
                    continue;
                }
                let outcome = if permitted {
                    format!(
                        "is permitted by `{}`, and so is any larger `{}`",
                        rule.name, param.name
                    )
                } else {
                    format!(
                        "is inside the box of `{}` (a forbid decides it first), and so is any larger `{}`",
                        rule.name, param.name
                    )
                };
                return Some(
                    Diagnostic::new(
                        Code::UNBOUNDED_AMOUNT,
                        format!(
                            "rule `{}` permits `{action_name}` with no upper bound on `{}`",
                            rule.name, param.name
                        ),
                        rule.name_span,
                        format!("`{}` is not capped", param.name),
                    )
                    .secondary(rule.effect_span, "permitted here")
                    .help(format!(
                        "cap it: `limit {} <= …`, or bound it in `when`",
                        param.name
                    ))
                    .witness(witness(&point, request, vec![outcome]))
                    .data(Data::UnboundedParameter {
                        rule: rule.name.clone(),
                        action: action_name.clone(),
                        parameter: param.name.clone(),
                    }),
                );
            }
        }
    }
    None
}

/// A request of a zone inside a permit's box, for one of the roles the
/// permit names: one that no forbid decides first when there is one
/// (`true`), else any (`false`).
fn box_point<'c>(
    ctx: &'c Ctx<'_>,
    index: RuleId,
    zone: &Zone,
    action: &str,
) -> Option<(&'c str, Region, bool)> {
    let rule = &ctx.model.rules[index];
    for &role in &rule.roles {
        let role = ctx.model.roles[role].name.as_str();
        let refs: Vec<&Zone> = ctx
            .group(role, action)
            .iter()
            .filter(|r| ctx.row(**r).effect == Outcome::Forbid)
            .map(|r| ctx.scope_only(*r))
            .collect();
        if let Ok(Some(region)) = uncovered(zone, &refs, ctx.table) {
            return Some((role, region, true));
        }
    }
    let role = ctx.model.roles[*rule.roles.first()?].name.as_str();
    Some((role, zone.solve().ok()??, false))
}

/// A request a permit's box holds for an action with a `Money` parameter.
fn permitted_money_request<'c>(
    ctx: &'c Ctx<'_>,
    index: RuleId,
) -> Option<(&'c str, &'c str, Region, bool)> {
    for &r in &ctx.rule_rows[index] {
        for action in &ctx.row(r).actions {
            let money = ctx
                .model
                .actions
                .iter()
                .find(|a| a.name == *action)
                .is_some_and(|a| a.params.iter().any(|p| p.ty == Type::Money));
            if !money {
                continue;
            }
            let Some(zone) = ctx.boxed(r, action) else {
                continue;
            };
            if let Some((role, region, permitted)) = box_point(ctx, index, zone, action) {
                return Some((role, action.as_str(), region, permitted));
            }
        }
    }
    None
}

fn unbounded_frequency(ctx: &Ctx<'_>, index: RuleId) -> Option<Diagnostic> {
    let rule = &ctx.model.rules[index];
    let per_customer = |subjects: &[remit_sema::model::Subject]| {
        subjects.contains(&remit_sema::model::Subject::Customer)
    };
    if rule.counts.iter().any(|c| per_customer(&c.subjects))
        || rule.totals.iter().any(|t| per_customer(&t.subjects))
    {
        return None;
    }
    let (role, action, region, permitted) = permitted_money_request(ctx, index)?;
    let (point, request, explanation) = ctx.explain_at(role, action, region);
    if !rule_matched(&explanation, &rule.name)
        || permitted != (explanation.decision.decision == Outcome::Permit)
    {
        return None;
    }
    let outcome = if permitted {
        format!(
            "is permitted by `{}` however often the customer received it before",
            rule.name
        )
    } else {
        format!(
            "is inside the box of `{}` (a forbid decides it first) however often the customer received it before",
            rule.name
        )
    };
    Some(
        Diagnostic::new(
            Code::UNBOUNDED_FREQUENCY,
            format!("rule `{}` permits money with no per-customer limit on how often", rule.name),
            rule.name_span,
            "no `limit N per customer` or `limit total`",
        )
        .help("add `limit N per customer per WINDOW` or `limit total AMOUNT per customer per WINDOW`, or `@allow(unbounded_frequency)` if that is deliberate")
        .witness(witness(&point, request, vec![outcome])),
    )
}

/// Whether some zone of a rule's rows, for some of their actions, holds a
/// request (`None`: the question was abandoned, so no finding).
fn any_request(
    ctx: &Ctx<'_>,
    index: RuleId,
    nonempty: impl Fn(usize, &str) -> Result<bool, Incomplete>,
) -> Option<bool> {
    let mut unknown = false;
    for &r in &ctx.rule_rows[index] {
        for action in &ctx.row(r).actions {
            match nonempty(r, action) {
                Ok(true) => return Some(true),
                Err(Incomplete) => unknown = true,
                Ok(false) => {}
            }
        }
    }
    (!unknown).then_some(false)
}

fn unsatisfiable(ctx: &Ctx<'_>, index: RuleId) -> Option<Diagnostic> {
    let rule = &ctx.model.rules[index];
    let rows = &ctx.rule_rows[index];
    let has_conditions = rule
        .customers
        .as_ref()
        .is_some_and(|c| *c != remit_sema::model::Cond::True)
        || rule.when.is_some();
    // Parameters are never negative (§3): `nights < 0` never holds.
    let in_scope = any_request(ctx, index, |r, a| match ctx.scope_zone(r, a) {
        Some(z) => z.is_empty().map(|e| !e),
        None => Ok(false),
    })?;
    if !in_scope && (has_conditions || !rows.is_empty()) {
        return Some(
            Diagnostic::new(
                Code::UNSATISFIABLE_CONDITION,
                format!("the conditions of rule `{}` can never all hold", rule.name),
                rule.name_span,
                "never applies",
            )
            .secondary(rule.effect_span, "so this never happens")
            .note("no request satisfies its `for` and `when` together (action parameters are never negative)")
            .help("look for contradictory comparisons such as `amount > 100 and amount < 50`"),
        );
    }
    if rule.effect == EffectKind::Permit
        && !rows.is_empty()
        && !any_request(ctx, index, |r, a| ctx.box_nonempty(r, a))?
    {
        return Some(
            Diagnostic::new(Code::UNSATISFIABLE_CONDITION, format!("rule `{}` can never permit: its limits exclude every request in its scope", rule.name), rule.name_span, "never permits")
                .secondary(rule.effect_span, "so this never happens")
                .help("compare the `limit` clauses with the `when` condition; a cap below the minimum the rule applies to, a budget smaller than the lowest amount, or `limit 0 per …`, excludes everything"),
        );
    }
    None
}

fn unused(ctx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    let m = ctx.model;
    let mut used = std::collections::HashSet::new();
    for r in &m.references {
        if !r.declaration {
            used.insert(r.symbol);
        }
    }
    let mut report = |symbol: Symbol, kind: &str, name: &str, span: Span| {
        if !used.contains(&symbol) {
            out.push(
                Diagnostic::new(
                    Code::UNUSED_DECLARATION,
                    format!("{kind} `{name}` is never used"),
                    span,
                    "declared here, used nowhere",
                )
                .help(format!(
                    "remove it, or use it in a rule; unused {kind}s make a policy harder to review"
                )),
            );
        }
    };
    for (i, s) in m.segments.iter_enumerated() {
        report(Symbol::Segment(i), "segment", &s.name, s.span);
    }
    for (i, s) in m.situations.iter_enumerated() {
        report(Symbol::Situation(i), "situation", &s.name, s.span);
    }
    for (i, o) in m.obligations.iter_enumerated() {
        report(Symbol::Obligation(i), "obligation", &o.name, o.span);
    }
    for (i, e) in m.enums.iter_enumerated() {
        report(Symbol::Enum(i), "enum", &e.name, e.span);
    }
    for (i, r) in m.roles.iter_enumerated() {
        report(Symbol::Role(i), "role", &r.name, r.span);
    }
}
