//! A direct interpreter of checked policies (LANGUAGE.md §5), written
//! from the language's meaning and sharing nothing with lowering or the
//! table evaluator. Property tests compare it with the evaluator on the
//! lowered table: they check the lowering against the meaning, not
//! against itself.

use remit_sema::model::{Cond, InputKind, Model, RoleId, RuleDef, Subject, WindowDef};
use remit_syntax::ast::{CmpOp, EffectKind};
use serde_json::Value;
use std::collections::BTreeSet;

/// A decision: effect, escalation targets, obligations (sorted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// `permit`, `deny` or `escalate`.
    pub decision: String,
    /// Targets when escalating.
    pub escalate_to: Vec<String>,
    /// Obligations when permitting.
    pub obligations: Vec<String>,
    /// Roles to notify.
    pub notify: Vec<String>,
    /// The rules behind the decision.
    pub rules: Vec<String>,
}

/// Usage numbers the interpreter reads: uses and money per (per, actions,
/// window), as the table's counters would give them.
pub trait Usage {
    /// How many uses of `actions` in the window.
    fn count(&self, subjects: &[Subject], actions: &[String], window: WindowDef) -> i64;
    /// How much money of `actions` in the window.
    fn sum(&self, subjects: &[Subject], actions: &[String], window: WindowDef) -> i64;
}

fn value<'a>(request: &'a Value, kind: InputKind, name: &str) -> Option<&'a Value> {
    let section = match kind {
        InputKind::Customer => "customer",
        InputKind::Context => "context",
        InputKind::Param => "params",
    };
    request.get(section)?.get(name)
}

/// Whether a condition holds for a request.
pub fn holds(model: &Model, c: &Cond, request: &Value) -> bool {
    match c {
        Cond::True => true,
        Cond::False => false,
        Cond::And(v) => v.iter().all(|c| holds(model, c, request)),
        Cond::Or(v) => v.iter().any(|c| holds(model, c, request)),
        Cond::Not(c) => !holds(model, c, request),
        Cond::Segment(i) => holds(model, &model.segments[*i].cond, request),
        Cond::Situation(i) => holds(model, &model.situations[*i].cond, request),
        Cond::Num {
            input,
            op,
            value: k,
        } => {
            let Some(v) = value(request, input.kind, &input.name).and_then(Value::as_i64) else {
                return false;
            };
            match op {
                CmpOp::Eq => v == *k,
                CmpOp::Ne => v != *k,
                CmpOp::Lt => v < *k,
                CmpOp::Le => v <= *k,
                CmpOp::Gt => v > *k,
                CmpOp::Ge => v >= *k,
            }
        }
        Cond::Bool { input, value: b } => {
            value(request, input.kind, &input.name).and_then(Value::as_bool) == Some(*b)
        }
        Cond::In { input, variants } => value(request, input.kind, &input.name)
            .and_then(Value::as_str)
            .is_some_and(|v| variants.contains(v)),
        Cond::Contains { input, variant } => value(request, input.kind, &input.name)
            .and_then(Value::as_array)
            .is_some_and(|items| items.iter().any(|i| i.as_str() == Some(variant))),
        Cond::Present { input } => value(request, input.kind, &input.name).is_some(),
        Cond::Linear { terms, max } => {
            let mut total: i128 = 0;
            for (input, c) in terms {
                let Some(v) = value(request, input.kind, &input.name).and_then(Value::as_i64)
                else {
                    return false;
                };
                total += i128::from(*c) * i128::from(v);
            }
            total <= i128::from(*max)
        }
    }
}

/// Whether a request is inside a rule's scope (`for` and `when`).
pub fn in_scope(model: &Model, rule: &RuleDef, request: &Value) -> bool {
    rule.customers
        .as_ref()
        .is_none_or(|c| holds(model, c, request))
        && rule.when.as_ref().is_none_or(|c| holds(model, c, request))
}

