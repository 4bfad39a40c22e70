//! Conditions and rules in words: the one describer behind hover and
//! `remit doc`. It produces plain text, no LSP types and no HTML.
//!
//! Two readers are served from the same traversal:
//! - [`Reader::Author`] (hover): names as written, operators as in the
//!   source, `customer.tier in {gold, platinum}`, and a rule as one
//!   sentence: "front_desk may refund up to 100.00 USD for loyal customers
//!   when service_failure, at most 2 per customer per 30 days; requires
//!   reason_code; otherwise escalates to duty_manager".
//! - [`Reader::Staff`] (`remit doc`): no identifiers. An attribute,
//!   parameter, segment or situation is called by the first line of its doc
//!   comment, else by its name with spaces ("flagged for abuse"); operators
//!   are words ("at least 30 minutes"); variants are listed in declaration
//!   order ("tier is gold or platinum").
//!
//! Money and durations always carry their units.

use remit_sema::model::{
    ActionId, Cap, Cond, CountLimit, DefinitionId, Input, InputKind, Model, ObligationId,
    RelationalCap, RoleId, RuleDef, Subject, TotalLimit, Type, WindowDef,
};
use remit_sema::units::{format_date, format_duration, format_money, format_time};
use remit_syntax::ast::{CmpOp, EffectKind};
use std::collections::{BTreeSet, VecDeque};

/// Who reads the words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// The policy's author: names and operators as written.
    Author,
    /// Staff who never saw the policy: labels and words.
    Staff,
}

/// `a`, `a and b`, `a, b and c` (with `or` when `conj` says so).
pub fn list(items: &[String], conj: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {conj} {last}", init.join(", ")),
    }
}

/// An identifier as words: `flagged_for_abuse` → `flagged for abuse`.
pub fn humanize(name: &str) -> String {
    name.replace('_', " ")
}

/// The label a doc comment gives: its first line, without a final period.
fn doc_label(doc: Option<&String>) -> Option<String> {
    let first = doc?.lines().next()?.trim().trim_end_matches('.').trim();
    (!first.is_empty()).then(|| first.to_string())
}

/// A value of an input's type, with its unit.
pub fn value(model: &Model, ty: Option<&Type>, v: i64) -> String {
    match ty {
        Some(Type::Money) => format_money(v, model.currency.as_ref()),
        Some(Type::Duration) => format_duration(v),
        Some(Type::Date) => format_date(v),
        Some(Type::Time) => format_time(v),
        _ => v.to_string(),
    }
}

/// A condition as the author would write it. `actions` are the actions of
/// the rule it belongs to (for the types of parameters).
pub fn cond(model: &Model, actions: &[ActionId], c: &Cond) -> String {
    Words::new(model, actions, Reader::Author).cond(c, 0)
}

/// A condition in staff words: `tier is gold or platinum`.
pub fn cond_words(model: &Model, actions: &[ActionId], c: &Cond) -> String {
    Words::new(model, actions, Reader::Staff).cond(c, 0)
}

/// A segment or situation used in a condition, defined in staff words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    /// What it is called (its label).
    pub term: String,
    /// What it means.
    pub meaning: String,
}

/// The segments and situations a condition uses, directly or through
/// other segments, each defined once in staff words: the ones it names
/// first, left to right, then the ones their definitions name.
pub fn definitions(model: &Model, actions: &[ActionId], c: &Cond) -> Vec<Definition> {
    let words = Words::new(model, actions, Reader::Staff);
    let mut seen: BTreeSet<DefinitionId> = BTreeSet::new();
    let mut out = Vec::new();
    // Each definition is queued once, so the work is bounded by the
    // segments and situations, even if a checker error left a cycle.
    let mut queue: VecDeque<&Cond> = VecDeque::from([c]);
    while let Some(c) = queue.pop_front() {
        for key in named_in(c) {
            let Some(def) = model.definition(key) else {
                continue;
            };
            if seen.insert(key) {
                out.push(Definition {
                    term: words.definition_label(key),
                    meaning: words.cond(&def.cond, 0),
                });
                queue.push_back(&def.cond);
            }
        }
    }
    out
}

