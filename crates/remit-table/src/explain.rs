//! Explanations in the author's terms: each failing constraint as its
//! clause, with values in units (money by the currency's scale, durations
//! in minutes, hours or days, dates and times of day as written), never
//! as raw minor units or shifted bounds (TABLE.md, "Format 2").

use crate::compile::{Check, Linear, Slot, Test};
use crate::eval::{Failed, Val, Values};
use crate::exact::Sum;
use crate::load::Evaluator;
use crate::v2::{CounterInfo, InputType, Measure, Window};

/// How one value of one slot reads.
pub(crate) struct Units<'e> {
    evaluator: &'e Evaluator,
}

impl<'e> Units<'e> {
    pub fn new(evaluator: &'e Evaluator) -> Self {
        Units { evaluator }
    }

    fn counter(&self, slot: &Slot) -> Option<&'e CounterInfo> {
        if !slot.counter {
            return None;
        }
        self.evaluator.document.counters.get(&slot.key)
    }

    /// `80.00 USD` for 8000 minor units; without a currency, the number.
    pub fn money(&self, n: i128) -> String {
        let Some(c) = &self.evaluator.document.currency else {
            return format!("{n} minor units");
        };
        if c.scale == 0 {
            return format!("{n} {}", c.code);
        }
        let scale = 10i128.checked_pow(c.scale);
        let Some(scale) = scale else {
            return format!("{n} minor units of {}", c.code);
        };
        let sign = if n < 0 { "-" } else { "" };
        let (whole, frac) = (
            n.unsigned_abs() / scale.unsigned_abs(),
            n.unsigned_abs() % scale.unsigned_abs(),
        );
        format!(
            "{sign}{whole}.{frac:0width$} {}",
            c.code,
            width = c.scale as usize
        )
    }

    /// A value of `slot` in its units.
    pub fn value(&self, slot: &Slot, n: i128) -> String {
        if let Some(c) = self.counter(slot) {
            return match c.measure {
                Measure::Sum => self.money(n),
                Measure::Count => n.to_string(),
            };
        }
        match slot.ty {
            InputType::Money => self.money(n),
            InputType::Duration => duration(n),
            InputType::Date => i64::try_from(n).map_or_else(|_| n.to_string(), date),
            InputType::Time if (0..1440).contains(&n) => format!("{:02}:{:02}", n / 60, n % 60),
            _ => n.to_string(),
        }
    }

    /// The name an author wrote: `amount` for `param.amount`.
    pub fn name<'s>(&self, slot: &'s Slot) -> &'s str {
        if slot.key.starts_with("param.") {
            &slot.field
        } else {
            &slot.key
        }
    }

    /// `per customer per 30 days`, `per employee per calendar day`.
    fn subjects_and_window(c: &CounterInfo) -> String {
        let mut out: Vec<String> = c.per.iter().map(|p| format!("per {p}")).collect();
        match c.window {
            Window::SlidingMinutes(m) => out.push(format!("per {}", duration(i128::from(m)))),
            Window::Calendar(p) => out.push(format!("per calendar {}", p.as_str())),
            Window::All(_) => {}
        }
        out.join(" ")
    }
}

