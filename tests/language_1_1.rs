//! Version 1.1 of the language (LANGUAGE.md §8) end to end: the spec's
//! examples compile as written, and policies using relations, keyed and
//! calendar counters, optional facts, dates, times and outcomes compile to
//! `remit.table/2` and pass their own tests through the evaluator.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use remit_analysis::testing::run_tests;
use remit_diagnostics::Code;
use remit_tests::{analyze_text, rendered, root};

/// The declarations each §8 example reads, by the rule or outcome it
/// defines (the examples are fragments of a policy).
fn prelude(block: &str) -> &'static str {
    if block.contains("rule goodwill") {
        "currency USD\nrole front_desk\naction refund(amount: Money)\ncontext { bill_total: Money, refunded_so_far: Money }\n"
    } else if block.contains("rule delayed_repair") {
        "currency GBP\nrole billing_system\naction credit_bill(amount: Money)\ncontext { days_unrepaired: Int }\n"
    } else if block.contains("rule two_thousand_dollars") {
        "currency USD\nrole staff\naction refund(amount: Money)\naction comp(amount: Money)\ncontext { incident: Key, flight: Key }\n"
    } else if block.contains("rule save_offer") {
        "currency GBP\nrole retention_agent\naction bill_credit(amount: Money)\ncustomer { churn_risk: Bool }\nsegment at_risk = customer.churn_risk\n"
    } else {
        ""
    }
}

/// Each rule of a block on its own: the §8.1 block mixes two currencies,
/// which one policy cannot (§3), so its rules are two examples.
fn examples(block: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in block.lines() {
        if line.starts_with("rule ") && current.contains("rule ") {
            out.push(std::mem::take(&mut current));
        }
        current.push_str(line);
        current.push('\n');
    }
    out.push(current);
    out
}

#[test]
fn every_section_8_example_compiles_as_written() {
    let spec = root().join("../shared/spec/LANGUAGE.md");
    let Ok(text) = std::fs::read_to_string(&spec) else {
        eprintln!(
            "note: {} is not beside the repository; skipping",
            spec.display()
        );
        return;
    };
    let v1_1 = text.split_once("\n## 8.").map_or("", |(_, rest)| rest);
    let blocks: Vec<&str> = v1_1
        .split("```remit\n")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .collect();
    assert!(
        blocks.len() >= 3,
        "expected the §8 examples, found {}",
        blocks.len()
    );
    for block in blocks {
        for example in examples(block) {
            let source = format!("{}{example}", prelude(&example));
            let analysis = analyze_text("spec.remit", &source);
            assert!(
                !analysis.has_errors(),
                "a §8 example does not compile:\n{source}\n{}",
                rendered(&analysis)
            );
            assert_eq!(analysis.lowered.table.format, "remit.table/2");
            assert!(!analysis.lowered.table.rows.is_empty(), "{source}");
        }
    }
}

const HOTEL: &str = r#"
policy hotel_1_1
currency USD
timezone "Europe/London"
role staff
action refund(amount: Money)
outcome retained "the guest books again"
context {
  incident: Key
  bill_total: Money
  notice: Duration?
  today: Date
  local_time: Time
}

rule incident_refund {
  permit staff to refund
  for any customer
  when not has context.notice or context.notice < 24 hours
  limit amount <= context.bill_total
  limit amount <= max(10% of context.bill_total, 25 USD)
  limit total 2000 USD per customer per context.incident
  limit 3 per customer per calendar month
  aims retained
}

rule night_or_season {
  forbid staff to refund
  when context.local_time >= 23:00 and context.today >= 2026-12-24 and context.today <= 2026-12-26
}

test "a refund within ten percent" {
  at 2026-12-01 12:00
  role staff
  action refund { amount: 40 USD }
  context { incident: "INC-1", bill_total: 400 USD, today: 2026-12-01, local_time: 12:00 }
  expect permit
}

test "ten percent or 25 USD, whichever is greater" {
  at 2026-12-01 12:00
  role staff
  action refund { amount: 25 USD }
  context { incident: "INC-1", bill_total: 100 USD, today: 2026-12-01, local_time: 12:00 }
  expect permit
}

test "one cent over both caps" {
  at 2026-12-01 12:00
  role staff
  action refund { amount: 25.01 USD }
  context { incident: "INC-1", bill_total: 100 USD, today: 2026-12-01, local_time: 12:00 }
  expect deny
}