/// The segments and situations a condition names itself, left to right.
fn named_in(c: &Cond) -> Vec<DefinitionId> {
    let mut out = Vec::new();
    let mut stack = vec![c];
    while let Some(c) = stack.pop() {
        match c {
            Cond::And(parts) | Cond::Or(parts) => stack.extend(parts.iter().rev()),
            Cond::Not(inner) => stack.push(inner),
            Cond::Segment(i) => out.push(DefinitionId::Segment(*i)),
            Cond::Situation(i) => out.push(DefinitionId::Situation(*i)),
            Cond::True
            | Cond::False
            | Cond::Num { .. }
            | Cond::Bool { .. }
            | Cond::In { .. }
            | Cond::Contains { .. }
            | Cond::Present { .. }
            | Cond::Linear { .. } => {}
        }
    }
    out
}

/// Names and conditions for one reader, in the context of a rule's actions.
pub struct Words<'a> {
    model: &'a Model,
    actions: &'a [ActionId],
    reader: Reader,
}

const OR: u8 = 1;
const AND: u8 = 2;
const NOT: u8 = 3;
const ATOM: u8 = 9;

impl<'a> Words<'a> {
    /// Words about `model`, for conditions of a rule naming `actions`.
    pub fn new(model: &'a Model, actions: &'a [ActionId], reader: Reader) -> Self {
        Words {
            model,
            actions,
            reader,
        }
    }

    fn staff(&self) -> bool {
        self.reader == Reader::Staff
    }

    /// A role.
    pub fn role(&self, r: RoleId) -> String {
        let name = self.model.roles.get(r).map_or("?", |d| d.name.as_str());
        self.ident(name)
    }

    /// An action.
    pub fn action(&self, a: ActionId) -> String {
        let name = self.model.actions.get(a).map_or("?", |d| d.name.as_str());
        self.ident(name)
    }

    /// An obligation: for staff, what it asks (its description), else its
    /// doc comment's first line, else its name in words.
    pub fn obligation(&self, o: ObligationId) -> String {
        let Some(def) = self.model.obligations.get(o) else {
            return "?".to_string();
        };
        if !self.staff() {
            return def.name.clone();
        }
        if !def.description.trim().is_empty() {
            return def.description.trim().to_string();
        }
        doc_label(def.doc.as_ref()).unwrap_or_else(|| humanize(&def.name))
    }

    /// A rule's name.
    pub fn rule_name(&self, r: &RuleDef) -> String {
        self.ident(&r.name)
    }

    fn ident(&self, name: &str) -> String {
        if self.staff() {
            humanize(name)
        } else {
            name.to_string()
        }
    }

    fn variant(&self, v: &str) -> String {
        self.ident(v)
    }

    /// A segment or situation.
    fn definition_label(&self, id: DefinitionId) -> String {
        let Some(def) = self.model.definition(id) else {
            return "?".to_string();
        };
        if self.staff() {
            doc_label(def.doc.as_ref()).unwrap_or_else(|| humanize(&def.name))
        } else {
            def.name.clone()
        }
    }

    /// An input: for staff its doc comment's first line, else its name in
    /// words (`customer's …` when a context attribute has the same name).
    pub fn input(&self, input: &Input) -> String {
        if !self.staff() {
            return input.source_name();
        }
        let model = self.model;
        let (doc, clash) = match input.kind {
            InputKind::Customer => (
                model
                    .customer
                    .iter()
                    .find(|a| a.name == input.name)
                    .and_then(|a| a.doc.as_ref()),
                model.context.iter().any(|a| a.name == input.name),
            ),
            InputKind::Context => (
                model
                    .context
                    .iter()
                    .find(|a| a.name == input.name)
                    .and_then(|a| a.doc.as_ref()),
                false,
            ),
            InputKind::Param => (
                self.actions
                    .iter()
                    .find_map(|a| model.actions.get(*a).and_then(|a| a.param(&input.name)))
                    .and_then(|p| p.doc.as_ref()),
                false,
            ),
        };
        match doc_label(doc) {
            Some(label) => label,
            None if clash => format!("customer's {}", humanize(&input.name)),
            None => humanize(&input.name),
        }
    }

