//! Quantity expressions (LANGUAGE.md §8.1): sums of attributes, literals,
//! percentages, literal multiples and `min`/`max`, checked for type and
//! linearity, then compared exactly.
//!
//! An expression evaluates to a [`Piecewise`] value: a linear form over
//! the inputs with rational coefficients (kept as integers over one
//! denominator), or the `min`/`max` of such values. A comparison of two
//! expressions becomes conditions on linear forms with integer
//! coefficients: `min`/`max` turn into `and`/`or`, a strict comparison is
//! tightened by one (all values are integers in table units), and the
//! coefficients are reduced by their greatest common divisor. Nothing is
//! ever rounded: `amount <= 20% of bill` is `5 × amount - bill <= 0`.

use crate::checker::Checker;
use crate::expr::Place;
use crate::model::{Cond, Input, Type};
use crate::units::{duration_unit_minutes, is_currency_code, quantity_value};
use remit_diagnostics::{Code, Diagnostic, Span};
use remit_syntax::ast::{CmpOp, Extremum, Operand, Sign, Sum, Term, TextLit};
use std::collections::BTreeMap;

/// The most linear pieces one expression may expand to through `min` and
/// `max`; a larger one is an error rather than unbounded work.
const MAX_PIECES: usize = 64;

/// A linear form `(Σ terms[x] × x + constant) / denominator`, in table
/// units of its type.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Linear {
    terms: BTreeMap<Input, i128>,
    constant: i128,
    denominator: i128,
}

impl Linear {
    fn constant(value: i128) -> Linear {
        Linear {
            terms: BTreeMap::new(),
            constant: value,
            denominator: 1,
        }
    }

    fn input(input: Input) -> Linear {
        Linear {
            terms: BTreeMap::from([(input, 1)]),
            constant: 0,
            denominator: 1,
        }
    }

    /// `self × numerator / denominator`.
    fn scaled(&self, numerator: i128, denominator: i128) -> Option<Linear> {
        let mut out = self.clone();
        for c in out.terms.values_mut() {
            *c = c.checked_mul(numerator)?;
        }
        out.constant = out.constant.checked_mul(numerator)?;
        out.denominator = out.denominator.checked_mul(denominator)?;
        Some(out.normalised())
    }

    fn plus(&self, other: &Linear) -> Option<Linear> {
        let d = self.denominator.checked_mul(other.denominator)?;
        let mut out = Linear {
            terms: BTreeMap::new(),
            constant: self
                .constant
                .checked_mul(other.denominator)?
                .checked_add(other.constant.checked_mul(self.denominator)?)?,
            denominator: d,
        };
        for (x, c) in &self.terms {
            out.terms
                .insert(x.clone(), c.checked_mul(other.denominator)?);
        }
        for (x, c) in &other.terms {
            let add = c.checked_mul(self.denominator)?;
            let e = out.terms.entry(x.clone()).or_insert(0);
            *e = e.checked_add(add)?;
        }
        out.terms.retain(|_, c| *c != 0);
        Some(out.normalised())
    }

    /// Divides everything by the common divisor of all parts.
    fn normalised(mut self) -> Linear {
        let mut g = gcd(self.denominator, self.constant);
        for c in self.terms.values() {
            g = gcd(g, *c);
        }
        if g > 1 {
            for c in self.terms.values_mut() {
                *c /= g;
            }
            self.constant /= g;
            self.denominator /= g;
        }
        self
    }
}

fn gcd(a: i128, b: i128) -> i128 {
    let (mut a, mut b) = (a.unsigned_abs(), b.unsigned_abs());
    while b != 0 {
        (a, b) = (b, a % b);
    }
    i128::try_from(a).unwrap_or(1)
}

/// A linear form, or the `min`/`max` of several.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piecewise {
    Linear(Linear),
    Max(Vec<Piecewise>),
    Min(Vec<Piecewise>),
}

impl Piecewise {
    fn pieces(&self) -> usize {
        match self {
            Piecewise::Linear(_) => 1,
            Piecewise::Max(v) | Piecewise::Min(v) => v.iter().map(Piecewise::pieces).sum(),
        }
    }

    fn map(&self, f: &mut dyn FnMut(&Linear) -> Option<Linear>) -> Option<Piecewise> {
        Some(match self {
            Piecewise::Linear(l) => Piecewise::Linear(f(l)?),
            Piecewise::Max(v) => Piecewise::Max(v.iter().map(|p| p.map(f)).collect::<Option<_>>()?),
            Piecewise::Min(v) => Piecewise::Min(v.iter().map(|p| p.map(f)).collect::<Option<_>>()?),
        })
    }