test "never more than the bill" {
  at 2026-12-01 12:00
  role staff
  action refund { amount: 20 USD }
  context { incident: "INC-1", bill_total: 10 USD, today: 2026-12-01, local_time: 12:00 }
  expect deny
}

test "a late notice is refused, a missing one is not" {
  at 2026-12-01 12:00
  role staff
  action refund { amount: 10 USD }
  context { incident: "INC-1", bill_total: 400 USD, notice: 30 hours, today: 2026-12-01, local_time: 12:00 }
  expect deny
}

test "the budget counts per incident" {
  at 2026-12-01 12:00
  role staff
  action refund { amount: 40 USD }
  context { incident: "INC-2", bill_total: 5000 USD, today: 2026-12-01, local_time: 12:00 }
  history { refund 1990 USD 1 day ago for { incident: "INC-1" } }
  expect permit
}

test "the same incident's budget is spent" {
  at 2026-12-01 12:00
  role staff
  action refund { amount: 40 USD }
  context { incident: "INC-1", bill_total: 5000 USD, today: 2026-12-01, local_time: 12:00 }
  history { refund 1990 USD 1 day ago for { incident: "INC-1" } }
  expect deny
}

test "three a calendar month, and a new month starts afresh" {
  at 2026-12-01 00:30
  role staff
  action refund { amount: 10 USD }
  context { incident: "INC-9", bill_total: 400 USD, today: 2026-12-01, local_time: 00:30 }
  history {
    refund 1 USD 1 hours ago
    refund 1 USD 2 hours ago
    refund 1 USD 3 hours ago
  }
  expect permit
}

test "three in this month are the limit" {
  at 2026-12-20 12:00
  role staff
  action refund { amount: 10 USD }
  context { incident: "INC-9", bill_total: 400 USD, today: 2026-12-20, local_time: 12:00 }
  history {
    refund 1 USD 1 days ago
    refund 1 USD 2 days ago
    refund 1 USD 3 days ago
  }
  expect deny
}

test "late on Christmas Eve is forbidden" {
  at 2026-12-24 23:30
  role staff
  action refund { amount: 10 USD }
  context { incident: "INC-3", bill_total: 400 USD, today: 2026-12-24, local_time: 23:30 }
  expect deny
}
"#;

#[test]
fn a_policy_with_every_1_1_form_compiles_and_passes_its_tests() {
    let analysis = analyze_text("hotel.remit", HOTEL);
    assert!(!analysis.has_errors(), "{}", rendered(&analysis));
    let table = &analysis.lowered.table;
    assert_eq!(table.format, "remit.table/2");
    assert_eq!(table.timezone, "Europe/London");
    assert_eq!(table.outcomes["retained"], "the guest books again");
    assert!(table.inputs["context.notice"].optional);
    assert!(table
        .counters
        .contains_key("customer+context.incident/refund/sum/all"));
    assert!(table
        .counters
        .contains_key("customer/refund/count/calendar-month"));
    let permit = table
        .rows
        .iter()
        .find(|r| r.rule == "incident_refund")
        .unwrap();
    assert_eq!(permit.aims, vec!["retained".to_string()]);
    // `amount <= bill_total` is `param.amount - context.bill_total <= 0`.
    assert!(permit.limit_relations.iter().any(|r| r.max == 0
        && r.terms.get("param.amount") == Some(&1)
        && r.terms.get("context.bill_total") == Some(&-1)));
    let results = run_tests(&analysis.checked.model, table).unwrap();
    assert_eq!(results.len(), 10);
    for r in &results {
        assert!(
            r.passed,
            "test `{}` expected {}, got {}",
            r.name, r.expected, r.actual
        );
    }
}

/// One diagnostic's code for a policy that should not compile.
fn error_codes(src: &str) -> Vec<&'static str> {
    analyze_text("bad.remit", src)
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.code.name)
        .collect()
}

const DECLS: &str = "currency USD\nrole r\naction refund(amount: Money)\ncontext { bill: Money, nights: Int, notice: Duration?, clock: Time, day: Date }\n";