/// `90 minutes`, `2 hours`, `30 days`, `1 day`.
pub(crate) fn duration(minutes: i128) -> String {
    let (n, unit) = if minutes != 0 && minutes % 1440 == 0 {
        (minutes / 1440, "day")
    } else if minutes != 0 && minutes % 60 == 0 {
        (minutes / 60, "hour")
    } else {
        (minutes, "minute")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// `2026-12-24` for days since 1970-01-01 (proleptic Gregorian).
pub(crate) fn date(days: i64) -> String {
    // Howard Hinnant's civil-from-days, in i128 so no input overflows.
    let z = i128::from(days) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i128::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

impl Evaluator {
    /// Words for a row's outcome: the constraint concerned and why.
    pub(crate) fn describe(
        &self,
        index: usize,
        failed: Failed,
        values: &Values,
    ) -> (Option<String>, String) {
        let row = &self.compiled.rows[index];
        let slots = &self.compiled.slots;
        let units = Units::new(self);
        match failed {
            Failed::Nothing => (None, "every constraint holds".to_string()),
            Failed::Input(slot) => {
                let key = &slots[slot].key;
                (
                    Some(key.clone()),
                    format!("{key} is missing or has the wrong type"),
                )
            }
            Failed::Scope(i) => self.check(&units, &row.scope[i], values),
            Failed::Limit(i) => self.check(&units, &row.limits[i], values),
            Failed::ScopeRelation(i) => self.relation(&units, &row.scope_relations[i], values),
            Failed::LimitRelation(i) => self.relation(&units, &row.limit_relations[i], values),
        }
    }

    fn check(&self, units: &Units<'_>, check: &Check, values: &Values) -> (Option<String>, String) {
        let slot = &self.compiled.slots[check.slot];
        let key = slot.key.clone();
        let name = units.name(slot);
        let v = values.slots[check.slot];
        let shown = |n: i64| units.value(slot, i128::from(n));
        let detail = match (&check.test, v) {
            (Test::Present(true), _) => format!("{name} is absent, and the rule needs it"),
            (Test::Present(false), _) => {
                format!("{name} is given, and the rule applies only without it")
            }
            (_, Val::Missing) => format!("{name} is absent, so the constraint on it does not hold"),
            (Test::Interval { max, .. }, Val::Int(n))
                if units.counter(slot).is_some() && n > *max =>
            {
                self.counter_limit(units, slot, n, *max)
            }
            (Test::Interval { min, .. }, Val::Int(n)) if n < *min => {
                format!("{name} is {}, below the minimum {}", shown(n), shown(*min))
            }
            (Test::Interval { max, .. }, Val::Int(n)) => {
                format!("{name} is {}, above the maximum {}", shown(n), shown(*max))
            }
            (Test::Enum(_), Val::Enum(i)) => {
                let listed: Vec<&str> = slot
                    .values
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| matches!(&check.test, Test::Enum(b) if b.has(*j as u32)))
                    .map(|(_, v)| v.as_str())
                    .collect();
                let given = slot.values.get(i as usize).map_or("?", String::as_str);
                format!("{name} is {given}, not one of {}", listed.join(", "))
            }
            (Test::Bool(b), Val::Bool(x)) => format!("{name} is {x}, not {b}"),
            _ => format!("{name} does not fit the set constraint"),
        };
        (Some(key), detail)
    }

    /// `limit 2 per customer per 30 days: 2 used + this one > 2`.
    fn counter_limit(&self, units: &Units<'_>, slot: &Slot, used: i64, max: i64) -> String {
        let Some(c) = units.counter(slot) else {
            return String::new();
        };
        let per = Units::subjects_and_window(c);
        match c.measure {
            Measure::Count => {
                let allowed = i128::from(max) + 1;
                format!("limit {allowed} {per}: {used} used + this one > {allowed}")
            }
            Measure::Sum => format!(
                "limit total {} {per}: {} used > {}",
                units.money(i128::from(max)),
                units.money(i128::from(used)),
                units.money(i128::from(max))
            ),
        }
    }

    fn relation(&self, units: &Units<'_>, r: &Linear, values: &Values) -> (Option<String>, String) {
        let slots = &self.compiled.slots;
        let first = r.terms.first().map(|(s, _)| slots[*s].key.clone());
        if let Some((slot, _)) = r
            .terms
            .iter()
            .find(|(s, _)| matches!(values.slots[*s], Val::Missing))
        {
            let name = units.name(&slots[*slot]);
            return (
                first,
                format!("{name} is absent, so the relation on it does not hold"),
            );
        }
        let value = |s: usize| match values.slots[s] {
            Val::Int(n) => i128::from(n),
            _ => 0,
        };
        // A budget: a sum counter plus a money parameter, both once.
        if let [(a, 1), (b, 1)] = r.terms.as_slice() {
            let (counter, param) = if slots[*a].counter {
                (*a, *b)
            } else {
                (*b, *a)
            };
            let is_sum = units
                .counter(&slots[counter])
                .filter(|c| c.measure == Measure::Sum);
            if let (Some(c), false, InputType::Money) =
                (is_sum, slots[param].counter, slots[param].ty)
            {
                let total = value(counter) + value(param);
                return (
                    Some(slots[counter].key.clone()),
                    format!(
                        "limit total {} {}: {} used + {} asked {} {}",
                        units.money(i128::from(r.max)),
                        Units::subjects_and_window(c),
                        units.money(value(counter)),
                        units.money(value(param)),
                        if total > i128::from(r.max) { ">" } else { "<=" },
                        units.money(i128::from(r.max)),
                    ),
                );
            }
        }
        // `positive terms <= negated negative terms + max`, as written.
        let all_money = r.terms.iter().all(|(s, _)| {
            slots[*s].ty == InputType::Money
                || units
                    .counter(&slots[*s])
                    .is_some_and(|c| c.measure == Measure::Sum)
        });
        let number = |n: i128| {
            if all_money {
                units.money(n)
            } else {
                n.to_string()
            }
        };
        let side = |positive: bool| {
            let mut written = Vec::new();
            let mut filled = Vec::new();
            let mut total = Sum::default();
            for (s, c) in r.terms.iter().filter(|(_, c)| (*c > 0) == positive) {
                let times = |x: String| {
                    if c.unsigned_abs() == 1 {
                        x
                    } else {
                        format!("{} × {x}", c.unsigned_abs())
                    }
                };
                written.push(times(units.name(&slots[*s]).to_string()));
                filled.push(times(units.value(&slots[*s], value(*s))));
                total.add_product(
                    i64::try_from(c.unsigned_abs()).unwrap_or(i64::MAX),
                    i64::try_from(value(*s)).unwrap_or(0),
                );
            }
            let terms = written.len();
            let scaled = r
                .terms
                .iter()
                .any(|(_, c)| (*c > 0) == positive && c.unsigned_abs() != 1);
            if positive && terms == 0 {
                return ("0".to_string(), number(0));
            }
            let (mut written, mut filled) = (written.join(" + "), filled.join(" + "));
            if !positive && (r.max != 0 || terms == 0) {
                let bound = i128::from(r.max);
                let (sign, shown) = match (terms, bound < 0) {
                    (0, _) => ("", number(bound)),
                    (_, true) => (" - ", number(-bound)),
                    (_, false) => (" + ", number(bound)),
                };
                written.push_str(&format!("{sign}{shown}"));
                filled.push_str(&format!("{sign}{shown}"));
                total.add(bound);
            }
            if (terms > 1 || scaled) || (terms == 1 && !positive && r.max != 0) {
                let t = total
                    .exact()
                    .map_or_else(|| "beyond 128 bits".to_string(), number);
                filled.push_str(&format!(" = {t}"));
            }
            (written, filled)
        };
        let (lhs, lhs_filled) = side(true);
        let (rhs, rhs_filled) = side(false);
        (
            first,
            format!("{lhs} <= {rhs}: {lhs_filled} > {rhs_filled}"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_dates_read_as_written() {
        assert_eq!(duration(43200), "30 days");
        assert_eq!(duration(1440), "1 day");
        assert_eq!(duration(120), "2 hours");
        assert_eq!(duration(90), "90 minutes");
        assert_eq!(duration(0), "0 minutes");
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(20811), "2026-12-24");
        assert_eq!(date(-1), "1969-12-31");
    }
}