    fn negated(&self) -> Option<Piecewise> {
        Some(match self {
            Piecewise::Linear(l) => Piecewise::Linear(l.scaled(-1, 1)?),
            Piecewise::Max(v) => {
                Piecewise::Min(v.iter().map(Piecewise::negated).collect::<Option<_>>()?)
            }
            Piecewise::Min(v) => {
                Piecewise::Max(v.iter().map(Piecewise::negated).collect::<Option<_>>()?)
            }
        })
    }

    /// Scaling by a positive rational keeps `min` and `max` in place.
    fn scaled(&self, numerator: i128, denominator: i128) -> Option<Piecewise> {
        self.map(&mut |l| l.scaled(numerator, denominator))
    }

    fn plus(&self, other: &Piecewise) -> Option<Piecewise> {
        match (self, other) {
            (Piecewise::Linear(a), Piecewise::Linear(b)) => Some(Piecewise::Linear(a.plus(b)?)),
            (Piecewise::Max(v), o) | (o, Piecewise::Max(v)) => Some(Piecewise::Max(
                v.iter().map(|p| p.plus(o)).collect::<Option<_>>()?,
            )),
            (Piecewise::Min(v), o) | (o, Piecewise::Min(v)) => Some(Piecewise::Min(
                v.iter().map(|p| p.plus(o)).collect::<Option<_>>()?,
            )),
        }
    }

    /// The condition `self <= 0` (`< 0` when `strict`).
    fn at_most_zero(&self, strict: bool) -> Option<Cond> {
        Some(match self {
            Piecewise::Linear(l) => atom(l, strict)?,
            Piecewise::Max(v) => Cond::And(
                v.iter()
                    .map(|p| p.at_most_zero(strict))
                    .collect::<Option<_>>()?,
            ),
            Piecewise::Min(v) => Cond::Or(
                v.iter()
                    .map(|p| p.at_most_zero(strict))
                    .collect::<Option<_>>()?,
            ),
        })
    }
}

/// `l <= 0` (or `< 0`) as a condition on integers: no input is a
/// constant truth, one is an interval, more are a relation.
fn atom(l: &Linear, strict: bool) -> Option<Cond> {
    // Σ c·x + k <= 0 over integers (the denominator is positive) is
    // Σ c·x <= -k, and < 0 is <= -k - 1.
    let mut bound = l.constant.checked_neg()?;
    if strict {
        bound = bound.checked_sub(1)?;
    }
    let g = l.terms.values().fold(0, |g, c| gcd(g, *c));
    if g == 0 {
        return Some(if bound >= 0 { Cond::True } else { Cond::False });
    }
    let bound = bound.div_euclid(g);
    let terms: Vec<(Input, i128)> = l.terms.iter().map(|(x, c)| (x.clone(), c / g)).collect();
    if let [(input, c)] = terms.as_slice() {
        // c·x <= b: x <= b / c when c > 0, x >= -b / -c when c < 0.
        let (op, value) = if *c > 0 {
            (CmpOp::Le, bound.div_euclid(*c))
        } else {
            let q = bound.checked_neg()?;
            let d = c.checked_neg()?;
            (CmpOp::Ge, -((-q).div_euclid(d)))
        };
        return Some(Cond::Num {
            input: input.clone(),
            op,
            value: i64::try_from(value).ok()?,
        });
    }
    Some(Cond::Linear {
        terms: terms
            .into_iter()
            .map(|(x, c)| Some((x, i64::try_from(c).ok()?)))
            .collect::<Option<_>>()?,
        max: i64::try_from(bound).ok()?,
    })
}

/// The type of a quantity expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum QType {
    Int,
    Money,
    Duration,
    Date,
    Time,
}