    fn ty(&self, input: &Input) -> Option<Type> {
        self.model.input_type(input, self.actions)
    }

    fn value(&self, input: &Input, v: i64) -> String {
        value(self.model, self.ty(input).as_ref(), v)
    }

    /// A condition, parenthesised when its precedence is below `context`.
    pub fn cond(&self, c: &Cond, context: u8) -> String {
        let (text, prec) = match c {
            Cond::True => (
                if self.staff() { "always" } else { "true" }.to_string(),
                ATOM,
            ),
            Cond::False => (
                if self.staff() { "never" } else { "false" }.to_string(),
                ATOM,
            ),
            Cond::Or(parts) => (self.join(parts, " or ", OR), OR),
            Cond::And(parts) => (self.join(parts, " and ", AND), AND),
            Cond::Not(inner) => (self.not(inner), NOT),
            Cond::Num { input, op, value } => (self.compare(input, *op, *value), ATOM),
            Cond::Bool { input, value: true } => (self.input(input), ATOM),
            Cond::Bool {
                input,
                value: false,
            } => (self.negated(&self.input(input)), NOT),
            Cond::In { input, variants } => (self.membership(input, variants, false), ATOM),
            Cond::Contains { input, variant } => {
                let verb = if self.staff() { "include" } else { "contains" };
                (
                    format!("{} {verb} {}", self.input(input), self.variant(variant)),
                    ATOM,
                )
            }
            Cond::Segment(i) => (self.definition_label(DefinitionId::Segment(*i)), ATOM),
            Cond::Situation(i) => (self.definition_label(DefinitionId::Situation(*i)), ATOM),
            Cond::Present { input } => {
                let text = if self.staff() {
                    format!("{} is known", self.input(input))
                } else {
                    format!("has {}", self.input(input))
                };
                (text, ATOM)
            }
            Cond::Linear { terms, max } => (self.linear(terms, *max), ATOM),
        };
        if prec < context {
            format!("({text})")
        } else {
            text
        }
    }

    /// `not X`; for staff, `has no X` and `is not X` where the label
    /// starts with `has` or `is`.
    fn negated(&self, label: &str) -> String {
        if self.staff() {
            if let Some(rest) = label.strip_prefix("has ") {
                return format!("has no {rest}");
            }
            if let Some(rest) = label.strip_prefix("is ") {
                return format!("is not {rest}");
            }
        }
        format!("not {label}")
    }

