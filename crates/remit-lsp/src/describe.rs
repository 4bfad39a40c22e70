//! Conditions and rules in plain words, for hover.
//!
//! Segment and situation names are kept as written, enum sets read
//! `customer.tier in {gold, platinum}` (variants in declaration order),
//! money and durations carry their units, and a rule reads as its box:
//! "front_desk may refund up to 100.00 USD for loyal customers when
//! service_failure, at most 2 per customer per 30 days; requires
//! reason_code; otherwise escalates to duty_manager".

use remit_sema::model::{ActionId, Cond, Input, InputKind, Model, RoleId, RuleDef, Type};
use remit_sema::units::{format_duration, format_money};
use remit_syntax::ast::EffectKind;
use std::collections::BTreeSet;

/// `a`, `a and b`, `a, b and c` (with `or` when `conj` says so).
pub fn list(items: &[String], conj: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {conj} {last}", init.join(", ")),
    }
}

/// A value of an input's type, with its unit.
pub fn value(model: &Model, ty: Option<&Type>, v: i64) -> String {
    match ty {
        Some(Type::Money) => format_money(v, model.currency.as_ref()),
        Some(Type::Duration) => format_duration(v),
        _ => v.to_string(),
    }
}

/// A condition as the author would write it. `actions` are the actions of
/// the rule it belongs to (for the types of parameters).
pub fn cond(model: &Model, actions: &[ActionId], c: &Cond) -> String {
    Words { model, actions }.cond(c, 0)
}

struct Words<'a> {
    model: &'a Model,
    actions: &'a [ActionId],
}

const OR: u8 = 1;
const AND: u8 = 2;
const NOT: u8 = 3;

impl Words<'_> {
    fn cond(&self, c: &Cond, context: u8) -> String {
        let (text, prec) = match c {
            Cond::True => ("true".to_string(), 9),
            Cond::False => ("false".to_string(), 9),
            Cond::Or(parts) => (self.join(parts, " or ", OR), OR),
            Cond::And(parts) => (self.join(parts, " and ", AND), AND),
            Cond::Not(inner) => (self.not(inner), NOT),
            Cond::Num { input, op, value } => (
                format!(
                    "{} {} {}",
                    input.source_name(),
                    op.as_str(),
                    self.value(input, *value)
                ),
                9,
            ),
            Cond::Bool { input, value: true } => (input.source_name(), 9),
            Cond::Bool {
                input,
                value: false,
            } => (format!("not {}", input.source_name()), NOT),
            Cond::In { input, variants } => (self.membership(input, variants, false), 9),
            Cond::Contains { input, variant } => {
                (format!("{} contains {variant}", input.source_name()), 9)
            }
            Cond::Segment(i) => (self.name(self.model.segments.get(*i).map(|d| &d.name)), 9),
            Cond::Situation(i) => (self.name(self.model.situations.get(*i).map(|d| &d.name)), 9),
        };
        if prec < context {
            format!("({text})")
        } else {
            text
        }
    }

    fn join(&self, parts: &[Cond], sep: &str, prec: u8) -> String {
        parts
            .iter()
            .map(|p| self.cond(p, prec + 1))
            .collect::<Vec<_>>()
            .join(sep)
    }

    fn not(&self, inner: &Cond) -> String {
        match inner {
            Cond::In { input, variants } => self.membership(input, variants, true),
            Cond::Bool { input, value } => self.cond(
                &Cond::Bool {
                    input: input.clone(),
                    value: !value,
                },
                NOT,
            ),
            Cond::Segment(_) | Cond::Situation(_) | Cond::True | Cond::False => {
                format!("not {}", self.cond(inner, NOT))
            }
            _ => format!("not ({})", self.cond(inner, 0)),
        }
    }

    fn name(&self, name: Option<&String>) -> String {
        name.cloned().unwrap_or_else(|| "?".to_string())
    }

    fn ty(&self, input: &Input) -> Option<Type> {
        self.model.input_type(input, self.actions)
    }

    fn value(&self, input: &Input, v: i64) -> String {
        value(self.model, self.ty(input).as_ref(), v)
    }

    fn membership(&self, input: &Input, variants: &BTreeSet<String>, negated: bool) -> String {
        let order: Vec<String> = match self.ty(input) {
            Some(Type::Enum(e)) | Some(Type::Set(e)) => self
                .model
                .enum_def(&e)
                .map(|def| {
                    def.variants
                        .iter()
                        .filter(|(v, _)| variants.contains(v))
                        .map(|(v, _)| v.clone())
                        .collect()
                })
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let order = if order.len() == variants.len() {
            order
        } else {
            variants.iter().cloned().collect()
        };
        let name = input.source_name();
        match (order.as_slice(), negated) {
            ([one], false) => format!("{name} == {one}"),
            ([one], true) => format!("{name} != {one}"),
            (_, false) => format!("{name} in {{{}}}", order.join(", ")),
            (_, true) => format!("{name} not in {{{}}}", order.join(", ")),
        }
    }
}

fn role_names(model: &Model, roles: &[RoleId]) -> Vec<String> {
    roles
        .iter()
        .filter_map(|r| model.roles.get(*r).map(|r| r.name.clone()))
        .collect()
}

fn action_names(model: &Model, actions: &[ActionId]) -> Vec<String> {
    actions
        .iter()
        .filter_map(|a| model.actions.get(*a).map(|a| a.name.clone()))
        .collect()
}