impl QType {
    pub(crate) fn of(ty: &Type) -> Option<QType> {
        Some(match ty {
            Type::Int => QType::Int,
            Type::Money => QType::Money,
            Type::Duration => QType::Duration,
            Type::Date => QType::Date,
            Type::Time => QType::Time,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            QType::Int => "Int",
            QType::Money => "Money",
            QType::Duration => "Duration",
            QType::Date => "Date",
            QType::Time => "Time",
        }
    }

    fn ty(self) -> Type {
        match self {
            QType::Int => Type::Int,
            QType::Money => Type::Money,
            QType::Duration => Type::Duration,
            QType::Date => Type::Date,
            QType::Time => Type::Time,
        }
    }
}

/// A checked expression: its type and value.
type Checked = (QType, Piecewise);

const MINUTES_PER_DAY: i128 = 1440;

impl Checker {
    /// `lhs OP rhs` where either side is a quantity expression or both are
    /// attributes: a condition on linear forms, or `Cond::False` after an
    /// error.
    pub(crate) fn linear_compare(
        &mut self,
        lhs: &Operand,
        op: CmpOp,
        rhs: &Operand,
        span: Span,
        place: Place<'_>,
    ) -> Cond {
        let (Some(l), Some(r)) = (lhs.to_sum(), rhs.to_sum()) else {
            self.error(
                Diagnostic::new(
                    Code::TYPE_MISMATCH,
                    "`true` and `false` cannot be compared with a quantity",
                    span,
                    "a `Bool` beside a quantity",
                )
                .help("compare a `Bool` attribute with `true` or `false`, and quantities with each other"),
            );
            return Cond::False;
        };
        let (Some((lt, lv)), Some((rt, rv))) = (self.sum(&l, place), self.sum(&r, place)) else {
            return Cond::False;
        };
        if lt != rt {
            self.quantity_mismatch(lt, l.span, rt, r.span, "compared with");
            return Cond::False;
        }
        let cond = comparison(&lv, op, &rv);
        match cond {
            Some(c) => c,
            None => {
                self.too_large(span);
                Cond::False
            }
        }
    }

    fn too_large(&mut self, span: Span) {
        self.error(
            Diagnostic::new(
                Code::INVALID_NUMBER,
                "this comparison's numbers are too large to compare exactly",
                span,
                "beyond 64-bit table values",
            )
            .help("use smaller amounts or percentages"),
        );
    }

    fn quantity_mismatch(&mut self, a: QType, a_span: Span, b: QType, b_span: Span, how: &str) {
        let help = match (a, b) {
            (QType::Money, QType::Int) | (QType::Int, QType::Money) => {
                let code = self.model.currency.as_ref().map_or("USD", |c| c.code.as_str()).to_string();
                format!("to turn a count into money, multiply it by an amount, e.g. `10 {code} * context.nights`")
            }
            (QType::Duration, QType::Int) | (QType::Int, QType::Duration) => {
                "to turn a count into a duration, multiply it by one, e.g. `2 hours * context.nights`".to_string()
            }
            (QType::Date, QType::Time) | (QType::Time, QType::Date) => {
                "compare dates with dates (`2026-12-24`) and times of day with times (`22:30`)".to_string()
            }
            _ => format!("both sides must be `{}`, or both `{}`", a.name(), b.name()),
        };
        self.error(
            Diagnostic::new(
                Code::TYPE_MISMATCH,
                format!("a `{}` is {how} a `{}`", a.name(), b.name()),
                b_span,
                format!("this is `{}`", b.name()),
            )
            .secondary(a_span, format!("this is `{}`", a.name()))
            .help(help),
        );
    }

    /// Checks a quantity expression: its type and value.
    fn sum(&mut self, sum: &Sum, place: Place<'_>) -> Option<Checked> {
        let mut acc: Option<Checked> = None;
        let mut ok = true;
        for t in &sum.terms {
            let Some((ty, value)) = self.term(&t.term, place) else {
                ok = false;
                continue;
            };
            let Some((acc_ty, acc_value)) = acc.take() else {
                acc = Some((ty, value));
                continue;
            };
            let sign_span = t.sign_span.unwrap_or(t.term.span());
            if acc_ty == QType::Time || ty == QType::Time {
                self.error(
                    Diagnostic::new(
                        Code::NOT_LINEAR,
                        "times of day cannot be added or subtracted",
                        sign_span,
                        "arithmetic on a `Time`",
                    )
                    .help("compare a time of day directly, e.g. `context.local_time >= 22:00 or context.local_time < 06:00`"),
                );
                ok = false;
                continue;
            }
            let (result_ty, lhs, rhs) = match (acc_ty, ty, t.sign) {
                (a, b, _) if a == b && a != QType::Date => (a, acc_value, value),
                (QType::Date, QType::Date, Sign::Minus) => (
                    QType::Duration,
                    acc_value.scaled(MINUTES_PER_DAY, 1)?,
                    value.scaled(MINUTES_PER_DAY, 1)?,
                ),
                (QType::Date, QType::Duration, _) => {
                    if !self.whole_days(&t.term, &value) {
                        ok = false;
                        continue;
                    }
                    (QType::Date, acc_value, value.scaled(1, MINUTES_PER_DAY)?)
                }
                (QType::Duration, QType::Date, Sign::Plus) => {
                    (QType::Date, acc_value.scaled(1, MINUTES_PER_DAY)?, value)
                }
                (QType::Date, QType::Date, Sign::Plus) => {
                    self.error(
                        Diagnostic::new(Code::TYPE_MISMATCH, "two dates cannot be added", sign_span, "`Date + Date`")
                            .help("subtract them for the days between (`context.today - context.booked`), or add a duration to one (`context.booked + 14 days`)"),
                    );
                    ok = false;
                    continue;
                }
                (a, b, _) => {
                    self.quantity_mismatch(a, sum.span, b, t.term.span(), "combined with");
                    ok = false;
                    continue;
                }
            };
            let rhs = match t.sign {
                Sign::Plus => rhs,
                Sign::Minus => rhs.negated()?,
            };
            let Some(total) = lhs.plus(&rhs) else {
                self.too_large(sum.span);
                return None;
            };
            if total.pieces() > MAX_PIECES {
                self.too_many_pieces(sum.span);
                return None;
            }
            acc = Some((result_ty, total));
        }
        if ok {
            acc
        } else {
            None
        }
    }

