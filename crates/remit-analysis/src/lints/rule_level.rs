//! Lints that look at one rule at a time: `unscoped_customers`,
//! `any_role`, `unbounded_amount`, `unbounded_frequency`,
//! `unsatisfiable_condition`, `unused_declaration`.

use super::Ctx;
use crate::witness::{rule_matched, witness, Point};
use remit_diagnostics::{Code, Diagnostic, Span};
use remit_sema::model::{Symbol, Type};
use remit_syntax::ast::{EffectKind, Per};
use remit_table::{Constraint, Interval};

pub(super) fn run(ctx: &Ctx<'_>, names_resolve: bool, out: &mut Vec<Diagnostic>) {
    for (index, rule) in ctx.model.rules.iter().enumerate() {
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
                    .help("write `for any customer` if that is meant, or narrow it, e.g. `for customer.tier in {gold}`")
                    .fix("add `for any customer`", Span { start: rule.effect_span.end, ..rule.effect_span }, "\n  for any customer"),
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

fn unbounded_amount(ctx: &Ctx<'_>, index: usize) -> Option<Diagnostic> {
    let rule = &ctx.model.rules[index];
    let scale = ctx.table.currency.as_ref().map_or(2, |c| c.scale);
    for &r in &ctx.rule_rows[index] {
        let row = ctx.row(r);
        let Some(region) = ctx.boxes[r].clone() else {
            continue;
        };
        for action_name in &row.actions {
            let Some(action) = ctx.model.actions.iter().find(|a| a.name == *action_name) else {
                continue;
            };
            for param in action
                .params
                .iter()
                .filter(|p| matches!(p.ty, Type::Money | Type::Int))
            {
                let key = format!("param.{}", param.name);
                let capped = matches!(
                    region.get(&key),
                    Some(Constraint::Interval(Interval { max: Some(_), .. }))
                ) || row.budgets.iter().any(|b| b.param == key);
                if capped {
                    continue;
                }
                let huge = if param.ty == Type::Money {
                    1_000_000 * 10i64.pow(scale)
                } else {
                    1_000_000
                };
                let mut region = region.clone();
                let min = match region.get(&key) {
                    Some(Constraint::Interval(i)) => i.min.unwrap_or(huge).max(huge),
                    _ => huge,
                };
                region.insert(
                    key.clone(),
                    Constraint::Interval(Interval {
                        min: Some(min),
                        max: None,
                    }),
                );
                let role = ctx.model.roles[*rule.roles.first()?].name.as_str();
                let point = Point {
                    table: ctx.table,
                    role,
                    action: action_name,
                    region,
                };
                let request = point.request();
                let explanation = ctx.evaluator.explain(&request);
                if !rule_matched(&explanation, &rule.name) {
                    continue;
                }
                let outcome = format!(
                    "is permitted by `{}`, and so is any larger `{}`",
                    rule.name, param.name
                );
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
                    .witness(witness(&point, request, vec![outcome])),
                );
            }
        }
    }
    None
}

fn unbounded_frequency(ctx: &Ctx<'_>, index: usize) -> Option<Diagnostic> {
    let rule = &ctx.model.rules[index];
    let money_action = rule.actions.iter().find(|a| {
        ctx.model.actions[**a]
            .params
            .iter()
            .any(|p| p.ty == Type::Money)
    })?;
    if rule.counts.iter().any(|c| c.per == Per::Customer) || !rule.totals.is_empty() {
        return None;
    }
    let &r = ctx.rule_rows[index]
        .iter()
        .find(|r| ctx.boxes[**r].is_some())?;
    let role = ctx.model.roles[*rule.roles.first()?].name.as_str();
    let action = ctx.model.actions[*money_action].name.as_str();
    let point = Point {
        table: ctx.table,
        role,
        action,
        region: ctx.boxes[r].clone()?,
    };
    let request = point.request();
    if !rule_matched(&ctx.evaluator.explain(&request), &rule.name) {
        return None;
    }
    Some(
        Diagnostic::new(
            Code::UNBOUNDED_FREQUENCY,
            format!("rule `{}` permits money with no per-customer limit on how often", rule.name),
            rule.name_span,
            "no `limit N per customer` or `limit total`",
        )
        .help("add `limit N per customer per WINDOW` or `limit total AMOUNT per customer per WINDOW`, or `@allow(unbounded_frequency)` if that is deliberate")
        .witness(witness(&point, request, vec![format!("is permitted by `{}` however often the customer received it before", rule.name)])),
    )
}

fn unsatisfiable(ctx: &Ctx<'_>, index: usize) -> Option<Diagnostic> {
    let rule = &ctx.model.rules[index];
    let rows = &ctx.rule_rows[index];
    let has_conditions = rule
        .customers
        .as_ref()
        .is_some_and(|c| *c != remit_sema::model::Cond::True)
        || rule.when.is_some();
    if rows.is_empty() && has_conditions {
        return Some(
            Diagnostic::new(
                Code::UNSATISFIABLE_CONDITION,
                format!("the conditions of rule `{}` can never all hold", rule.name),
                rule.name_span,
                "never applies",
            )
            .secondary(rule.effect_span, "so this never happens")
            .note("no request satisfies its `for` and `when` together")
            .help("look for contradictory comparisons such as `amount > 100 and amount < 50`"),
        );
    }
    if rule.effect == EffectKind::Permit
        && !rows.is_empty()
        && rows.iter().all(|r| ctx.boxes[*r].is_none())
    {
        return Some(
            Diagnostic::new(Code::UNSATISFIABLE_CONDITION, format!("rule `{}` can never permit: its limits exclude every request in its scope", rule.name), rule.name_span, "never permits")
                .secondary(rule.effect_span, "so this never happens")
                .help("compare the `limit` clauses with the `when` condition; a cap below the minimum the rule applies to, or `limit 0 per …`, excludes everything"),
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
    for (i, s) in m.segments.iter().enumerate() {
        report(Symbol::Segment(i), "segment", &s.name, s.span);
    }
    for (i, s) in m.situations.iter().enumerate() {
        report(Symbol::Situation(i), "situation", &s.name, s.span);
    }
    for (i, o) in m.obligations.iter().enumerate() {
        report(Symbol::Obligation(i), "obligation", &o.name, o.span);
    }
    for (i, e) in m.enums.iter().enumerate() {
        report(Symbol::Enum(i), "enum", &e.name, e.span);
    }
    for (i, r) in m.roles.iter().enumerate() {
        report(Symbol::Role(i), "role", &r.name, r.span);
    }
}
