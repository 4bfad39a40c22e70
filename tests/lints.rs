//! The analysis lints on a corpus (`tests/lints/<lint>_fires.remit` and
//! `<lint>_near_miss.remit`, with `_<case>` after either for more cases):
//! each fires where it must and not where it must not, renders as its
//! snapshot, and every witness reproduces its finding in the evaluator.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use remit_diagnostics::LINTS;
use remit_table::{Evaluator, Outcome};
use remit_tests::{analyze_file, remit_files, rendered};

#[test]
fn each_lint_fires_and_has_a_near_miss() {
    let files = remit_files("tests/lints");
    // `analysis_incomplete` fires only past a work bound (20,000 region
    // steps for one question), which no corpus file of reviewable size
    // reaches; `region::zone` tests the bound itself.
    for lint in LINTS.iter().filter(|l| l.name != "analysis_incomplete") {
        for suffix in ["fires", "near_miss"] {
            let want = format!("{}_{suffix}.remit", lint.name);
            assert!(
                files
                    .iter()
                    .any(|f| f.file_name().unwrap() == want.as_str()),
                "missing tests/lints/{want}"
            );
        }
    }
    for file in files {
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        let analysis = analyze_file(&file);
        let codes: Vec<&str> = analysis.diagnostics.iter().map(|d| d.code.name).collect();
        // `<lint>_fires.remit`, or `<lint>_fires_<case>.remit` for more.
        if let Some((lint, _)) = name.split_once("_fires") {
            assert!(
                codes.contains(&lint),
                "{name}: `{lint}` did not fire:\n{}",
                rendered(&analysis)
            );
        } else if let Some((lint, _)) = name.split_once("_near_miss") {
            assert!(
                !codes.contains(&lint),
                "{name}: `{lint}` fired:\n{}",
                rendered(&analysis)
            );
        }
        insta::with_settings!({ snapshot_path => "lints/snapshots", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(name, rendered(&analysis));
        });
    }
}

#[test]
fn every_witness_reproduces_its_finding() {
    let mut checked = 0;
    for file in remit_files("tests/lints") {
        let analysis = analyze_file(&file);
        let evaluator = Evaluator::new(
            analysis
                .lowered
                .format_1
                .clone()
                .expect("a version 1 policy")
                .clone(),
        )
        .unwrap();
        for d in &analysis.diagnostics {
            let Some(w) = &d.witness else { continue };
            let decision = evaluator.decide(&w.request);
            assert!(
                decision.errors.is_empty(),
                "{}: witness of {} is not a valid request: {:?}",
                file.display(),
                d.code.name,
                decision.errors
            );
            let ok = match d.code.name {
                "conflicting_outcomes" => {
                    decision.decision == Outcome::Permit || decision.escalate_to.len() > 1
                }
                "unbounded_amount" | "unbounded_frequency" | "redundant_rule" => {
                    decision.decision == Outcome::Permit
                }
                "escalation_dead_end" | "escalation_cycle" => {
                    decision.decision == Outcome::Escalate
                }
                "band_gap" => decision.decision == Outcome::Deny && decision.rules.is_empty(),
                "shadowed_rule" => !decision.rules.is_empty(),
                _ => true,
            };
            assert!(
                ok,
                "{}: the witness of {} decides {:?}",
                file.display(),
                d.code.name,
                decision
            );
            checked += 1;
        }
    }
    assert!(checked > 0, "no witness was checked");
}

/// The findings of one lint in a corpus file, by message.
fn findings(file: &str, lint: &str) -> Vec<String> {
    let analysis = analyze_file(&remit_tests::root().join("tests/lints").join(file));
    analysis
        .diagnostics
        .iter()
        .filter(|d| d.code.name == lint)
        .map(|d| d.message.clone())
        .collect()
}

#[test]
fn each_action_gets_its_own_cycle() {
    let cycles = findings(
        "escalation_cycle_fires_each_action.remit",
        "escalation_cycle",
    );
    assert_eq!(cycles.len(), 2, "{cycles:?}");
    assert!(cycles.iter().any(|m| m.contains("`credit`")), "{cycles:?}");
    assert!(cycles.iter().any(|m| m.contains("`refund`")), "{cycles:?}");
}

#[test]
fn inherited_self_escalations_are_no_authority() {
    let dead = findings(
        "escalation_dead_end_fires_inherited_self_escalation.remit",
        "escalation_dead_end",
    );
    assert_eq!(dead.len(), 2, "both rules are dead ends: {dead:?}");
}

#[test]
fn negative_parameters_are_never_considered() {
    let analysis = analyze_file(
        &remit_tests::root()
            .join("tests/lints/unsatisfiable_condition_fires_negative_amount.remit"),
    );
    let unsatisfiable: Vec<&str> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.code.name == "unsatisfiable_condition")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(unsatisfiable.len(), 2, "{unsatisfiable:?}");
    assert!(
        !unsatisfiable.iter().any(|m| m.contains("`k3`")),
        "{unsatisfiable:?}"
    );
}
