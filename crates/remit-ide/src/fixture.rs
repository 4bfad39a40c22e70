//! Policies built from text, for the features' tests (here and, behind
//! the `test-fixture` feature, in the language server's).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::Policy;
use remit_analysis::Analysis;
use remit_diagnostics::{FileId, LintLevels, Sources};

/// The path a fixture file `name` has: `/fixture/NAME`.
pub fn path(name: &str) -> String {
    format!("/fixture/{name}")
}

/// Analyses `files` (name, text) as one policy in `/fixture`.
pub fn analysis(files: &[(&str, &str)]) -> Analysis {
    let mut sources = Sources::new();
    for (name, text) in files {
        sources.add(path(name), *text);
    }
    remit_analysis::analyze(sources, "fixture", &LintLevels::new())
}

/// The policy of `files` (name, text).
pub fn policy(files: &[(&str, &str)]) -> Policy {
    Policy::new(analysis(files))
}

/// The byte offset of the `n`th (0-based) occurrence of `needle` in
/// file 0, plus `delta`.
pub fn offset_of(policy: &Policy, needle: &str, n: usize, delta: usize) -> usize {
    let text = policy.source(FileId(0)).unwrap().text();
    text.match_indices(needle).nth(n).unwrap().0 + delta
}

/// The hotel example of LANGUAGE.md §1, trimmed.
pub const HOTEL: &str = r#"/// Front desk empowerment.
policy hotel version "1"

currency USD

/// How much a guest is worth to us.
enum Tier { standard, silver, gold, platinum }
enum Incident { noise, dirty_room, late_checkin, billing_error }
enum Channel { in_person, phone }

customer {
  tier: Tier
  nights_this_year: Int
  flagged_for_abuse: Bool
}

context {
  incident: Incident
  channel: Channel
  wait: Duration
}

/// The people at the desk.
role front_desk
role duty_manager extends front_desk
role general_manager extends duty_manager

action refund(amount: Money)
action comp_meal(amount: Money)
action upgrade_room

obligation reason_code "Record a reason code in the property system"

segment loyal = customer.tier in {gold, platinum} or customer.nights_this_year >= 10
situation service_failure = context.incident in {noise, dirty_room, late_checkin}

/// The everyday box.
rule room_recovery {
  permit front_desk to refund
  for loyal
  when service_failure
  limit amount <= 100 USD
  limit 2 per customer per 30 days
  limit total 150 USD per customer per 30 days
  require reason_code
  otherwise escalate to duty_manager
}

rule long_wait_meal {
  permit front_desk to comp_meal
  for any customer
  when context.wait >= 30 minutes and context.channel == in_person
  limit amount <= 40 USD
  limit 1 per customer per 1 day
}

rule manager_recovery {
  permit duty_manager to refund, comp_meal
  for any customer
  limit amount <= 500 USD
  limit total 1000 USD per customer per 90 days
  notify general_manager
}

rule no_abusers {
  forbid front_desk, duty_manager to refund, comp_meal, upgrade_room
  for customer.flagged_for_abuse
}

rule billing_disputes {
  escalate upgrade_room from front_desk to duty_manager
  for any customer
  when context.incident == billing_error
}

test "gold guest with a noisy room gets 80 dollars back" {
  role front_desk
  action refund { amount: 80 USD }
  customer { tier: gold, nights_this_year: 3, flagged_for_abuse: false }
  context { incident: noise, channel: in_person, wait: 5 minutes }
  expect permit requiring reason_code
}

test "flagged guests get nothing" {
  role front_desk
  action refund { amount: 10 USD }
  customer { tier: gold, nights_this_year: 1, flagged_for_abuse: true }
  context { incident: noise, channel: in_person, wait: 0 minutes }
  expect escalate to duty_manager
}
"#;
