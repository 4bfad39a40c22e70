//! Guards for optional attributes (LANGUAGE.md §8.3): every read of an
//! optional attribute must sit under a `has` of it in the same conjunction,
//! or a `not has` of it in the same disjunction. A rule's `for`, `when`
//! and relational caps are one conjunction.

use crate::checker::Checker;
use remit_diagnostics::{Code, Diagnostic, Span};
use remit_syntax::ast::{Expr, ExprKind, Operand, Path, PathKind, Sum, Term};
use std::collections::BTreeSet;

impl Checker {
    /// Reports each unguarded read of an optional attribute in `conds`
    /// (one conjunction) and `sums` (read under the same conjunction).
    pub(crate) fn check_guards(&mut self, conds: &[&Expr], sums: &[&Sum]) {
        let mut top = BTreeSet::new();
        for e in conds {
            top_guards(e, &mut top);
        }
        let mut reads = Vec::new();
        for e in conds {
            walk(e, true, false, &top, &mut reads);
        }
        for s in sums {
            let mut paths = Vec::new();
            sum_paths(s, &mut paths);
            reads.extend(
                paths
                    .into_iter()
                    .filter(|(k, _)| !top.contains(k))
                    .map(|(k, span)| Read {
                        key: k,
                        span,
                        guard_at: None,
                    }),
            );
        }
        let mut seen = BTreeSet::new();
        for read in reads {
            if !self.optional_key(&read.key) || !seen.insert((read.key.clone(), read.span.start)) {
                continue;
            }
            let key = &read.key;
            let mut d = Diagnostic::new(
                Code::UNGUARDED_OPTIONAL,
                format!("`{key}` may be absent, and nothing here says what then"),
                read.span,
                "read without a `has` guard",
            )
            .help(format!(
                "guard it: `has {key} and …` applies only when it is given; `not has {key} or …` also applies when it is absent"
            ));
            // Inserted right before the comparison, `has x and` binds to it
            // alone (`and` binds tighter than `or`).
            if let Some(at) = read.guard_at {
                d = d.fix(
                    format!("apply only when `{key}` is given"),
                    Span {
                        end: at.start,
                        ..at
                    },
                    format!("has {key} and "),
                );
            }
            self.error(d);
        }
    }

    fn optional_key(&self, key: &str) -> bool {
        if let Some(name) = key.strip_prefix("customer.") {
            return self
                .customer
                .get(name)
                .is_some_and(|i| self.model.customer[*i].optional);
        }
        if let Some(name) = key.strip_prefix("context.") {
            return self
                .context
                .get(name)
                .is_some_and(|i| self.model.context[*i].optional);
        }
        false
    }
}

/// `customer.x` / `context.x`, or `None` for a bare name.
fn key(p: &Path) -> Option<String> {
    match &p.kind {
        PathKind::Customer(i) => Some(format!("customer.{}", i.name)),
        PathKind::Context(i) => Some(format!("context.{}", i.name)),
        PathKind::Name(_) => None,
    }
}

/// The `has` atoms that are conjuncts of the whole condition.
fn top_guards(e: &Expr, out: &mut BTreeSet<String>) {
    match &e.kind {
        ExprKind::Has(p) => out.extend(key(p)),
        ExprKind::And(parts) => parts.iter().for_each(|p| top_guards(p, out)),
        ExprKind::Paren(inner) => top_guards(inner, out),
        _ => {}
    }
}

/// The attribute a child guards: `has x` where the node is a conjunction
/// (`positive`), `not has x` where it is a disjunction.
fn guard_of(e: &Expr, wanted_positive: bool) -> Option<String> {
    match &e.kind {
        ExprKind::Has(p) if wanted_positive => key(p),
        ExprKind::Not(inner) => guard_of(inner, !wanted_positive),
        ExprKind::Paren(inner) => guard_of(inner, wanted_positive),
        _ => None,
    }
}

/// One read of an attribute: where, and where a `has` guard can be
/// inserted (the comparison's start, unless it is the operand of `not`).
struct Read {
    key: String,
    span: Span,
    guard_at: Option<Span>,
}

fn walk(
    e: &Expr,
    positive: bool,
    under_not: bool,
    guarded: &BTreeSet<String>,
    out: &mut Vec<Read>,
) {
    let guard_at = (!under_not).then_some(e.span);
    let mut leaf =
        |paths: Vec<(String, Span)>| {
            out.extend(paths.into_iter().filter(|(k, _)| !guarded.contains(k)).map(
                |(key, span)| Read {
                    key,
                    span,
                    guard_at,
                },
            ));
        };
    match &e.kind {
        ExprKind::And(parts) | ExprKind::Or(parts) => {
            let conjunctive = matches!(e.kind, ExprKind::And(_)) == positive;
            let mut inner = guarded.clone();
            // Under a conjunction a `has x` child guards its siblings; under a
            // disjunction a `not has x` child does (polarity included).
            inner.extend(
                parts
                    .iter()
                    .filter_map(|p| guard_of(p, conjunctive == positive)),
            );
            for p in parts {
                walk(p, positive, false, &inner, out);
            }
        }
        ExprKind::Not(inner) => walk(inner, !positive, true, guarded, out),
        ExprKind::Paren(inner) => walk(inner, positive, false, guarded, out),
        ExprKind::Has(_) | ExprKind::Bool(_) => {}
        ExprKind::Ref(p) => leaf(key(p).map(|k| (k, p.span)).into_iter().collect()),
        ExprKind::Compare { lhs, rhs, .. } | ExprKind::Contains { lhs, value: rhs } => {
            let mut paths = operand(lhs);
            paths.extend(operand(rhs));
            leaf(paths);
        }
        ExprKind::In { lhs, .. } => leaf(operand(lhs)),
    }
}

fn operand(o: &Operand) -> Vec<(String, Span)> {
    let mut out = Vec::new();
    match o {
        Operand::Path(p) => out.extend(key(p).map(|k| (k, p.span))),
        Operand::Sum(s) => sum_paths(s, &mut out),
        Operand::Quantity(_) | Operand::Bool(..) => {}
    }
    out
}

fn sum_paths(s: &Sum, out: &mut Vec<(String, Span)>) {
    for t in &s.terms {
        term_paths(&t.term, out);
    }
}

fn term_paths(t: &Term, out: &mut Vec<(String, Span)>) {
    match t {
        Term::Path(p) => out.extend(key(p).map(|k| (k, p.span))),
        Term::Percent { of, .. } | Term::Scaled { of, .. } => term_paths(of, out),
        Term::Product { left, right, .. } => {
            term_paths(left, out);
            term_paths(right, out);
        }
        Term::Call { args, .. } => args.iter().for_each(|a| sum_paths(a, out)),
        Term::Quantity(_) | Term::Date(_) | Term::Time(_) => {}
    }
}
