//! The service's clock: callers can never set the time a decision reads.

pub use crate::ledger::Millis;
use chrono::{SecondsFormat, TimeZone, Utc};

/// Now, in milliseconds since 1970-01-01 UTC.
pub fn now() -> Millis {
    Utc::now().timestamp_millis()
}

/// An instant as RFC 3339 UTC with milliseconds (`2026-12-01T22:10:02.123Z`).
pub fn rfc3339(at: Millis) -> String {
    Utc.timestamp_millis_opt(at)
        .single()
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
        .unwrap_or_else(|| at.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn instants_print_as_rfc3339() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00.000Z");
    }
}