    fn compare(&self, input: &Input, op: CmpOp, v: i64) -> String {
        let op = if self.staff() {
            match op {
                CmpOp::Eq => "is",
                CmpOp::Ne => "is not",
                CmpOp::Lt => "less than",
                CmpOp::Le => "at most",
                CmpOp::Gt => "more than",
                CmpOp::Ge => "at least",
            }
        } else {
            op.as_str()
        };
        format!("{} {op} {}", self.input(input), self.value(input, v))
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
            Cond::Num { input, op, value } if self.staff() => {
                self.compare(input, op.negated(), *value)
            }
            Cond::Present { input } if self.staff() => {
                format!("{} is not known", self.input(input))
            }
            Cond::Segment(_)
            | Cond::Situation(_)
            | Cond::True
            | Cond::False
            | Cond::Present { .. } => {
                format!("not {}", self.cond(inner, NOT))
            }
            _ => format!("not ({})", self.cond(inner, 0)),
        }
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
        let name = self.input(input);
        if self.staff() {
            let shown: Vec<String> = order.iter().map(|v| self.variant(v)).collect();
            return match (shown.as_slice(), negated) {
                ([one], false) => format!("{name} is {one}"),
                ([one], true) => format!("{name} is not {one}"),
                ([a, b], true) => format!("{name} is neither {a} nor {b}"),
                (_, false) => format!("{name} is {}", list(&shown, "or")),
                (_, true) => format!("{name} is none of {}", shown.join(", ")),
            };
        }
        match (order.as_slice(), negated) {
            ([one], false) => format!("{name} == {one}"),
            ([one], true) => format!("{name} != {one}"),
            (_, false) => format!("{name} in {{{}}}", order.join(", ")),
            (_, true) => format!("{name} not in {{{}}}", order.join(", ")),
        }
    }

    /// The caps of a rule: `100.00 USD` when the one cap is on the only
    /// `Money` parameter, else `nights up to 3` for each.
    pub fn caps(&self, caps: &[Cap]) -> Vec<String> {
        if let Some(amount) = self.money_cap(caps) {
            return vec![amount];
        }
        caps.iter()
            .map(|cap| {
                let input = Input {
                    kind: InputKind::Param,
                    name: cap.param.clone(),
                };
                format!(
                    "{} up to {}",
                    self.input(&input),
                    self.value(&input, cap.max)
                )
            })
            .collect()
    }

    /// The amount of the only cap, when it is on a `Money` parameter.
    fn money_cap(&self, caps: &[Cap]) -> Option<String> {
        let [cap] = caps else { return None };
        let input = Input {
            kind: InputKind::Param,
            name: cap.param.clone(),
        };
        (self.ty(&input) == Some(Type::Money))
            .then(|| format_money(cap.max, self.model.currency.as_ref()))
    }

    /// A linear relation: `context.paid is at most context.bill` for the
    /// common two-input case, else `5 × amount - context.bill_total <= 0`
    /// (coefficients and bound in table units).
    fn linear(&self, terms: &[(Input, i64)], max: i64) -> String {
        if let [(a, 1), (b, -1)] | [(b, -1), (a, 1)] = terms {
            let (at_most, less_than) = if self.staff() {
                ("is at most", "is less than")
            } else {
                ("<=", "<")
            };
            return match max {
                0 => format!("{} {at_most} {}", self.input(a), self.input(b)),
                -1 => format!("{} {less_than} {}", self.input(a), self.input(b)),
                m if m > 0 => format!(
                    "{} {at_most} {} + {}",
                    self.input(a),
                    self.input(b),
                    self.value(a, m)
                ),
                m => format!(
                    "{} {at_most} {} - {}",
                    self.input(a),
                    self.input(b),
                    self.value(a, m.saturating_neg())
                ),
            };
        }
        let mut out = String::new();
        for (i, (input, c)) in terms.iter().enumerate() {
            let name = self.input(input);
            let magnitude = c.unsigned_abs();
            let term = if magnitude == 1 {
                name
            } else {
                format!("{magnitude} × {name}")
            };
            match (i, *c < 0) {
                (0, true) => out.push_str(&format!("-{term}")),
                (0, false) => out.push_str(&term),
                (_, true) => out.push_str(&format!(" - {term}")),
                (_, false) => out.push_str(&format!(" + {term}")),
            }
        }
        format!("{out} <= {max}")
    }

    /// `amount up to 20% of context.bill_total`, in the author's units.
    pub fn relational_cap(&self, cap: &RelationalCap) -> String {
        let param = Input {
            kind: InputKind::Param,
            name: cap.param.clone(),
        };
        let op = if cap.strict { "below" } else { "up to" };
        format!("{} {op} {}", self.input(&param), self.sum(&cap.bound))
    }

    /// A quantity expression in words: `the greater of 10% of
    /// context.bill_total and 25.00 USD`.
    fn sum(&self, sum: &remit_syntax::ast::Sum) -> String {
        let mut out = String::new();
        for (i, t) in sum.terms.iter().enumerate() {
            if i > 0 {
                out.push_str(match t.sign {
                    remit_syntax::ast::Sign::Plus => " + ",
                    remit_syntax::ast::Sign::Minus => " - ",
                });
            }
            out.push_str(&self.term(&t.term));
        }
        out
    }

    fn term(&self, term: &remit_syntax::ast::Term) -> String {
        use remit_syntax::ast::{Extremum, PathKind, Term};
        match term {
            Term::Path(p) => {
                let input = match &p.kind {
                    PathKind::Customer(i) => Input {
                        kind: InputKind::Customer,
                        name: i.name.clone(),
                    },
                    PathKind::Context(i) => Input {
                        kind: InputKind::Context,
                        name: i.name.clone(),
                    },
                    PathKind::Name(i) => Input {
                        kind: InputKind::Param,
                        name: i.name.clone(),
                    },
                };
                self.input(&input)
            }
            Term::Quantity(q) => match &q.unit {
                Some(u) => format!("{} {}", q.number.raw, u.name),
                None => q.number.raw.clone(),
            },
            Term::Date(t) | Term::Time(t) => t.raw.clone(),
            Term::Percent { percent, of, .. } => format!("{}% of {}", percent.raw, self.term(of)),
            Term::Scaled { factor, of, .. } => {
                let factor = match &factor.unit {
                    Some(u) => format!("{} {}", factor.number.raw, u.name),
                    None => factor.number.raw.clone(),
                };
                let per = if self.staff() { "for each of" } else { "×" };
                format!("{factor} {per} {}", self.term(of))
            }
            Term::Product { left, right, .. } => {
                format!("{} × {}", self.term(left), self.term(right))
            }
            Term::Call {
                extremum,
                args,
                name,
                ..
            } => {
                let args: Vec<String> = args.iter().map(|a| self.sum(a)).collect();
                match extremum {
                    Some(Extremum::Max) => format!("the greater of {}", list(&args, "and")),
                    Some(Extremum::Min) => format!("the lesser of {}", list(&args, "and")),
                    None => format!("{}({})", name.name, args.join(", ")),
                }
            }
        }
    }

    /// ` per customer per context.incident per 30 days` (a key by its
    /// label for staff); a counter of every use ever ends with the
    /// subjects.
    fn per_phrase(&self, subjects: &[Subject], window: WindowDef) -> String {
        let mut out = String::new();
        for s in subjects {
            out.push_str(" per ");
            match s {
                Subject::Key(k) => out.push_str(&self.input(&Input {
                    kind: InputKind::Context,
                    name: k.clone(),
                })),
                other => out.push_str(&other.key()),
            }
        }
        match window {
            WindowDef::Sliding(minutes) => {
                out.push_str(" per ");
                out.push_str(&format_duration(minutes));
            }
            WindowDef::Calendar(p) => {
                out.push_str(" per calendar ");
                out.push_str(p.as_str());
            }
            WindowDef::All => {}
        }
        out
    }

    /// `at most 2 per customer per 30 days`.
    pub fn count(&self, c: &CountLimit) -> String {
        format!(
            "at most {}{}",
            c.count,
            self.per_phrase(&c.subjects, c.window)
        )
    }

    /// `at most 150.00 USD in total per customer per 30 days`.
    pub fn total(&self, t: &TotalLimit) -> String {
        format!("at most {}", self.total_amount(t))
    }

    /// `150.00 USD in total per customer per 30 days`.
    pub fn total_amount(&self, t: &TotalLimit) -> String {
        format!(
            "{} in total{}",
            format_money(t.amount, self.model.currency.as_ref()),
            self.per_phrase(&t.subjects, t.window)
        )
    }
}

