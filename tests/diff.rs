//! `remit diff` between versions of the hotel example: a cap raised, a
//! segment widened, a rule removed, a forbid added, an obligation dropped.
//! Every reported witness is decided again by both tables here, and must
//! really be decided differently.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use remit_analysis::diff::{diff, Change, ChangeKind};
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
    (*a.lowered.table).clone()
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
    let changes = diff(&old, &new).unwrap();
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
            (a.decision, &a.escalate_to, &a.obligations),
            (b.decision, &b.escalate_to, &b.obligations),
            "{name}: the witness is decided the same way by both tables"
        );
    }
    insta::with_settings!({ snapshot_path => "diff/snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, render(&changes));
    });
}

#[test]
fn identical_policies_have_no_changes() {
    assert!(diff(&table(|t| t), &table(|t| t)).unwrap().is_empty());
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
