//! Code lenses: "▶ run test" on each test, with a second lens resolved to
//! the test's result ("✓ permit requiring reason_code", "✗ expected deny,
//! got escalate to duty_manager"); "N tests" on each rule, counting the
//! tests whose evaluation matched the rule (or hit one of its limits).
//!
//! `textDocument/codeLens` answers only where each lens goes and what it
//! is for (`remit-ide`'s [`Lens`], as `data`); its title and command come
//! with `codeLens/resolve`, for the lenses the editor shows (issue 20:
//! resolved up front, the lenses of 2,000 rules were 444 KB).

use crate::snapshot::Snapshot;
use remit_diagnostics::FileId;
use remit_ide::policy_tests::{count, result_title, tests_of, Lens, LensTarget};
use serde_json::{json, Value};
use tower_lsp_server::ls_types::{CodeLens, Command, Location};

/// The command that runs one test: arguments `[uri, test name]`.
pub const RUN_TEST: &str = "remit.runTest";
/// The command that lists the tests of a rule: arguments `[uri, position,
/// locations]`, the shape of VS Code's `editor.action.showReferences`.
/// Clients that have it (VS Code, the Neovim plugin) show the locations
/// themselves; for any other, the server runs it (`workspace/executeCommand`):
/// it answers the tests' locations, worked out again from the rule at
/// `position`, and shows which tests they are as a message.
pub const SHOW_TESTS: &str = "remit.showTests";

/// What `remit.showTests` answers: the rule of a file whose item holds a
/// byte offset, and the tests that exercise it with their locations.
pub fn rule_tests(
    snapshot: &Snapshot,
    file: FileId,
    offset: usize,
) -> Option<(String, Vec<(String, Location)>)> {
    let (rule, tests) = remit_ide::policy_tests::rule_tests(&snapshot.policy, file, offset)?;
    let tests = tests
        .into_iter()
        .filter_map(|(name, span)| Some((name, snapshot.location(span)?)))
        .collect();
    Some((rule, tests))
}

/// The message `remit.showTests` shows: which tests exercise a rule, and
/// where (`tests.remit:12`).
pub fn tests_message(snapshot: &Snapshot, rule: &str, tests: &[(String, Location)]) -> String {
    if tests.is_empty() {
        return format!("no test exercises rule `{rule}`");
    }
    let listed: Vec<String> = tests
        .iter()
        .map(|(name, location)| {
            let file = snapshot
                .files
                .iter()
                .find(|f| f.uri == location.uri)
                .map_or_else(|| location.uri.as_str().to_string(), |f| f.name());
            format!("\"{name}\" ({file}:{})", location.range.start.line + 1)
        })
        .collect();
    format!(
        "rule `{rule}` is exercised by {}: {}",
        count(tests.len()),
        listed.join(", ")
    )
}

/// The lenses of a file, each with only its range and `data` naming its
/// document and what it is for.
pub fn lenses(snapshot: &Snapshot, file: FileId) -> Vec<CodeLens> {
    let Some(uri) = snapshot.uri(file) else {
        return Vec::new();
    };
    remit_ide::policy_tests::lenses(&snapshot.policy, file)
        .into_iter()
        .filter_map(|Lens { span, target }| {
            let (kind, name) = match target {
                LensTarget::RunTest(name) => ("run", name),
                LensTarget::TestResult(name) => ("result", name),
                LensTarget::RuleTests(name) => ("rule", name),
            };
            Some(CodeLens {
                range: snapshot.range(span)?,
                command: None,
                data: Some(json!({ "uri": uri.as_str(), "lens": kind, "name": name })),
            })
        })
        .collect()
}

/// The document a lens's `data` names, and what the lens is for.
pub fn lens_target(data: &Value) -> Option<(&str, LensTarget)> {
    let uri = data.get("uri")?.as_str()?;
    let name = data.get("name")?.as_str()?.to_string();
    let target = match data.get("lens")?.as_str()? {
        "run" => LensTarget::RunTest(name),
        "result" => LensTarget::TestResult(name),
        "rule" => LensTarget::RuleTests(name),
        _ => return None,
    };
    Some((uri, target))
}