    fn too_many_pieces(&mut self, span: Span) {
        self.error(
            Diagnostic::new(
                Code::RULE_TOO_LARGE,
                format!("this expression expands to more than {MAX_PIECES} cases through `min` and `max`"),
                span,
                "too many cases",
            )
            .help("split the rule, or have the caller compute part of the expression as an attribute"),
        );
    }

    /// Whether a duration added to a date is whole days (a literal only:
    /// an attribute's value is exact whatever it is).
    fn whole_days(&mut self, term: &Term, value: &Piecewise) -> bool {
        let Term::Quantity(q) = term else {
            return true;
        };
        let Piecewise::Linear(l) = value else {
            return true;
        };
        if l.terms.is_empty() && l.constant % (MINUTES_PER_DAY * l.denominator) != 0 {
            self.error(
                Diagnostic::new(
                    Code::WRONG_UNIT,
                    "a duration added to a date must be whole days",
                    q.span,
                    "not whole days",
                )
                .help("write the duration in days, e.g. `14 days`"),
            );
            return false;
        }
        true
    }

    fn term(&mut self, term: &Term, place: Place<'_>) -> Option<Checked> {
        match term {
            Term::Path(p) => {
                let (input, ty) = self.numeric_input(p, place)?;
                let ty = QType::of(&ty)?;
                Some((ty, Piecewise::Linear(Linear::input(input))))
            }
            Term::Quantity(q) => {
                let ty = match q.unit.as_ref().map(|u| u.name.as_str()) {
                    Some(u) if is_currency_code(u) => QType::Money,
                    Some(u) if duration_unit_minutes(u).is_some() => QType::Duration,
                    _ => QType::Int,
                };
                let currency = self.model.currency.clone();
                let v = quantity_value(
                    q,
                    &ty.ty(),
                    "the expression",
                    currency.as_ref(),
                    &mut self.diags,
                )?;
                Some((ty, Piecewise::Linear(Linear::constant(i128::from(v)))))
            }
            Term::Date(d) => {
                let days = self.date_literal(d)?;
                Some((
                    QType::Date,
                    Piecewise::Linear(Linear::constant(i128::from(days))),
                ))
            }
            Term::Time(t) => {
                let minutes = self.time_literal(t)?;
                Some((
                    QType::Time,
                    Piecewise::Linear(Linear::constant(i128::from(minutes))),
                ))
            }
            Term::Percent { percent, of, .. } => {
                let (numerator, denominator) = self.percentage(percent)?;
                let (ty, value) = self.term(of, place)?;
                if matches!(ty, QType::Date | QType::Time) {
                    self.not_scalable(ty, of.span());
                    return None;
                }
                Some((ty, value.scaled(numerator, denominator)?))
            }
            Term::Scaled { factor, of, .. } => {
                let (fty, fvalue) = self.term(&Term::Quantity(factor.clone()), place)?;
                let (ty, value) = self.term(of, place)?;
                let Piecewise::Linear(f) = fvalue else {
                    return None;
                };
                let n = f.constant;
                let result = match (fty, ty) {
                    (QType::Int, t @ (QType::Int | QType::Money | QType::Duration)) => t,
                    (t @ (QType::Money | QType::Duration), QType::Int) => t,
                    (_, QType::Date | QType::Time) => {
                        self.not_scalable(ty, of.span());
                        return None;
                    }
                    (a, b) => {
                        self.error(
                            Diagnostic::new(
                                Code::NOT_LINEAR,
                                format!("a `{}` times a `{}` is not a quantity", a.name(), b.name()),
                                factor.span.to(of.span()),
                                "a product of two measures",
                            )
                            .help("multiply an amount or a duration by a count (`10 USD * context.nights`), or have the caller supply the product as an attribute"),
                        );
                        return None;
                    }
                };
                if n < 0 {
                    return None;
                }
                Some((result, value.scaled(n, 1)?))
            }
            Term::Call {
                name,
                extremum,
                args,
                span,
            } => {
                let Some(extremum) = extremum else {
                    self.error(
                        Diagnostic::new(
                            Code::UNKNOWN_NAME,
                            format!("unknown function `{}`", name.name),
                            name.span,
                            "not `min` or `max`",
                        )
                        .help("quantity expressions know `min(a, b, …)` and `max(a, b, …)`"),
                    );
                    return None;
                };
                let mut ty: Option<(QType, Span)> = None;
                let mut values = Vec::new();
                let mut ok = true;
                for a in args {
                    let Some((t, v)) = self.sum(a, place) else {
                        ok = false;
                        continue;
                    };
                    match ty {
                        Some((first, first_span)) if first != t => {
                            self.quantity_mismatch(
                                first,
                                first_span,
                                t,
                                a.span,
                                &format!("in one `{}` with", extremum.as_str()),
                            );
                            ok = false;
                        }
                        Some(_) => {}
                        None => ty = Some((t, a.span)),
                    }
                    values.push(v);
                }
                let (ty, _) = ty?;
                if !ok {
                    return None;
                }
                let value = match extremum {
                    Extremum::Min => Piecewise::Min(values),
                    Extremum::Max => Piecewise::Max(values),
                };
                if value.pieces() > MAX_PIECES {
                    self.too_many_pieces(*span);
                    return None;
                }
                Some((ty, value))
            }
        }
    }