/// Whether an escalation from `from` to `to` applies: never to the role
/// itself or to one of its ancestors (LANGUAGE.md §4; the table's
/// `except_roles`).
pub fn escalation_applies(model: &Model, from: RoleId, to: RoleId) -> bool {
    from != to
        && model
            .roles
            .get(from)
            .is_some_and(|d| !d.ancestors.contains(&to))
}

/// A rule's box in one sentence, for its author.
pub fn rule(model: &Model, r: &RuleDef) -> String {
    let words = Words::new(model, &r.actions, Reader::Author);
    let roles = if r.any_role {
        "any role".to_string()
    } else {
        let names: Vec<String> = r.roles.iter().map(|x| words.role(*x)).collect();
        list(&names, "and")
    };
    let actions: Vec<String> = r.actions.iter().map(|a| words.action(*a)).collect();
    let actions = list(&actions, "or");
    let mut s = match r.effect {
        EffectKind::Permit => {
            let caps = match words.money_cap(&r.caps) {
                Some(amount) => format!(" up to {amount}"),
                None if r.caps.is_empty() => String::new(),
                None => format!(" with {}", list(&words.caps(&r.caps), "and")),
            };
            let mut s = format!("{roles} may {actions}{caps}");
            for r in &r.relations {
                s.push_str(&format!(", {}", words.relational_cap(r)));
            }
            s
        }
        EffectKind::Forbid => format!("{roles} may not {actions}"),
        EffectKind::Escalate => {
            let target = r.target.map_or_else(|| "?".to_string(), |t| words.role(t));
            format!("{actions} requests from {roles} escalate to {target}")
        }
    };
    match &r.customers {
        None | Some(Cond::True) => s.push_str(" for any customer"),
        Some(Cond::Segment(i)) => {
            s.push_str(&format!(
                " for {} customers",
                words.definition_label(DefinitionId::Segment(*i))
            ));
        }
        Some(c) => s.push_str(&format!(" for customers where {}", words.cond(c, 0))),
    }
    if let Some(c) = r.when.as_ref().filter(|c| **c != Cond::True) {
        s.push_str(&format!(" when {}", words.cond(c, 0)));
    }
    for c in &r.counts {
        s.push_str(&format!(", {}", words.count(c)));
    }
    for t in &r.totals {
        s.push_str(&format!(", {}", words.total(t)));
    }
    let obligations: Vec<String> = r.require.iter().map(|o| words.obligation(*o)).collect();
    if !obligations.is_empty() {
        s.push_str(&format!("; requires {}", list(&obligations, "and")));
    }
    let notify: Vec<String> = r.notify.iter().map(|x| words.role(*x)).collect();
    if !notify.is_empty() {
        s.push_str(&format!("; notifies {}", list(&notify, "and")));
    }
    if let Some(o) = r.otherwise {
        s.push_str(&format!("; otherwise escalates to {}", words.role(o)));
    }
    s
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use remit_diagnostics::{LintLevels, Sources};
    use remit_sema::model::{Id, SegmentId, SituationId};

    /// The hotel example, checked.
    pub(crate) fn hotel() -> Model {
        let mut sources = Sources::new();
        for (name, text) in [
            (
                "schema.remit",
                include_str!("../../../examples/hotel_front_desk/schema.remit"),
            ),
            (
                "rules.remit",
                include_str!("../../../examples/hotel_front_desk/rules.remit"),
            ),
        ] {
            sources.add(name, text);
        }
        let analysis = crate::analyze(sources, "hotel", &LintLevels::new());
        assert!(!analysis.checked.has_errors(), "{:?}", analysis.diagnostics);
        analysis.checked.model
    }

    fn rule_words(model: &Model, name: &str) -> String {
        let r = model.rules.iter().find(|r| r.name == name).unwrap();
        rule(model, r)
    }

    #[test]
    fn the_everyday_box_in_words() {
        assert_eq!(
            rule_words(&hotel(), "room_recovery"),
            "front_desk may refund up to 100.00 USD for loyal customers when service_failure, \
             at most 2 per customer per 30 days, at most 150.00 USD in total per customer per 30 days; \
             requires reason_code; otherwise escalates to duty_manager"
        );
    }

    #[test]
    fn conditions_with_units_and_enum_comparisons() {
        assert_eq!(
            rule_words(&hotel(), "long_wait_meal"),
            "front_desk may comp_meal up to 40.00 USD for any customer \
             when context.wait >= 30 minutes and context.channel == in_person, \
             at most 1 per customer per 1 day"
        );
    }

    #[test]
    fn forbids_and_escalations() {
        let model = hotel();
        assert_eq!(
            rule_words(&model, "no_abusers"),
            "front_desk and duty_manager may not refund, comp_meal, upgrade_room or waive_fee \
             for customers where customer.flagged_for_abuse"
        );
        assert_eq!(
            rule_words(&model, "billing_disputes"),
            "waive_fee requests from front_desk escalate to duty_manager for any customer \
             when context.incident == billing_error"
        );
        assert_eq!(
            rule_words(&model, "manager_recovery"),
            "duty_manager may refund or comp_meal up to 500.00 USD for any customer \
             when service_failure or context.incident == billing_error, \
             at most 1000.00 USD in total per customer per 90 days; \
             requires reason_code and photo_evidence; notifies general_manager; \
             otherwise escalates to general_manager"
        );
    }

    #[test]
    fn segments_keep_enum_order_and_grouping() {
        let model = hotel();
        let loyal = &model.segments[SegmentId::from_index(0)];
        assert_eq!(
            cond(&model, &[], &loyal.cond),
            "customer.tier in {gold, platinum} or customer.nights_this_year >= 10"
        );
        let nested = Cond::And(vec![
            loyal.cond.clone(),
            Cond::Not(Box::new(Cond::Situation(SituationId::from_index(0)))),
        ]);
        assert_eq!(
            cond(&model, &[], &nested),
            "(customer.tier in {gold, platinum} or customer.nights_this_year >= 10) \
             and not service_failure"
        );
    }

    #[test]
    fn staff_read_labels_and_words_not_identifiers() {
        let model = hotel();
        let loyal = &model.segments[SegmentId::from_index(0)];
        let nested = Cond::And(vec![
            loyal.cond.clone(),
            Cond::Not(Box::new(Cond::Situation(SituationId::from_index(0)))),
        ]);
        // `tier` and `nights_this_year` are labelled by their doc comments,
        // the situation by its name in words.
        let words = cond_words(&model, &[], &nested);
        assert!(
            !words.contains('_') && !words.contains("customer."),
            "{words}"
        );
        assert_eq!(
            words,
            "(loyalty tier is gold or platinum or nights stayed this year at least 10) \
             and not service failure"
        );
        let r = model.rules.iter().find(|r| r.name == "no_abusers").unwrap();
        assert_eq!(
            cond_words(&model, &r.actions, r.customers.as_ref().unwrap()),
            "flagged for abuse"
        );
    }

    #[test]
    fn negations_read_as_words_for_staff() {
        let model = hotel();
        let input = |name: &str| Input {
            kind: InputKind::Context,
            name: name.to_string(),
        };
        let not_in = Cond::Not(Box::new(Cond::In {
            input: input("incident"),
            variants: ["noise", "lost_item"]
                .iter()
                .map(|v| v.to_string())
                .collect(),
        }));
        assert_eq!(
            cond_words(&model, &[], &not_in),
            "incident is neither noise nor lost item"
        );
        let not_ge = Cond::Not(Box::new(Cond::Num {
            input: input("wait"),
            op: CmpOp::Ge,
            value: 30,
        }));
        assert_eq!(
            cond_words(&model, &[], &not_ge),
            "wait less than 30 minutes"
        );
        assert_eq!(
            cond(&model, &[], &not_ge),
            "not (context.wait >= 30 minutes)"
        );
    }

    #[test]
    fn a_false_flag_reads_as_english() {
        let model = hotel();
        let words = Words::new(&model, &[], Reader::Staff);
        assert_eq!(words.negated("has receipt"), "has no receipt");
        assert_eq!(words.negated("is overnight"), "is not overnight");
        assert_eq!(words.negated("flagged for abuse"), "not flagged for abuse");
        let author = Words::new(&model, &[], Reader::Author);
        assert_eq!(author.negated("has_receipt"), "not has_receipt");
    }

    #[test]
    fn definitions_follow_segments_into_segments_once() {
        let model = hotel();
        let c = Cond::Or(vec![
            Cond::Segment(SegmentId::from_index(0)),
            Cond::Situation(SituationId::from_index(0)),
            Cond::Segment(SegmentId::from_index(0)),
        ]);
        let defs = definitions(&model, &[], &c);
        let terms: Vec<&str> = defs.iter().map(|d| d.term.as_str()).collect();
        assert_eq!(terms, ["loyal guests", "service failure"]);
        assert_eq!(
            defs[1].meaning,
            "incident is noise, dirty room or late checkin"
        );
    }

    #[test]
    fn escalation_never_goes_to_oneself_or_down() {
        let model = hotel();
        let [fd, dm, gm] =
            ["front_desk", "duty_manager", "general_manager"].map(|n| model.role(n).unwrap());
        assert!(escalation_applies(&model, fd, dm));
        assert!(!escalation_applies(&model, dm, dm));
        assert!(!escalation_applies(&model, gm, dm));
        assert!(escalation_applies(&model, dm, gm));
    }

    #[test]
    fn lists_read_naturally() {
        let v = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(list(&v(&["a"]), "and"), "a");
        assert_eq!(list(&v(&["a", "b"]), "or"), "a or b");
        assert_eq!(list(&v(&["a", "b", "c"]), "and"), "a, b and c");
    }
}
