//! Code lenses: "▶ run test" on each test, with a second lens resolved to
//! the test's result ("✓ permit requiring reason_code", "✗ expected deny,
//! got escalate to duty_manager"); "N tests" on each rule, counting the
//! tests whose evaluation matched the rule (or hit one of its limits).

use crate::snapshot::Snapshot;
use remit_diagnostics::FileId;
use remit_ide::policy_tests::{count, result_title, tests_of};
use remit_syntax::ast::ItemKind;
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

/// The lenses of a file. Test results are left for `codeLens/resolve`.
pub fn lenses(snapshot: &Snapshot, file: FileId) -> Vec<CodeLens> {
    let (Some(ast), Some(uri)) = (snapshot.ast(file), snapshot.uri(file)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in &ast.items {
        match &item.kind {
            ItemKind::Test(t) => {
                let Some(range) = snapshot.range(t.name.span) else {
                    continue;
                };
                let args = vec![json!(uri.as_str()), json!(t.name.value)];
                out.push(CodeLens {
                    range,
                    command: Some(Command::new(
                        "▶ run test".to_string(),
                        RUN_TEST.to_string(),
                        Some(args),
                    )),
                    data: None,
                });
                out.push(CodeLens {
                    range,
                    command: None,
                    data: Some(json!({ "uri": uri.as_str(), "test": t.name.value })),
                });
            }
            ItemKind::Rule(r) => {
                let Some(range) = snapshot.range(r.name.span) else {
                    continue;
                };
                let tests: Vec<Location> = tests_of(&snapshot.policy, &r.name.name)
                    .filter_map(|t| snapshot.location(t.span))
                    .collect();
                let title = count(tests.len());
                out.push(CodeLens {
                    range,
                    command: Some(Command::new(
                        title,
                        SHOW_TESTS.to_string(),
                        Some(vec![
                            json!(uri.as_str()),
                            json!(range.start),
                            serde_json::to_value(&tests).unwrap_or(Value::Null),
                        ]),
                    )),
                    data: None,
                });
            }
            _ => {}
        }
    }
    out
}

/// The test a lens's `data` names, if any.
pub fn lens_test(data: &Value) -> Option<(&str, &str)> {
    Some((data.get("uri")?.as_str()?, data.get("test")?.as_str()?))
}

/// Fills a test lens's command with the test's result.
pub fn resolve(snapshot: &Snapshot, mut lens: CodeLens) -> CodeLens {
    let Some((uri, name)) = lens.data.as_ref().and_then(lens_test) else {
        return lens;
    };
    let args = vec![json!(uri), json!(name)];
    let title = result_title(&snapshot.policy, name);
    lens.command = Some(Command::new(title, RUN_TEST.to_string(), Some(args)));
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
        let titles: Vec<String> = lenses
            .iter()
            .map(|l| match &l.command {
                Some(c) => c.title.clone(),
                None => resolve(&s, l.clone()).command.unwrap().title,
            })
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
            .filter(|l| l.command.is_none())
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