/// A rule's box in one sentence.
pub fn rule(model: &Model, r: &RuleDef) -> String {
    let roles = if r.any_role {
        "any role".to_string()
    } else {
        list(&role_names(model, &r.roles), "and")
    };
    let actions = list(&action_names(model, &r.actions), "or");
    let mut s = match r.effect {
        EffectKind::Permit => format!("{roles} may {actions}{}", caps(model, r)),
        EffectKind::Forbid => format!("{roles} may not {actions}"),
        EffectKind::Escalate => {
            let target = r
                .target
                .and_then(|t| model.roles.get(t))
                .map_or("?", |t| t.name.as_str());
            format!("{actions} requests from {roles} escalate to {target}")
        }
    };
    match &r.customers {
        None | Some(Cond::True) => s.push_str(" for any customer"),
        Some(Cond::Segment(i)) => {
            let name = model.segments.get(*i).map_or("?", |d| d.name.as_str());
            s.push_str(&format!(" for {name} customers"));
        }
        Some(c) => s.push_str(&format!(
            " for customers where {}",
            cond(model, &r.actions, c)
        )),
    }
    if let Some(c) = r.when.as_ref().filter(|c| **c != Cond::True) {
        s.push_str(&format!(" when {}", cond(model, &r.actions, c)));
    }
    for c in &r.counts {
        s.push_str(&format!(
            ", at most {} per {} per {}",
            c.count,
            c.per.as_str(),
            format_duration(c.window_minutes)
        ));
    }
    for t in &r.totals {
        s.push_str(&format!(
            ", at most {} per customer per {}",
            format_money(t.amount, model.currency.as_ref()),
            format_duration(t.window_minutes)
        ));
    }
    let obligations: Vec<String> = r
        .require
        .iter()
        .filter_map(|o| model.obligations.get(*o).map(|o| o.name.clone()))
        .collect();
    if !obligations.is_empty() {
        s.push_str(&format!("; requires {}", list(&obligations, "and")));
    }
    if !r.notify.is_empty() {
        s.push_str(&format!(
            "; notifies {}",
            list(&role_names(model, &r.notify), "and")
        ));
    }
    if let Some(role) = r.otherwise.and_then(|o| model.roles.get(o)) {
        s.push_str(&format!("; otherwise escalates to {}", role.name));
    }
    s
}

/// ` up to 100.00 USD` for one money cap, else ` with nights up to 3 and …`.
fn caps(model: &Model, r: &RuleDef) -> String {
    let typed: Vec<(String, Option<Type>, i64)> = r
        .caps
        .iter()
        .map(|c| {
            let input = Input {
                kind: InputKind::Param,
                name: c.param.clone(),
            };
            (c.param.clone(), model.input_type(&input, &r.actions), c.max)
        })
        .collect();
    match typed.as_slice() {
        [] => String::new(),
        [(_, Some(Type::Money), max)] => {
            format!(" up to {}", format_money(*max, model.currency.as_ref()))
        }
        _ => {
            let parts: Vec<String> = typed
                .iter()
                .map(|(name, ty, max)| format!("{name} up to {}", value(model, ty.as_ref(), *max)))
                .collect();
            format!(" with {}", list(&parts, "and"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::fixture::*;

    fn rule_words(name: &str) -> String {
        let s = snapshot(&[("hotel.remit", HOTEL)]);
        let model = s.model();
        let r = model.rules.iter().find(|r| r.name == name).unwrap();
        rule(model, r)
    }

    #[test]
    fn the_everyday_box_in_words() {
        assert_eq!(
            rule_words("room_recovery"),
            "front_desk may refund up to 100.00 USD for loyal customers when service_failure, \
             at most 2 per customer per 30 days, at most 150.00 USD per customer per 30 days; \
             requires reason_code; otherwise escalates to duty_manager"
        );
    }

    #[test]
    fn conditions_with_units_and_enum_comparisons() {
        assert_eq!(
            rule_words("long_wait_meal"),
            "front_desk may comp_meal up to 40.00 USD for any customer \
             when context.wait >= 30 minutes and context.channel == in_person, \
             at most 1 per customer per 1 day"
        );
    }

    #[test]
    fn forbids_and_escalations() {
        assert_eq!(
            rule_words("no_abusers"),
            "front_desk and duty_manager may not refund, comp_meal or upgrade_room \
             for customers where customer.flagged_for_abuse"
        );
        assert_eq!(
            rule_words("billing_disputes"),
            "upgrade_room requests from front_desk escalate to duty_manager for any customer \
             when context.incident == billing_error"
        );
        assert_eq!(
            rule_words("manager_recovery"),
            "duty_manager may refund or comp_meal up to 500.00 USD for any customer, \
             at most 1000.00 USD per customer per 90 days; notifies general_manager"
        );
    }

    #[test]
    fn segments_keep_enum_order_and_grouping() {
        let s = snapshot(&[("hotel.remit", HOTEL)]);
        let model = s.model();
        let loyal = &model.segments[0];
        assert_eq!(
            cond(model, &[], &loyal.cond),
            "customer.tier in {gold, platinum} or customer.nights_this_year >= 10"
        );
        let nested = Cond::And(vec![
            loyal.cond.clone(),
            Cond::Not(Box::new(Cond::Situation(0))),
        ]);
        assert_eq!(
            cond(model, &[], &nested),
            "(customer.tier in {gold, platinum} or customer.nights_this_year >= 10) \
             and not service_failure"
        );
    }

    #[test]
    fn lists_read_naturally() {
        let v = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(list(&v(&["a"]), "and"), "a");
        assert_eq!(list(&v(&["a", "b"]), "or"), "a or b");
        assert_eq!(list(&v(&["a", "b", "c"]), "and"), "a, b and c");
    }
}