    fn not_scalable(&mut self, ty: QType, span: Span) {
        self.error(
            Diagnostic::new(
                Code::NOT_LINEAR,
                format!("a `{}` cannot be scaled", ty.name()),
                span,
                format!("this is `{}`", ty.name()),
            )
            .help("percentages and multiples apply to `Int`, `Money` and `Duration` values"),
        );
    }

    /// `P%` as the fraction `numerator / denominator`; at most two decimals.
    fn percentage(&mut self, p: &remit_syntax::ast::NumberLit) -> Option<(i128, i128)> {
        let digits = p.digits();
        let (whole, frac) = digits.split_once('.').unwrap_or((&digits, ""));
        if frac.len() > 2 {
            self.error(
                Diagnostic::new(
                    Code::TOO_MANY_DECIMALS,
                    format!(
                        "a percentage has at most two decimals, but `{}%` has {}",
                        p.raw,
                        frac.len()
                    ),
                    p.span,
                    "too many decimals",
                )
                .help("round the percentage to two decimals, e.g. `12.25%`"),
            );
            return None;
        }
        let numerator: i128 = format!("{whole}{frac}").parse().ok()?;
        let denominator = 100 * 10_i128.pow(u32::try_from(frac.len()).ok()?);
        Some((numerator, denominator))
    }

    /// `2026-12-24` as days since 1970-01-01.
    pub(crate) fn date_literal(&mut self, d: &TextLit) -> Option<i64> {
        match d.raw.parse::<jiff::civil::Date>() {
            Ok(date) => Some(days_since_epoch(date)),
            Err(_) => {
                self.error(
                    Diagnostic::new(
                        Code::INVALID_NUMBER,
                        format!("`{}` is not a calendar date", d.raw),
                        d.span,
                        "no such date",
                    )
                    .help("write a date as `YYYY-MM-DD`, e.g. `2026-12-24`"),
                );
                None
            }
        }
    }