#[test]
fn misuses_of_1_1_forms_are_errors_with_their_codes() {
    let case = |body: &str| {
        error_codes(&format!(
            "{DECLS}rule k {{\n  permit r to refund\n  for any customer\n{body}\n}}\n"
        ))
    };
    assert_eq!(
        case("  limit amount <= 10 EUR * context.nights"),
        vec![Code::WRONG_CURRENCY.name]
    );
    assert_eq!(
        case("  when context.bill > context.nights"),
        vec![Code::TYPE_MISMATCH.name]
    );
    assert_eq!(
        case("  limit amount <= 12.345% of context.bill"),
        vec![Code::TOO_MANY_DECIMALS.name]
    );
    assert_eq!(
        case("  when context.clock + 1 hours > 22:00"),
        vec![Code::NOT_LINEAR.name]
    );
    assert_eq!(
        case("  limit amount <= 10 USD * context.bill"),
        vec![Code::NOT_LINEAR.name]
    );
    assert_eq!(
        case("  limit amount <= context.bill * context.nights"),
        vec![Code::NOT_LINEAR.name]
    );
    assert_eq!(
        case("  when context.notice < 24 hours"),
        vec![Code::UNGUARDED_OPTIONAL.name]
    );
    assert!(case("  when has context.notice and context.notice < 24 hours").is_empty());
    assert!(case("  when not has context.notice or context.notice < 24 hours").is_empty());
    assert_eq!(
        case("  limit 2 per customer per 6 months"),
        vec![Code::WRONG_UNIT.name]
    );
    assert_eq!(
        case("  limit 2 per customer per calendar fortnight"),
        vec![Code::UNKNOWN_NAME.name]
    );
    assert!(case("  when context.day >= 2026-12-20 and context.day <= 2027-01-06").is_empty());
}

#[test]
fn an_unknown_time_zone_is_an_error_with_a_suggestion() {
    let analysis = analyze_text("tz.remit", "timezone \"Europe/Londn\"\n");
    let d = analysis
        .diagnostics
        .iter()
        .find(|d| d.is_error())
        .expect("an error");
    assert_eq!(d.code, Code::UNKNOWN_NAME);
    assert!(
        rendered(&analysis).contains("Europe/London"),
        "{}",
        rendered(&analysis)
    );
}

#[test]
fn a_version_1_policy_still_compiles_to_format_1_for_the_analysis() {
    let analysis = analyze_text(
        "v1.remit",
        "currency USD\nrole r\naction refund(amount: Money)\nrule k {\n  permit r to refund\n  for any customer\n  limit amount <= 10 USD\n  limit 1 per customer per 1 day\n}\n",
    );
    assert!(!analysis.has_errors());
    assert!(analysis.lowered.format_1.is_some());
    assert_eq!(analysis.lowered.table.format, "remit.table/2");
}

#[test]
fn the_lints_still_run_on_roles_and_actions_that_no_1_1_rule_touches() {
    let analysis = analyze_text(
        "mixed.remit",
        r#"
currency USD
role desk
role billing
action refund(amount: Money)
action credit(amount: Money)
context { bill: Money }

rule plain_refund {
  permit desk to refund
  for any customer
  limit amount <= 50 USD
}

rule bill_credit {
  permit billing to credit
  for any customer
  limit amount <= context.bill
  limit 1 per customer per 30 days
}

rule unbounded_credit {
  permit billing to credit
  for any customer
  limit amount <= 10 USD
}
"#,
    );
    assert!(!analysis.has_errors(), "{}", rendered(&analysis));
    let found: Vec<(&str, String)> = analysis
        .diagnostics
        .iter()
        .map(|d| (d.code.name, d.message.clone()))
        .collect();
    // `desk` · `refund` is version 1 only: its finding stands.
    assert!(
        found
            .iter()
            .any(|(c, m)| *c == "unbounded_frequency" && m.contains("plain_refund")),
        "{found:?}"
    );
    // `billing` · `credit` has a relational cap: nothing is guessed there.
    assert!(
        !found
            .iter()
            .any(|(c, m)| *c != "analysis_incomplete" && m.contains("unbounded_credit")),
        "{found:?}"
    );
    assert!(found
        .iter()
        .any(|(c, m)| *c == "analysis_incomplete" && m.contains("bill_credit")));
}

const DAILY: &str = r#"
currency GBP
timezone "Europe/London"
role desk
action credit(amount: Money)
rule daily {
  permit desk to credit
  for any customer
  limit amount <= 10 GBP
  limit 1 per customer per calendar day
}
"#;

