//! Literals with units: money in minor units, durations in minutes.

use crate::model::{Currency, Type};
use remit_diagnostics::{Code, Diagnostic, Span};
use remit_syntax::ast::Quantity;

/// Minutes per duration unit; singular and plural are both accepted.
pub fn duration_unit_minutes(unit: &str) -> Option<i64> {
    match unit {
        "minute" | "minutes" => Some(1),
        "hour" | "hours" => Some(60),
        "day" | "days" => Some(1440),
        "week" | "weeks" => Some(10_080),
        _ => None,
    }
}

/// Whether a unit looks like an ISO 4217 currency code.
pub fn is_currency_code(unit: &str) -> bool {
    unit.len() == 3 && unit.chars().all(|c| c.is_ascii_uppercase())
}

/// Minor-unit digits of a currency (ISO 4217); 2 unless listed.
pub fn currency_scale(code: &str) -> u32 {
    match code {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// Formats minor units as money: `8000` → `80.00 USD`.
pub fn format_money(minor: i64, currency: Option<&Currency>) -> String {
    let (code, scale) = currency.map_or(("", 2), |c| (c.code.as_str(), c.scale));
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let text = if scale == 0 {
        abs.to_string()
    } else {
        let div = 10u64.pow(scale);
        format!(
            "{}.{:0width$}",
            abs / div,
            abs % div,
            width = scale as usize
        )
    };
    if code.is_empty() {
        format!("{sign}{text}")
    } else {
        format!("{sign}{text} {code}")
    }
}

/// Formats minutes in the largest whole unit: `43200` → `30 days`.
pub fn format_duration(minutes: i64) -> String {
    let (n, unit) = if minutes != 0 && minutes % 10_080 == 0 && minutes / 10_080 < 52 {
        (minutes / 10_080, "week")
    } else if minutes != 0 && minutes % 1440 == 0 {
        (minutes / 1440, "day")
    } else if minutes != 0 && minutes % 60 == 0 {
        (minutes / 60, "hour")
    } else {
        (minutes, "minute")
    };
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// Evaluates a quantity as a value of `ty` (Int, Money or Duration),
/// reporting a missing or wrong unit. `what` names the thing it is
/// compared with or assigned to, for messages.
pub fn quantity_value(
    q: &Quantity,
    ty: &Type,
    what: &str,
    currency: Option<&Currency>,
    diags: &mut Vec<Diagnostic>,
) -> Option<i64> {
    match ty {
        Type::Money => money_value(q, what, currency, diags),
        Type::Duration => duration_value(q, what, diags),
        Type::Int => int_value(q, what, diags),
        other => {
            not_a_number(q, what, other, diags);
            None
        }
    }
}

/// The unit's name, and where to point at it (the whole quantity when it
/// has none).
fn unit_of(q: &Quantity) -> (Option<&str>, Span) {
    let unit = q.unit.as_ref().map(|u| u.name.as_str());
    let unit_span = q.unit.as_ref().map_or(q.span, |u| u.span);
    (unit, unit_span)
}

/// A `Money` quantity in minor units: the policy must declare a currency
/// and the quantity must be written in it.
fn money_value(
    q: &Quantity,
    what: &str,
    currency: Option<&Currency>,
    diags: &mut Vec<Diagnostic>,
) -> Option<i64> {
    let Some(currency) = currency else {
        diags.push(
            Diagnostic::new(
                Code::MISSING_CURRENCY,
                format!("`{what}` is money, but the policy declares no currency"),
                q.span,
                "money used here",
            )
            .help("declare the policy's currency once, e.g. `currency USD`"),
        );
        return None;
    };
    if !in_currency(q, what, currency, diags) {
        return None;
    }
    money_minor_units(q, currency, diags)
}

/// Whether a money quantity is written in the policy's currency,
/// reporting another currency, another unit or none.
fn in_currency(q: &Quantity, what: &str, currency: &Currency, diags: &mut Vec<Diagnostic>) -> bool {
    let (unit, unit_span) = unit_of(q);
    let raw = q.number.raw.as_str();
    match unit {
        Some(u) if u == currency.code => return true,
        Some(u) if is_currency_code(u) => {
            diags.push(
                Diagnostic::new(
                    Code::WRONG_CURRENCY,
                    format!(
                        "`{raw} {u}` is in `{u}`, but this policy's currency is `{}`",
                        currency.code
                    ),
                    unit_span,
                    format!("expected `{}`", currency.code),
                )
                .secondary(currency.span, "the policy's currency is declared here")
                .help(format!(
                    "a policy has one currency; write the amount in `{}`",
                    currency.code
                ))
                .fix(
                    format!("replace with `{}`", currency.code),
                    unit_span,
                    currency.code.clone(),
                ),
            );
        }
        Some(u) => {
            let kind = if duration_unit_minutes(u).is_some() {
                "a duration"
            } else {
                "not a currency"
            };
            diags.push(
                Diagnostic::new(
                    Code::WRONG_UNIT,
                    format!("`{raw} {u}` is {kind}, but `{what}` is `Money`"),
                    unit_span,
                    format!("expected `{}`", currency.code),
                )
                .help(format!(
                    "write an amount of money, e.g. `{raw} {}`",
                    currency.code
                )),
            );
        }
        None => {
            diags.push(
                Diagnostic::new(
                    Code::WRONG_UNIT,
                    format!("`{raw}` has no currency, but `{what}` is `Money`"),
                    q.span,
                    format!("expected `{raw} {}`", currency.code),
                )
                .help(format!("add the currency: `{raw} {}`", currency.code))
                .fix(
                    format!("add `{}`", currency.code),
                    Span {
                        start: q.span.end,
                        ..q.span
                    },
                    format!(" {}", currency.code),
                ),
            );
        }
    }
    false
}

/// A `Duration` quantity in minutes: a whole number of a duration unit.
fn duration_value(q: &Quantity, what: &str, diags: &mut Vec<Diagnostic>) -> Option<i64> {
    let (unit, unit_span) = unit_of(q);
    let raw = q.number.raw.as_str();
    let Some(per) = unit.and_then(duration_unit_minutes) else {
        let message = match unit {
            Some(u) => format!("`{u}` is not a duration unit, and `{what}` is a `Duration`"),
            None => format!("`{raw}` has no unit, but `{what}` is a `Duration`"),
        };
        let help = match unit {
            // Months have no fixed length (LANGUAGE.md §8.2).
            Some("month" | "months") => "months have no fixed length: count since the first of the month with `per calendar month`, or write a fixed duration such as `30 days`".to_string(),
            _ => format!("write a duration, e.g. `{raw} days`"),
        };
        diags.push(
            Diagnostic::new(
                Code::WRONG_UNIT,
                message,
                unit_span,
                "expected `minutes`, `hours`, `days` or `weeks`",
            )
            .help(help),
        );
        return None;
    };
    whole_number(q, diags)?
        .checked_mul(per)
        .or_else(|| too_large(q, diags))
}

/// An `Int` quantity: a whole number without a unit.
fn int_value(q: &Quantity, what: &str, diags: &mut Vec<Diagnostic>) -> Option<i64> {
    let (unit, unit_span) = unit_of(q);
    let raw = q.number.raw.as_str();
    if let Some(u) = unit {
        diags.push(
            Diagnostic::new(
                Code::WRONG_UNIT,
                format!("`{what}` is an `Int`, so `{raw}` takes no unit"),
                unit_span,
                format!("remove `{u}`"),
            )
            .help(format!("write the plain number `{raw}`"))
            .fix(
                format!("remove `{u}`"),
                Span {
                    start: q.number.span.end,
                    ..unit_span
                },
                "",
            ),
        );
        return None;
    }
    whole_number(q, diags)
}

/// Reports a quantity where a value of a non-numeric type is expected.
fn not_a_number(q: &Quantity, what: &str, ty: &Type, diags: &mut Vec<Diagnostic>) {
    diags.push(
        Diagnostic::new(
            Code::TYPE_MISMATCH,
            format!("`{what}` is `{ty}`, not a number"),
            q.span,
            format!("expected a `{ty}` value"),
        )
        .help(match ty {
            Type::Bool => "write `true` or `false`".to_string(),
            Type::Enum(e) => format!("write a variant of `{e}`"),
            Type::Set(e) => format!("write a set of `{e}` variants, e.g. `{{a, b}}`"),
            _ => "write a value of the right type".to_string(),
        }),
    );
}

fn whole_number(q: &Quantity, diags: &mut Vec<Diagnostic>) -> Option<i64> {
    if q.number.is_decimal() {
        diags.push(
            Diagnostic::new(
                Code::INVALID_NUMBER,
                format!("`{}` has decimals, which only money may have", q.number.raw),
                q.number.span,
                "expected a whole number",
            )
            .help("use a whole number; durations can use a smaller unit, e.g. `90 minutes`"),
        );
        return None;
    }
    q.number
        .digits()
        .parse::<i64>()
        .ok()
        .or_else(|| too_large(q, diags))
}

fn too_large(q: &Quantity, diags: &mut Vec<Diagnostic>) -> Option<i64> {
    diags.push(
        Diagnostic::new(
            Code::INVALID_NUMBER,
            format!("`{}` is too large", q.number.raw),
            q.span,
            "does not fit in a 64-bit integer",
        )
        .help("use a smaller number"),
    );
    None
}

fn money_minor_units(
    q: &Quantity,
    currency: &Currency,
    diags: &mut Vec<Diagnostic>,
) -> Option<i64> {
    let digits = q.number.digits();
    let (whole, frac) = digits.split_once('.').unwrap_or((&digits, ""));
    if frac.len() > currency.scale as usize {
        let hint = if currency.scale == 0 {
            format!(
                "`{}` has no minor unit; write a whole amount",
                currency.code
            )
        } else {
            format!(
                "`{}` has {} decimal places; round to e.g. `{}.{} {}`",
                currency.code,
                currency.scale,
                whole,
                &frac[..currency.scale as usize],
                currency.code
            )
        };
        diags.push(
            Diagnostic::new(
                Code::TOO_MANY_DECIMALS,
                format!(
                    "`{} {}` has more decimals than `{}` has minor units",
                    q.number.raw, currency.code, currency.code
                ),
                q.number.span,
                format!("at most {} decimal places", currency.scale),
            )
            .help(hint),
        );
        return None;
    }
    let scale = 10i64.pow(currency.scale);
    let whole: i64 = whole.parse().ok().or_else(|| too_large(q, diags))?;
    let mut frac_value: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    for _ in frac.len()..currency.scale as usize {
        frac_value *= 10;
    }
    whole
        .checked_mul(scale)
        .and_then(|w| w.checked_add(frac_value))
        .or_else(|| too_large(q, diags))
}

/// Days since 1970-01-01 as the author writes a date: `2026-12-24`.
pub fn format_date(days: i64) -> String {
    jiff::civil::date(1970, 1, 1)
        .checked_add(jiff::Span::new().days(days))
        .map_or_else(|_| days.to_string(), |d| d.to_string())
}

/// Minutes since midnight as the author writes a time: `22:30`.
pub fn format_time(minutes: i64) -> String {
    if (0..1440).contains(&minutes) {
        format!("{:02}:{:02}", minutes / 60, minutes % 60)
    } else {
        minutes.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use remit_diagnostics::{FileId, Span};
    use remit_syntax::ast::{Ident, NumberLit};

    fn q(raw: &str, unit: Option<&str>) -> Quantity {
        let span = Span::new(FileId(0), 0, 1);
        Quantity {
            number: NumberLit {
                raw: raw.into(),
                span,
            },
            unit: unit.map(|u| Ident {
                name: u.into(),
                span,
            }),
            span,
        }
    }

    fn usd() -> Currency {
        Currency {
            code: "USD".into(),
            scale: 2,
            span: Span::default(),
        }
    }

    #[test]
    fn money_is_minor_units() {
        let mut d = Vec::new();
        assert_eq!(
            quantity_value(
                &q("49.99", Some("USD")),
                &Type::Money,
                "amount",
                Some(&usd()),
                &mut d
            ),
            Some(4999)
        );
        assert_eq!(
            quantity_value(
                &q("1_000", Some("USD")),
                &Type::Money,
                "amount",
                Some(&usd()),
                &mut d
            ),
            Some(100_000)
        );
        assert_eq!(
            quantity_value(
                &q("0.5", Some("USD")),
                &Type::Money,
                "amount",
                Some(&usd()),
                &mut d
            ),
            Some(50)
        );
        assert!(d.is_empty());
        assert_eq!(
            quantity_value(
                &q("1.999", Some("USD")),
                &Type::Money,
                "amount",
                Some(&usd()),
                &mut d
            ),
            None
        );
        assert_eq!(d[0].code, Code::TOO_MANY_DECIMALS);
    }

    #[test]
    fn durations_are_minutes() {
        let mut d = Vec::new();
        assert_eq!(
            quantity_value(&q("30", Some("days")), &Type::Duration, "w", None, &mut d),
            Some(43_200)
        );
        assert_eq!(
            quantity_value(&q("1", Some("week")), &Type::Duration, "w", None, &mut d),
            Some(10_080)
        );
        assert_eq!(
            quantity_value(&q("5", Some("USD")), &Type::Duration, "w", None, &mut d),
            None
        );
        assert_eq!(d[0].code, Code::WRONG_UNIT);
    }

    #[test]
    fn wrong_currency_and_missing_unit() {
        let mut d = Vec::new();
        assert_eq!(
            quantity_value(
                &q("5", Some("EUR")),
                &Type::Money,
                "amount",
                Some(&usd()),
                &mut d
            ),
            None
        );
        assert_eq!(
            quantity_value(&q("5", None), &Type::Money, "amount", Some(&usd()), &mut d),
            None
        );
        assert_eq!(
            quantity_value(
                &q("5", Some("days")),
                &Type::Money,
                "amount",
                Some(&usd()),
                &mut d
            ),
            None
        );
        let codes: Vec<_> = d.iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            vec![Code::WRONG_CURRENCY, Code::WRONG_UNIT, Code::WRONG_UNIT]
        );
    }

    #[test]
    fn formatting() {
        assert_eq!(format_money(8000, Some(&usd())), "80.00 USD");
        assert_eq!(format_money(5, Some(&usd())), "0.05 USD");
        assert_eq!(format_duration(43_200), "30 days");
        assert_eq!(format_duration(60), "1 hour");
        assert_eq!(format_duration(20_160), "2 weeks");
        assert_eq!(format_duration(90), "90 minutes");
    }
}
