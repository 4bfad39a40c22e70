//! Where a calendar window starts (TABLE.md, format 2): the start of the
//! current day, week (from Monday), month, quarter or year in the table's
//! IANA time zone. A use counts for a calendar counter when it was made at
//! or after that instant. Behind the `calendar` feature, so that the table
//! crate alone depends on serde only.

use crate::v2::CalendarPeriod;

/// The start of the `period` that holds `at_ms` (milliseconds since
/// 1970-01-01 UTC) in the time zone `zone`, in milliseconds since the
/// epoch; `None` for an unknown zone or an instant out of range.
pub fn period_start(at_ms: i64, period: CalendarPeriod, zone: &str) -> Option<i64> {
    let zone = jiff::tz::db().get(zone).ok()?;
    let now = jiff::Timestamp::from_millisecond(at_ms)
        .ok()?
        .to_zoned(zone.clone());
    let date = now.date();
    let first = match period {
        CalendarPeriod::Day => date,
        CalendarPeriod::Week => {
            let back = i64::from(date.weekday().to_monday_zero_offset());
            date.checked_sub(jiff::Span::new().days(back)).ok()?
        }
        CalendarPeriod::Month => date.first_of_month(),
        CalendarPeriod::Quarter => {
            let month = (date.month() - 1) / 3 * 3 + 1;
            jiff::civil::date(date.year(), month, 1)
        }
        CalendarPeriod::Year => jiff::civil::date(date.year(), 1, 1),
    };
    // A day whose midnight the clocks skip starts at the first instant
    // that exists.
    let start = first.to_zoned(zone).ok()?;
    Some(start.timestamp().as_millisecond())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> i64 {
        s.parse::<jiff::Timestamp>().unwrap().as_millisecond()
    }

    #[test]
    fn a_london_day_starts_at_local_midnight_in_summer_and_winter() {
        // 12:00 BST on the day the clocks went forward: midnight was GMT.
        assert_eq!(
            period_start(
                ms("2025-03-30T11:00:00Z"),
                CalendarPeriod::Day,
                "Europe/London"
            ),
            Some(ms("2025-03-30T00:00:00Z"))
        );
        // A summer day starts at 23:00 UTC the day before.
        assert_eq!(
            period_start(
                ms("2025-06-10T08:00:00Z"),
                CalendarPeriod::Day,
                "Europe/London"
            ),
            Some(ms("2025-06-09T23:00:00Z"))
        );
    }

    #[test]
    fn weeks_start_on_monday_and_quarters_on_the_first_of_their_month() {
        // Wednesday 2026-12-02.
        assert_eq!(
            period_start(ms("2026-12-02T12:00:00Z"), CalendarPeriod::Week, "UTC"),
            Some(ms("2026-11-30T00:00:00Z"))
        );
        assert_eq!(
            period_start(ms("2026-12-02T12:00:00Z"), CalendarPeriod::Quarter, "UTC"),
            Some(ms("2026-10-01T00:00:00Z"))
        );
        assert_eq!(
            period_start(ms("2026-12-02T12:00:00Z"), CalendarPeriod::Year, "UTC"),
            Some(ms("2026-01-01T00:00:00Z"))
        );
        assert_eq!(period_start(0, CalendarPeriod::Month, "Nowhere/Land"), None);
    }
}
