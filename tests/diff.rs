//! `remit diff` between versions of the hotel example: a cap raised, a
//! segment widened, a rule removed, a forbid added, an obligation dropped.
//! Every reported witness is decided again by both tables here, and must
//! really be decided differently.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use remit_analysis::diff::{diff, diff_within, Change, ChangeKind, DIFF_BUDGET};
use remit_diagnostics::{LintLevels, Sources};
use remit_table::{Evaluator, Table};
use remit_tests::root;

fn table(edit: impl Fn(String) -> String) -> Table {
    let dir = root().join("examples/hotel_front_desk");
    let mut sources = Sources::new();
    for f in remit_analysis::workspace::policy_files(&dir).unwrap() {
        let text = std::fs::read_to_string(&f).unwrap();
        let text = if f.ends_with("rules.remit") {
            edit(text)
        } else {
            text
        };
        sources.add(f.file_name().unwrap().to_string_lossy().into_owned(), text);
    }
    let a = remit_analysis::analyze(sources, "hotel_front_desk", &LintLevels::new());
    assert!(!a.checked.has_errors());
    (*a.lowered.format_1.clone().expect("a version 1 policy")).clone()
}

fn render(changes: &[Change]) -> String {
    changes
        .iter()
        .map(|c| {
            format!(
                "{} · {} [{:?}]\n  {}\n  witness: {}\n",
                c.role, c.action, c.kind, c.description, c.witness
            )
        })
        .collect()
}

fn check(name: &str, edit: impl Fn(String) -> String, expect: ChangeKind) {
    let old = table(|t| t);
    let new = table(edit);
    let report = diff(&old, &new).unwrap();
    assert!(report.complete);
    let changes = report.changes;
    assert!(
        changes.iter().any(|c| c.kind == expect),
        "{name}: no {expect:?} change in\n{}",
        render(&changes)
    );
    let (old_eval, new_eval) = (Evaluator::new(old).unwrap(), Evaluator::new(new).unwrap());
    for c in &changes {
        let (a, b) = (old_eval.decide(&c.request), new_eval.decide(&c.request));
        assert!(
            a.errors.is_empty() && b.errors.is_empty(),
            "{name}: witness is not a valid request"
        );
        assert_ne!(
            (a.decision, &a.escalate_to, &a.obligations, &a.notify),
            (b.decision, &b.escalate_to, &b.obligations, &b.notify),
            "{name}: the witness is decided the same way by both tables"
        );
    }
    insta::with_settings!({ snapshot_path => "diff/snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, render(&changes));
    });
}

#[test]
fn identical_policies_have_no_changes() {
    let report = diff(&table(|t| t), &table(|t| t)).unwrap();
    assert!(report.complete && report.changes.is_empty());
}

#[test]
fn a_cap_raised() {
    check(
        "cap_raised",
        |t| t.replace("limit amount <= 100 USD", "limit amount <= 150 USD"),
        ChangeKind::Widened,
    );
}

#[test]
fn a_segment_widened() {
    check(
        "segment_widened",
        |t| {
            t.replace("rule upgrades_for_loyal {\n  permit front_desk to upgrade_room\n  for loyal and", "rule upgrades_for_loyal {\n  permit front_desk to upgrade_room\n  for (loyal or customer.tier == silver) and")
        },
        ChangeKind::Widened,
    );
}

#[test]
fn a_rule_removed() {
    check(
        "rule_removed",
        |t| {
            let start = t.find("rule long_wait_meal").unwrap();
            let end = start + t[start..].find("}\n").unwrap() + 2;
            format!("{}{}", &t[..start], &t[end..])
        },
        ChangeKind::Narrowed,
    );
}

#[test]
fn a_forbid_added() {
    check(
        "forbid_added",
        |t| {
            t + "\nrule no_phone_refunds {\n  forbid front_desk to refund\n  for any customer\n  when context.channel == phone\n}\n"
        },
        ChangeKind::Narrowed,
    );
}

#[test]
fn an_obligation_dropped() {
    check(
        "obligation_dropped",
        |t| {
            t.replace(
                "  require reason_code, photo_evidence\n",
                "  require reason_code\n",
            )
        },
        ChangeKind::Obligations,
    );
}