/// Whether a request keeps every limit of a rule (caps, counts, totals).
pub fn within_limits(model: &Model, rule: &RuleDef, request: &Value, usage: &dyn Usage) -> bool {
    let action = request["action"].as_str().unwrap_or("");
    let names: Vec<String> = {
        let mut v: Vec<String> = rule
            .actions
            .iter()
            .map(|a| model.actions[*a].name.clone())
            .collect();
        v.sort();
        v
    };
    let caps = rule.caps.iter().all(|cap| {
        request["params"][&cap.param]
            .as_i64()
            .is_some_and(|v| v <= cap.max)
    });
    let counts = rule
        .counts
        .iter()
        .all(|c| usage.count(&c.subjects, &names, c.window) < c.count);
    let totals = rule.totals.iter().all(|t| {
        let money = model
            .actions
            .iter()
            .find(|a| a.name == action)
            .and_then(|a| a.money_param())
            .map(|p| p.name.clone())
            .unwrap_or_default();
        let amount = request["params"][&money].as_i64().unwrap_or(0);
        i128::from(usage.sum(&t.subjects, &names, t.window)) + i128::from(amount)
            <= i128::from(t.amount)
    });
    let relations = rule.relations.iter().all(|c| holds(model, c, request));
    caps && counts && totals && relations
}

/// Decides a well-formed request directly from the checked model.
pub fn decide(model: &Model, request: &Value, usage: &dyn Usage) -> Verdict {
    let role = model.role(request["role"].as_str().unwrap_or(""));
    let action = model.action(request["action"].as_str().unwrap_or(""));
    let ancestors = role.and_then(|r| model.roles.get(r)).map(|d| &d.ancestors);
    let acting = |r: RoleId| Some(r) == role || ancestors.is_some_and(|a| a.contains(&r));
    let escalation_applies =
        |target: RoleId| !(Some(target) == role || ancestors.is_some_and(|a| a.contains(&target)));
    let candidates: Vec<&RuleDef> = model
        .rules
        .iter()
        .filter(|r| {
            r.ok && action.is_some_and(|a| r.actions.contains(&a))
                && r.roles.iter().any(|x| acting(*x))
        })
        .collect();
    let names = |rules: &[&RuleDef]| -> Vec<String> {
        rules
            .iter()
            .map(|r| r.name.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    let notify = |rules: &[&RuleDef]| -> Vec<String> {
        rules
            .iter()
            .flat_map(|r| r.notify.iter().map(|n| model.roles[*n].name.clone()))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    let verdict = |decision: &str,
                   escalate_to: Vec<String>,
                   obligations: Vec<String>,
                   notify: Vec<String>,
                   rules: Vec<String>| Verdict {
        decision: decision.to_string(),
        escalate_to,
        obligations,
        notify,
        rules,
    };
    let forbids: Vec<&RuleDef> = candidates
        .iter()
        .copied()
        .filter(|r| r.effect == EffectKind::Forbid && in_scope(model, r, request))
        .collect();
    if !forbids.is_empty() {
        return verdict("deny", vec![], vec![], vec![], names(&forbids));
    }
    let permits: Vec<&RuleDef> = candidates
        .iter()
        .copied()
        .filter(|r| {
            r.effect == EffectKind::Permit
                && in_scope(model, r, request)
                && within_limits(model, r, request, usage)
        })
        .collect();
    if !permits.is_empty() {
        let obligations: BTreeSet<String> = permits
            .iter()
            .flat_map(|r| r.require.iter().map(|o| model.obligations[*o].name.clone()))
            .collect();
        return verdict(
            "permit",
            vec![],
            obligations.into_iter().collect(),
            notify(&permits),
            names(&permits),
        );
    }
    let mut targets = BTreeSet::new();
    let mut escalating: Vec<&RuleDef> = Vec::new();
    for r in &candidates {
        if !in_scope(model, r, request) {
            continue;
        }
        let target = match r.effect {
            EffectKind::Permit if !within_limits(model, r, request, usage) => r.otherwise,
            EffectKind::Escalate => r.target,
            _ => None,
        };
        if let Some(t) = target.filter(|t| escalation_applies(*t)) {
            targets.insert(model.roles[t].name.clone());
            escalating.push(r);
        }
    }
    if targets.is_empty() {
        verdict("deny", vec![], vec![], vec![], vec![])
    } else {
        verdict(
            "escalate",
            targets.into_iter().collect(),
            vec![],
            notify(&escalating),
            names(&escalating),
        )
    }
}