/// Fills a lens's command: "▶ run test", the test's result, or the count
/// of a rule's tests with their locations. A lens whose `data` is not one
/// of this server's comes back as it was.
pub fn resolve(snapshot: &Snapshot, mut lens: CodeLens) -> CodeLens {
    let Some((uri, target)) = lens.data.as_ref().and_then(lens_target) else {
        return lens;
    };
    let command = match target {
        LensTarget::RunTest(name) => Command::new(
            "▶ run test".to_string(),
            RUN_TEST.to_string(),
            Some(vec![json!(uri), json!(name)]),
        ),
        LensTarget::TestResult(name) => Command::new(
            result_title(&snapshot.policy, &name),
            RUN_TEST.to_string(),
            Some(vec![json!(uri), json!(name)]),
        ),
        LensTarget::RuleTests(rule) => {
            let tests: Vec<Location> = tests_of(&snapshot.policy, &rule)
                .filter_map(|t| snapshot.location(t.span))
                .collect();
            Command::new(
                count(tests.len()),
                SHOW_TESTS.to_string(),
                Some(vec![
                    json!(uri),
                    json!(lens.range.start),
                    serde_json::to_value(&tests).unwrap_or(Value::Null),
                ]),
            )
        }
    };
    lens.command = Some(command);
    lens
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::fixture::*;

    #[test]
    fn test_and_rule_lenses() {
        let s = snapshot(&[("hotel.remit", HOTEL)]);
        let lenses = lenses(&s, FileId(0));
        assert!(lenses.iter().all(|l| l.command.is_none()));
        let titles: Vec<String> = lenses
            .iter()
            .map(|l| resolve(&s, l.clone()).command.unwrap().title)
            .collect();
        assert_eq!(
            titles,
            [
                "2 tests",
                "0 tests",
                "0 tests",
                "1 test",
                "0 tests",
                "▶ run test",
                "✓ permit requiring reason_code",
                "▶ run test",
                "✗ expected escalate to duty_manager, got deny",
            ]
        );
    }

    /// Issue 14: a test run that panicked showed as "no results"; now
    /// its lenses say so (and `remit.runTest` answers the error).
    #[test]
    fn a_test_run_that_could_not_run_says_so() {
        let s = snapshot(&[("hotel.remit", HOTEL)])
            .with_test_outcome(Err("test \"x\" could not run: internal error (boom)".into()));
        let titles: Vec<String> = lenses(&s, FileId(0))
            .into_iter()
            .filter(|l| l.data.as_ref().and_then(|d| d["lens"].as_str()) == Some("result"))
            .map(|l| resolve(&s, l).command.unwrap().title)
            .collect();
        assert_eq!(
            titles,
            [
                "⚠ the tests could not run (internal error)",
                "⚠ the tests could not run (internal error)"
            ]
        );
    }

    #[test]
    fn show_tests_finds_the_rule_and_its_tests() {
        let s = snapshot(&[("hotel.remit", HOTEL)]);
        let at = offset_of(&s, "rule room_recovery", 0, 6);
        let (rule, tests) = rule_tests(&s, FileId(0), at).unwrap();
        assert_eq!(rule, "room_recovery");
        let names: Vec<&str> = tests.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "gold guest with a noisy room gets 80 dollars back",
                "flagged guests get nothing"
            ]
        );
        assert_eq!(
            tests_message(&s, &rule, &tests),
            "rule `room_recovery` is exercised by 2 tests: \"gold guest with a noisy room gets 80 \
             dollars back\" (hotel.remit:76), \"flagged guests get nothing\" (hotel.remit:84)"
        );
        // Inside the rule's body counts too; outside any rule, nothing.
        let inside = offset_of(&s, "limit amount <= 500", 0, 0);
        assert_eq!(
            rule_tests(&s, FileId(0), inside).unwrap().0,
            "manager_recovery"
        );
        assert!(rule_tests(&s, FileId(0), 0).is_none());
        let none = rule_tests(&s, FileId(0), inside).unwrap();
        assert_eq!(
            tests_message(&s, &none.0, &none.1),
            "no test exercises rule `manager_recovery`"
        );
    }
}