/// The clocks go forward at 01:00 on 2025-03-30 in London: local noon is
/// 11 hours after local midnight, not 12.
#[test]
fn a_calendar_day_starts_at_local_midnight_across_a_daylight_saving_change() {
    let run = |ago: &str| {
        let src = format!(
            "{DAILY}test \"t\" {{\n  at 2025-03-30 12:00\n  role desk\n  action credit {{ amount: 5 GBP }}\n  history {{ credit 5 GBP {ago} ago }}\n  expect permit\n}}\n"
        );
        let analysis = analyze_text("dst.remit", &src);
        assert!(!analysis.has_errors(), "{}", rendered(&analysis));
        run_tests(&analysis.checked.model, &analysis.lowered.table).unwrap()[0].passed
    };
    // 11 hours ago is 00:00 local: today, so the day's one credit is used.
    assert!(!run("660 minutes"));
    // 11 hours and a minute ago is yesterday.
    assert!(run("661 minutes"));
}

#[test]
fn an_instant_the_clocks_skip_is_an_error() {
    let src = format!(
        "{DAILY}test \"t\" {{\n  at 2025-03-30 01:30\n  role desk\n  action credit {{ amount: 5 GBP }}\n  expect permit\n}}\n"
    );
    let analysis = analyze_text("gap.remit", &src);
    assert!(
        rendered(&analysis).contains("the clocks skip it"),
        "{}",
        rendered(&analysis)
    );
}

#[test]
fn a_test_of_a_calendar_policy_needs_an_instant() {
    let src = format!(
        "{DAILY}test \"t\" {{\n  role desk\n  action credit {{ amount: 5 GBP }}\n  expect permit\n}}\n"
    );
    let analysis = analyze_text("at.remit", &src);
    assert!(
        rendered(&analysis).contains("has no `at`"),
        "{}",
        rendered(&analysis)
    );
}

#[test]
fn an_unguarded_optional_attribute_has_a_fix_that_guards_it() {
    let src = format!(
        "{DECLS}rule k {{\n  permit r to refund\n  for any customer\n  when context.nights > 1 or context.notice < 24 hours\n  limit amount <= 5 USD\n}}\n"
    );
    let analysis = analyze_text("fix.remit", &src);
    let d = analysis
        .diagnostics
        .iter()
        .find(|d| d.code == Code::UNGUARDED_OPTIONAL)
        .expect("an unguarded read");
    let edit = &d.fixes[0].edits[0];
    let mut fixed = src.clone();
    fixed.replace_range(
        edit.span.start as usize..edit.span.end as usize,
        &edit.new_text,
    );
    assert!(
        fixed.contains(
            "when context.nights > 1 or has context.notice and context.notice < 24 hours"
        ),
        "{fixed}"
    );
    let again = analyze_text("fix.remit", &fixed);
    assert!(!again.has_errors(), "{}", rendered(&again));
    // Under `not`, inserting `has … and` would not guard: no fix is offered.
    let src = format!(
        "{DECLS}rule k {{\n  permit r to refund\n  for any customer\n  when not context.notice < 24 hours\n  limit amount <= 5 USD\n}}\n"
    );
    let analysis = analyze_text("fix.remit", &src);
    let d = analysis
        .diagnostics
        .iter()
        .find(|d| d.code == Code::UNGUARDED_OPTIONAL)
        .expect("an unguarded read");
    assert!(d.fixes.is_empty());
}

#[test]
fn times_of_day_lower_within_the_day() {
    // `!= 00:00` is `> 00:00` (nothing is before midnight) and `> 23:59`
    // never holds: the table has no bound outside 0..=1439.
    let src = format!(
        "{DECLS}rule k {{\n  permit r to refund\n  for any customer\n  when context.clock != 00:00 or context.clock > 23:59 or context.clock <= 23:59\n  limit amount <= 5 USD\n}}\n"
    );
    let analysis = analyze_text("time.remit", &src);
    assert!(!analysis.has_errors(), "{}", rendered(&analysis));
    for row in &analysis.lowered.table.rows {
        for c in row.scope.values() {
            if let remit_table::v2::Constraint::Interval(i) = c {
                assert!(i.min.is_none_or(|m| (1..=1439).contains(&m)), "{i:?}");
                assert!(i.max.is_none_or(|m| (0..1439).contains(&m)), "{i:?}");
            }
        }
    }
    remit_table::Evaluator::from_document(analysis.lowered.table.clone()).unwrap();
}
