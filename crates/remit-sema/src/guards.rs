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
            walk(e, true, &top, &mut reads);
        }
        for s in sums {
            let mut paths = Vec::new();
            sum_paths(s, &mut paths);
            reads.extend(paths.into_iter().filter(|(k, _)| !top.contains(k)));
        }
        let mut seen = BTreeSet::new();
        for (key, span) in reads {
            if !self.optional_key(&key) || !seen.insert((key.clone(), span.start)) {
                continue;
            }
            self.error(
                Diagnostic::new(
                    Code::UNGUARDED_OPTIONAL,
                    format!("`{key}` may be absent, and nothing here says what then"),
                    span,
                    "read without a `has` guard",
                )
                .help(format!(
                    "guard it: `has {key} and …` applies only when it is given; `not has {key} or …` also applies when it is absent"
                )),
            );
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

fn walk(e: &Expr, positive: bool, guarded: &BTreeSet<String>, out: &mut Vec<(String, Span)>) {
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
                walk(p, positive, &inner, out);
            }
        }
        ExprKind::Not(inner) => walk(inner, !positive, guarded, out),
        ExprKind::Paren(inner) => walk(inner, positive, guarded, out),
        ExprKind::Has(_) | ExprKind::Bool(_) => {}
        ExprKind::Ref(p) => read(p, guarded, out),
        ExprKind::Compare { lhs, rhs, .. } | ExprKind::Contains { lhs, value: rhs } => {
            operand(lhs, guarded, out);
            operand(rhs, guarded, out);
        }
        ExprKind::In { lhs, .. } => operand(lhs, guarded, out),
    }
}

fn read(p: &Path, guarded: &BTreeSet<String>, out: &mut Vec<(String, Span)>) {
    if let Some(k) = key(p) {
        if !guarded.contains(&k) {
            out.push((k, p.span));
        }
    }
}

fn operand(o: &Operand, guarded: &BTreeSet<String>, out: &mut Vec<(String, Span)>) {
    match o {
        Operand::Path(p) => read(p, guarded, out),
        Operand::Sum(s) => {
            let mut paths = Vec::new();
            sum_paths(s, &mut paths);
            out.extend(paths.into_iter().filter(|(k, _)| !guarded.contains(k)));
        }
        Operand::Quantity(_) | Operand::Bool(..) => {}
    }
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
        Term::Call { args, .. } => args.iter().for_each(|a| sum_paths(a, out)),
        Term::Quantity(_) | Term::Date(_) | Term::Time(_) => {}
    }
}