#[test]
fn an_escalation_rerouted() {
    check(
        "escalation_rerouted",
        |t| {
            t.replace(
                "  require reason_code\n  otherwise escalate to duty_manager\n",
                "  require reason_code\n  otherwise escalate to general_manager\n",
            )
        },
        ChangeKind::Rerouted,
    );
}

/// Issue 14: dropping `notify` printed "no decision changes" although
/// `remit eval` showed `notify: ["general_manager"]` against `[]`.
#[test]
fn a_notify_dropped() {
    check(
        "notify_dropped",
        |t| t.replace("  notify general_manager\n", ""),
        ChangeKind::Notifications,
    );
    let old = table(|t| t);
    let new = table(|t| t.replace("  notify general_manager\n", ""));
    let report = diff(&old, &new).unwrap();
    assert!(report.changes.iter().all(Change::widens));
    // Telling a role more is a change too, and narrows nothing.
    let report = diff(&new, &old).unwrap();
    assert!(report
        .changes
        .iter()
        .all(|c| c.kind == ChangeKind::Notifications && !c.widens()));
    assert!(!report.changes.is_empty());
}

/// A policy whose rules each lower to 256 rows (eight `!=`), the first
/// rule's cap at `cap`.
fn wide_rules(rules: usize, cap: u32) -> Table {
    let attrs = "abcdefgh";
    let mut text = String::from("currency USD\ncustomer {\n");
    for a in attrs.chars() {
        text.push_str(&format!("  {a}: Int\n"));
    }
    text.push_str("}\nrole clerk\naction refund(amount: Money)\n");
    for r in 0..rules {
        let when: Vec<String> = attrs
            .chars()
            .map(|a| format!("customer.{a} != {r}"))
            .collect();
        let cap = if r == 0 { cap } else { 100 + r as u32 };
        text.push_str(&format!(
            "rule r{r} {{\n  permit clerk to refund\n  for {}\n  limit amount <= {cap} USD\n  limit 1 per customer per 1 day\n}}\n",
            when.join(" and ")
        ));
    }
    let mut sources = Sources::new();
    sources.add("wide.remit", text);
    let a = remit_analysis::analyze(sources, "wide", &LintLevels::new());
    assert!(!a.has_errors());
    assert_eq!(
        a.lowered
            .format_1
            .clone()
            .expect("a version 1 policy")
            .rows
            .len(),
        256 * rules
    );
    (*a.lowered.format_1.clone().expect("a version 1 policy")).clone()
}

/// Issue 13, item 6: seven rules of 256 rows with one threshold moved ran
/// for more than 300 s (every pair of permits was tried, and every
/// unchanged row re-examined). Rows found unchanged are now only cover,
/// and the diff finishes well inside its work bound.
#[test]
fn one_threshold_moved_among_seven_wide_rules() {
    let (old, new) = (wide_rules(7, 100), wide_rules(7, 150));
    let report = diff(&old, &new).unwrap();
    assert!(report.complete);
    assert!(report.steps < DIFF_BUDGET / 4, "{} steps", report.steps);
    let kinds: Vec<ChangeKind> = report.changes.iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds,
        vec![ChangeKind::Widened],
        "{}",
        render(&report.changes)
    );
    assert!(
        report.changes[0]
            .description
            .starts_with("now permits amount 106.01–150.00 USD (r0)"),
        "{}",
        render(&report.changes)
    );
}

/// Past its work bound a diff stops, keeps what it found, and lists the
/// roles and actions it did not finish.
#[test]
fn a_diff_past_its_work_bound_says_it_is_incomplete() {
    let (old, new) = (wide_rules(1, 100), wide_rules(1, 150));
    let report = diff_within(&old, &new, 1_000).unwrap();
    assert!(!report.complete);
    assert_eq!(report.steps, 1_000);
    let unexamined: Vec<(&str, &str)> = report
        .unexamined
        .iter()
        .map(|p| (p.role.as_str(), p.action.as_str()))
        .collect();
    assert_eq!(unexamined, vec![("clerk", "refund")]);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["complete"], false);
    assert_eq!(json["unexamined"][0]["role"], "clerk");
}