    /// `22:30` as minutes since midnight.
    pub(crate) fn time_literal(&mut self, t: &TextLit) -> Option<i64> {
        let parsed = t.raw.split_once(':').and_then(|(h, m)| {
            let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
            (h < 24 && m < 60 && t.raw.len() == 5).then_some(h * 60 + m)
        });
        if parsed.is_none() {
            self.error(
                Diagnostic::new(
                    Code::INVALID_NUMBER,
                    format!("`{}` is not a time of day", t.raw),
                    t.span,
                    "expected `HH:MM` from `00:00` to `23:59`",
                )
                .help("write a time of day with two digits each, e.g. `06:00` or `22:30`"),
            );
        }
        parsed
    }
}

/// Days from 1970-01-01 to `date`.
pub fn days_since_epoch(date: jiff::civil::Date) -> i64 {
    let epoch = jiff::civil::date(1970, 1, 1);
    i64::from(
        date.since((jiff::Unit::Day, epoch))
            .map_or(0, |s| s.get_days()),
    )
}

/// `lhs OP rhs` as a condition, or `None` when the numbers overflow.
fn comparison(lhs: &Piecewise, op: CmpOp, rhs: &Piecewise) -> Option<Cond> {
    let d = lhs.plus(&rhs.negated()?)?;
    let neg = d.negated()?;
    Some(match op {
        CmpOp::Le => d.at_most_zero(false)?,
        CmpOp::Lt => d.at_most_zero(true)?,
        CmpOp::Ge => neg.at_most_zero(false)?,
        CmpOp::Gt => neg.at_most_zero(true)?,
        CmpOp::Eq => Cond::And(vec![d.at_most_zero(false)?, neg.at_most_zero(false)?]),
        CmpOp::Ne => Cond::Or(vec![d.at_most_zero(true)?, neg.at_most_zero(true)?]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::InputKind;

    fn x(name: &str) -> Input {
        Input {
            kind: InputKind::Context,
            name: name.to_string(),
        }
    }

    #[test]
    fn a_percentage_cap_is_one_reduced_relation() {
        // amount <= 20% of bill  ⇔  5·amount - bill <= 0
        let amount = Piecewise::Linear(Linear::input(x("amount")));
        let bill = Piecewise::Linear(Linear::input(x("bill")));
        let cond = comparison(&amount, CmpOp::Le, &bill.scaled(20, 100).unwrap()).unwrap();
        assert_eq!(
            cond,
            Cond::Linear {
                terms: vec![(x("amount"), 5), (x("bill"), -1)],
                max: 0
            }
        );
    }

    #[test]
    fn a_strict_comparison_is_tightened_by_one() {
        let a = Piecewise::Linear(Linear::input(x("a")));
        let b = Piecewise::Linear(Linear::input(x("b")));
        let cond = comparison(&a, CmpOp::Lt, &b).unwrap();
        assert_eq!(
            cond,
            Cond::Linear {
                terms: vec![(x("a"), 1), (x("b"), -1)],
                max: -1
            }
        );
    }

    #[test]
    fn one_input_is_an_interval_rounded_the_right_way() {
        // 2·a <= 7 ⇔ a <= 3; 2·a >= 7 ⇔ a >= 4.
        let a = Piecewise::Linear(Linear::input(x("a")));
        let seven = Piecewise::Linear(Linear::constant(7));
        let two_a = a.scaled(2, 1).unwrap();
        assert_eq!(
            comparison(&two_a, CmpOp::Le, &seven).unwrap(),
            Cond::Num {
                input: x("a"),
                op: CmpOp::Le,
                value: 3
            }
        );
        assert_eq!(
            comparison(&two_a, CmpOp::Ge, &seven).unwrap(),
            Cond::Num {
                input: x("a"),
                op: CmpOp::Ge,
                value: 4
            }
        );
    }

    #[test]
    fn max_on_the_right_of_at_most_is_a_disjunction() {
        let a = Piecewise::Linear(Linear::input(x("a")));
        let m = Piecewise::Max(vec![
            Piecewise::Linear(Linear::input(x("b"))),
            Piecewise::Linear(Linear::constant(25)),
        ]);
        let cond = comparison(&a, CmpOp::Le, &m).unwrap();
        assert!(matches!(cond, Cond::Or(ref v) if v.len() == 2), "{cond:?}");
    }

    #[test]
    fn dates_count_days_from_the_epoch() {
        assert_eq!(days_since_epoch(jiff::civil::date(1970, 1, 1)), 0);
        assert_eq!(days_since_epoch(jiff::civil::date(1970, 1, 2)), 1);
        assert_eq!(days_since_epoch(jiff::civil::date(1969, 12, 31)), -1);
        assert_eq!(days_since_epoch(jiff::civil::date(2026, 12, 24)), 20811);
    }
}
