//! The policy's own tests as an editor shows them: each test's result in
//! words, and which tests exercise a rule.

use crate::Policy;
use remit_analysis::testing::TestResult;
use remit_diagnostics::{FileId, Span};
use remit_syntax::ast::ItemKind;
use remit_table::RowOutcome;

/// The title for a test result: `✓ permit requiring reason_code`, or
/// `✗ expected deny, got escalate to duty_manager`.
pub fn test_title(result: &TestResult) -> String {
    if result.passed {
        format!("✓ {}", result.actual)
    } else {
        format!("✗ expected {}, got {}", result.expected, result.actual)
    }
}

/// The title for the test called `name`: its result, or why there is
/// none (the test has errors, or the tests could not run).
pub fn result_title(policy: &Policy, name: &str) -> String {
    match policy.test_results() {
        Ok(results) => match results.iter().find(|r| r.name == name) {
            Some(result) => test_title(result),
            None => "⚠ this test has errors".to_string(),
        },
        Err(_) => "⚠ the tests could not run (internal error)".to_string(),
    }
}

/// Whether a test's evaluation went through a rule.
pub fn exercises(result: &TestResult, rule: &str) -> bool {
    result.explanation.trace.iter().any(|t| {
        t.rule == rule && matches!(t.outcome, RowOutcome::Matched | RowOutcome::LimitFailed)
    })
}

/// The tests whose evaluation went through a rule.
pub fn tests_of<'p>(policy: &'p Policy, rule: &'p str) -> impl Iterator<Item = &'p TestResult> {
    policy
        .test_results_or_none()
        .iter()
        .filter(move |t| exercises(t, rule))
}

/// "1 test", "2 tests".
pub fn count(n: usize) -> String {
    match n {
        1 => "1 test".to_string(),
        n => format!("{n} tests"),
    }
}

/// The rule of a file whose item (or name) holds a byte offset, and the
/// tests that exercise it: each test's name and the span of its item.
pub fn rule_tests(
    policy: &Policy,
    file: FileId,
    offset: usize,
) -> Option<(String, Vec<(String, Span)>)> {
    let ast = policy.ast(file)?;
    let rule = ast.items.iter().find_map(|item| match &item.kind {
        ItemKind::Rule(r) if item.span.contains(offset) || r.name.span.contains(offset) => {
            Some(r.name.name.clone())
        }
        _ => None,
    })?;
    let tests = tests_of(policy, &rule)
        .map(|t| (t.name.clone(), t.span))
        .collect();
    Some((rule, tests))
}

/// What a code lens is over, and what resolving it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LensTarget {
    /// "▶ run test" on the named test.
    RunTest(String),
    /// The named test's result.
    TestResult(String),
    /// "N tests" on the named rule: the tests that exercise it.
    RuleTests(String),
}

/// A code lens: where it goes and what it is for. What it shows is
/// worked out only when the editor resolves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lens {
    /// The name it sits on.
    pub span: Span,
    /// What it is for.
    pub target: LensTarget,
}

/// The lenses of a file: two on each test (run, result), one on each rule.
pub fn lenses(policy: &Policy, file: FileId) -> Vec<Lens> {
    let Some(ast) = policy.ast(file) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in &ast.items {
        match &item.kind {
            ItemKind::Test(t) => {
                for target in [
                    LensTarget::RunTest(t.name.value.clone()),
                    LensTarget::TestResult(t.name.value.clone()),
                ] {
                    out.push(Lens {
                        span: t.name.span,
                        target,
                    });
                }
            }
            ItemKind::Rule(r) => out.push(Lens {
                span: r.name.span,
                target: LensTarget::RuleTests(r.name.name.clone()),
            }),
            ItemKind::Policy(_)
            | ItemKind::Timezone(_)
            | ItemKind::Outcome(_)
            | ItemKind::Currency(_)
            | ItemKind::Enum(_)
            | ItemKind::Customer(_)
            | ItemKind::Context(_)
            | ItemKind::Role(_)
            | ItemKind::Action(_)
            | ItemKind::Obligation(_)
            | ItemKind::Segment(_)
            | ItemKind::Situation(_)
            | ItemKind::Error => {}
        }
    }
    out
}

/// Whether a file has a `test` item with this name (checked or not).
pub fn has_test(policy: &Policy, file: FileId, name: &str) -> bool {
    policy.ast(file).is_some_and(|ast| {
        ast.items
            .iter()
            .any(|item| matches!(&item.kind, ItemKind::Test(t) if t.name.value == name))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::*;

    #[test]
    fn results_in_words() {
        let p = policy(&[("hotel.remit", HOTEL)]);
        assert_eq!(
            result_title(&p, "gold guest with a noisy room gets 80 dollars back"),
            "✓ permit requiring reason_code"
        );
        assert_eq!(
            result_title(&p, "flagged guests get nothing"),
            "✗ expected escalate to duty_manager, got deny"
        );
        assert_eq!(result_title(&p, "nope"), "⚠ this test has errors");
        assert!(has_test(&p, FileId(0), "flagged guests get nothing"));
        assert!(!has_test(&p, FileId(0), "nope"));
        assert_eq!(
            (count(1), count(0), count(2)),
            ("1 test".into(), "0 tests".into(), "2 tests".into())
        );
    }

    /// Issue 14: a test run that panicked showed as "no results"; now its
    /// titles say so.
    #[test]
    fn a_test_run_that_could_not_run_says_so() {
        let p = policy(&[("hotel.remit", HOTEL)])
            .with_test_outcome(Err("test \"x\" could not run: internal error (boom)".into()));
        assert_eq!(
            result_title(&p, "flagged guests get nothing"),
            "⚠ the tests could not run (internal error)"
        );
    }

    #[test]
    fn lenses_on_tests_and_rules() {
        let p = policy(&[("hotel.remit", HOTEL)]);
        let found: Vec<(&str, LensTarget)> = lenses(&p, FileId(0))
            .into_iter()
            .map(|l| (p.slice(l.span), l.target))
            .collect();
        let rule = |n: &str| LensTarget::RuleTests(n.into());
        let noisy = "gold guest with a noisy room gets 80 dollars back";
        assert_eq!(found[0], ("room_recovery", rule("room_recovery")));
        assert_eq!(found.len(), 5 + 2 * 2);
        assert_eq!(found[5].1, LensTarget::RunTest(noisy.into()));
        assert_eq!(found[6].1, LensTarget::TestResult(noisy.into()));
        assert_eq!(found[5].0, format!("\"{noisy}\""));
    }

    #[test]
    fn the_rule_at_an_offset_and_its_tests() {
        let p = policy(&[("hotel.remit", HOTEL)]);
        let at = offset_of(&p, "rule room_recovery", 0, 6);
        let (rule, tests) = rule_tests(&p, FileId(0), at).unwrap();
        assert_eq!(rule, "room_recovery");
        let names: Vec<&str> = tests.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "gold guest with a noisy room gets 80 dollars back",
                "flagged guests get nothing"
            ]
        );
        assert!(p.slice(tests[1].1).starts_with("test \"flagged guests"));
        let inside = offset_of(&p, "limit amount <= 500", 0, 0);
        let (rule, tests) = rule_tests(&p, FileId(0), inside).unwrap();
        assert_eq!((rule.as_str(), tests.len()), ("manager_recovery", 0));
        assert!(rule_tests(&p, FileId(0), 0).is_none());
    }
}
