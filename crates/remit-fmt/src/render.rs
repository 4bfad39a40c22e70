//! Canonical text of the syntax tree's leaves: names, literals, operands,
//! types, effects and one-line clauses. Everything here prints on one line.

use remit_syntax::ast::{
    Annotation, CapOp, ClauseKind, Effect, EffectKind, Expectation, FieldValue, HistoryEntry,
    Ident, Names, Operand, Path, PathKind, Quantity, SetLit, Sign, StringLit, Subject, Sum, Term,
    TypeExpr, Value, Window,
};

/// A string literal with `\` and `"` escaped again.
pub(crate) fn string(s: &StringLit) -> String {
    let mut out = String::with_capacity(s.value.len() + 2);
    out.push('"');
    for c in s.value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// `42`, `1_000 USD`, `30 minutes`: the number as written, one space, the unit.
pub(crate) fn quantity(q: &Quantity) -> String {
    match &q.unit {
        Some(unit) => format!("{} {}", q.number.raw, unit.name),
        None => q.number.raw.clone(),
    }
}

/// `a, b, c`
pub(crate) fn idents(list: &[Ident]) -> String {
    let names: Vec<&str> = list.iter().map(|i| i.name.as_str()).collect();
    names.join(", ")
}

/// `any` or `a, b`
pub(crate) fn names(n: &Names) -> String {
    match n {
        Names::Any(_) => "any".to_string(),
        Names::List(list) => idents(list),
    }
}

/// `{a, b}`
pub(crate) fn set(s: &SetLit) -> String {
    format!("{{{}}}", idents(&s.items))
}

/// `customer.tier`, `context.wait`, `amount`
pub(crate) fn path(p: &Path) -> String {
    match &p.kind {
        PathKind::Customer(i) => format!("customer.{}", i.name),
        PathKind::Context(i) => format!("context.{}", i.name),
        PathKind::Name(i) => i.name.clone(),
    }
}

/// A path, a quantity or a boolean.
pub(crate) fn operand(o: &Operand) -> String {
    match o {
        Operand::Path(p) => path(p),
        Operand::Quantity(q) => quantity(q),
        Operand::Bool(b, _) => b.to_string(),
        Operand::Sum(e) => sum(e),
    }
}

/// `context.bill_total - context.refunded_so_far`
pub(crate) fn sum(e: &Sum) -> String {
    let mut out = String::new();
    for (i, t) in e.terms.iter().enumerate() {
        if i > 0 {
            out.push_str(match t.sign {
                Sign::Plus => " + ",
                Sign::Minus => " - ",
            });
        }
        out.push_str(&term(&t.term));
    }
    out
}

/// One term: `20% of context.bill_total`, `10.34 GBP * context.days`,
/// `max(a, b)`.
pub(crate) fn term(t: &Term) -> String {
    match t {
        Term::Path(p) => path(p),
        Term::Quantity(q) => quantity(q),
        Term::Date(d) | Term::Time(d) => d.raw.clone(),
        Term::Percent { percent, of, .. } => format!("{}% of {}", percent.raw, term(of)),
        Term::Scaled {
            factor,
            of,
            factor_first,
            ..
        } => {
            if *factor_first {
                format!("{} * {}", quantity(factor), term(of))
            } else {
                format!("{} * {}", term(of), quantity(factor))
            }
        }
        Term::Call { name, args, .. } => {
            let args: Vec<String> = args.iter().map(sum).collect();
            format!("{}({})", name.name, args.join(", "))
        }
    }
}

/// `per customer per context.incident per calendar month`
fn per(subjects: &[Subject], window: Option<&Window>) -> String {
    let mut out = String::new();
    for s in subjects {
        out.push_str(" per ");
        match s {
            Subject::Customer(_) => out.push_str("customer"),
            Subject::Employee(_) => out.push_str("employee"),
            Subject::Key(p) => out.push_str(&path(p)),
        }
    }
    match window {
        Some(Window::Sliding(q)) => {
            out.push_str(" per ");
            out.push_str(&quantity(q));
        }
        Some(Window::Calendar { period, .. }) => {
            out.push_str(" per calendar ");
            out.push_str(&period.name);
        }
        None => {}
    }
    out
}

/// `Int`, `Set<Product>`
pub(crate) fn type_expr(t: &TypeExpr) -> String {
    match t {
        TypeExpr::Named(i) => i.name.clone(),
        TypeExpr::Set { set, element, .. } => format!("{}<{}>", set.name, element.name),
    }
}

/// `@allow(a, b)`
pub(crate) fn annotation(a: &Annotation) -> String {
    format!("@{}({})", a.name.name, idents(&a.lints))
}

/// `permit R to A`, `forbid R to A`, `escalate A from R to T`.
pub(crate) fn effect(e: &Effect) -> String {
    match e.kind {
        EffectKind::Permit | EffectKind::Forbid => format!(
            "{} {} to {}",
            e.kind.as_str(),
            names(&e.roles),
            names(&e.actions)
        ),
        EffectKind::Escalate => {
            let target = e.target.as_ref().map_or("", |t| t.name.as_str());
            format!(
                "escalate {} from {} to {target}",
                names(&e.actions),
                names(&e.roles)
            )
        }
    }
}

/// A clause that has no expression; `None` for `for EXPR` and `when EXPR`.
pub(crate) fn simple_clause(kind: &ClauseKind) -> Option<String> {
    Some(match kind {
        ClauseKind::ForAnyCustomer => "for any customer".to_string(),
        ClauseKind::For(_) | ClauseKind::When(_) | ClauseKind::Error => return None,
        ClauseKind::Cap { param, op, value } => {
            let op = match op {
                CapOp::Le => "<=",
                CapOp::Lt => "<",
            };
            format!("limit {} {op} {}", param.name, quantity(value))
        }
        ClauseKind::RelCap { param, op, bound } => {
            let op = match op {
                CapOp::Le => "<=",
                CapOp::Lt => "<",
            };
            format!("limit {} {op} {}", param.name, sum(bound))
        }
        ClauseKind::Count {
            count,
            subjects,
            window,
        } => format!("limit {}{}", count.raw, per(subjects, window.as_ref())),
        ClauseKind::Total {
            amount,
            subjects,
            window,
        } => format!(
            "limit total {}{}",
            quantity(amount),
            per(subjects, window.as_ref())
        ),
        ClauseKind::Aims(list) => format!("aims {}", idents(list)),
        ClauseKind::Require(list) => format!("require {}", idents(list)),
        ClauseKind::Notify(list) => format!("notify {}", idents(list)),
        ClauseKind::Otherwise(role) => format!("otherwise escalate to {}", role.name),
    })
}

/// A value in a test.
pub(crate) fn value(v: &Value) -> String {
    match v {
        Value::Quantity(q) => quantity(q),
        Value::Bool(b, _) => b.to_string(),
        Value::Variant(i) => i.name.clone(),
        Value::Set(s) => set(s),
        Value::Str(s) => string(s),
        Value::Date(t) | Value::Time(t) => t.raw.clone(),
    }
}

/// `tier: gold`
pub(crate) fn field_value(f: &FieldValue) -> String {
    format!("{}: {}", f.name.name, value(&f.value))
}

/// `refund 30 USD 3 days ago`, `refund 30 USD 3 days ago for { incident: "INC-7" }`
pub(crate) fn history_entry(h: &HistoryEntry) -> String {
    let entry = history_use(h);
    if h.keys.is_empty() {
        return entry;
    }
    let keys: Vec<String> = h.keys.iter().map(field_value).collect();
    format!("{entry} for {{ {} }}", keys.join(", "))
}

fn history_use(h: &HistoryEntry) -> String {
    match &h.amount {
        Some(amount) => format!(
            "{} {} {} ago",
            h.action.name,
            quantity(amount),
            quantity(&h.ago)
        ),
        None => format!("{} {} ago", h.action.name, quantity(&h.ago)),
    }
}

/// `expect permit requiring a`, `expect deny`, `expect escalate to r`.
pub(crate) fn expectation(e: &Expectation) -> String {
    match e {
        Expectation::Permit { requiring: None } => "expect permit".to_string(),
        Expectation::Permit {
            requiring: Some(list),
        } => format!("expect permit requiring {}", idents(list)),
        Expectation::Deny => "expect deny".to_string(),
        Expectation::Escalate(role) => format!("expect escalate to {}", role.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use remit_diagnostics::Span;
    use remit_syntax::ast::NumberLit;

    fn ident(name: &str) -> Ident {
        Ident {
            name: name.into(),
            span: Span::default(),
        }
    }

    #[test]
    fn strings_are_escaped_again() {
        let s = StringLit {
            value: r#"say "hi" \ bye"#.into(),
            span: Span::default(),
        };
        assert_eq!(string(&s), r#""say \"hi\" \\ bye""#);
    }

    #[test]
    fn quantities_keep_their_digits() {
        let q = Quantity {
            number: NumberLit {
                raw: "1_000.50".into(),
                span: Span::default(),
            },
            unit: Some(ident("USD")),
            span: Span::default(),
        };
        assert_eq!(quantity(&q), "1_000.50 USD");
    }

    #[test]
    fn names_and_sets() {
        assert_eq!(names(&Names::Any(Span::default())), "any");
        assert_eq!(names(&Names::List(vec![ident("a"), ident("b")])), "a, b");
        let empty = SetLit {
            items: vec![],
            span: Span::default(),
        };
        assert_eq!(set(&empty), "{}");
    }
}
