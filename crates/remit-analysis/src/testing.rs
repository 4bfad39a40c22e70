//! Running a policy's own `test` items (LANGUAGE.md §7) through the same
//! evaluator downstream systems use.

use remit_diagnostics::{panic_message, Span};
use remit_sema::model::{Expected, Model, TestDef, TestValue};
use remit_table::v2::{Table, Window};
use remit_table::{Evaluator, Explanation, Measure, Outcome};
use serde_json::{json, Map, Value};
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The outcome of one test.
#[derive(Debug, Clone)]
pub struct TestResult {
    /// The test's name.
    pub name: String,
    /// The test item.
    pub span: Span,
    /// Whether the decision is what the test expects.
    pub passed: bool,
    /// What the test expects, in words (`permit requiring reason_code`).
    pub expected: String,
    /// What the evaluator decided, in words.
    pub actual: String,
    /// The request sent to the evaluator.
    pub request: Value,
    /// The evaluator's decision and trace.
    pub explanation: Explanation,
}

/// The request a test describes, with every counter of the table computed
/// from its `history` (LANGUAGE.md §7, §8.6):
///
/// - a sliding window counts an entry strictly younger than the window;
/// - a calendar window counts an entry made at or after the start of the
///   period that holds the test's `at`, in the table's time zone;
/// - a window of every use counts every entry;
/// - a keyed counter counts an entry that names the request's value for
///   each key it is kept by, or names no value for it;
/// - per-customer and per-employee counters count every entry (history is
///   this employee's uses for this customer).
pub fn request_for(model: &Model, table: &Table, test: &TestDef) -> Value {
    let object = |values: &[(String, TestValue)]| -> Value {
        let mut m = Map::new();
        for (k, v) in values {
            m.insert(k.clone(), test_value(v));
        }
        Value::Object(m)
    };
    let mut usage = Map::new();
    for (id, counter) in &table.counters {
        let since = match counter.window {
            Window::Calendar(period) => test.at.and_then(|at| {
                remit_table::calendar::period_start(
                    at.saturating_mul(1000),
                    period,
                    &table.timezone,
                )
                .map(|ms| ms.div_euclid(1000))
            }),
            _ => None,
        };
        let mut total: i64 = 0;
        for past in &test.history {
            let action = &model.actions[past.action].name;
            if !counter.actions.contains(action) {
                continue;
            }
            let in_window = match counter.window {
                Window::SlidingMinutes(w) => past.minutes_ago < w,
                Window::All(_) => true,
                Window::Calendar(_) => match (test.at, since) {
                    (Some(at), Some(start)) => {
                        at.saturating_sub(past.minutes_ago.saturating_mul(60)) >= start
                    }
                    _ => false,
                },
            };
            let keys_match = counter.per.iter().all(|subject| {
                let Some(key) = subject.strip_prefix("context.") else {
                    return true;
                };
                let wanted = test.context.iter().find_map(|(k, v)| match v {
                    TestValue::Key(value) if k == key => Some(value),
                    _ => None,
                });
                match past.keys.iter().find(|(k, _)| k == key) {
                    None => true,
                    Some((_, value)) => wanted == Some(value),
                }
            });
            if !in_window || !keys_match {
                continue;
            }
            total = total.saturating_add(match counter.measure {
                Measure::Count => 1,
                Measure::Sum => past.amount.unwrap_or(0),
            });
        }
        usage.insert(id.clone(), json!(total));
    }
    json!({
        "role": model.roles[test.role].name,
        "action": model.actions[test.action].name,
        "params": object(&test.params),
        "customer": object(&test.customer),
        "context": object(&test.context),
        "usage": Value::Object(usage),
    })
}

fn test_value(v: &TestValue) -> Value {
    match v {
        TestValue::Int(n) => json!(n),
        TestValue::Bool(b) => json!(b),
        TestValue::Variant(s) => json!(s),
        TestValue::Set(items) => json!(items),
        TestValue::Key(k) => json!(k),
    }
}

/// Words for an expectation.
pub fn describe_expected(e: &Expected) -> String {
    match e {
        Expected::Permit(None) => "permit".to_string(),
        Expected::Permit(Some(o)) if o.is_empty() => "permit requiring nothing".to_string(),
        Expected::Permit(Some(o)) => format!(
            "permit requiring {}",
            o.iter().cloned().collect::<Vec<_>>().join(", ")
        ),
        Expected::Deny => "deny".to_string(),
        Expected::Escalate(r) => format!("escalate to {r}"),
    }
}

/// Words for a decision.
pub fn describe_decision(d: &remit_table::Decision) -> String {
    match d.decision {
        Outcome::Permit if d.obligations.is_empty() => "permit".to_string(),
        Outcome::Permit => format!("permit requiring {}", d.obligations.join(", ")),
        Outcome::Escalate => format!("escalate to {}", d.escalate_to.join(", ")),
        _ if !d.errors.is_empty() => format!(
            "deny (invalid request: {})",
            d.errors
                .iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join("; ")
        ),
        _ => "deny".to_string(),
    }
}

fn matches(expected: &Expected, d: &remit_table::Decision) -> bool {
    match expected {
        Expected::Permit(req) => {
            d.decision == Outcome::Permit
                && req
                    .as_ref()
                    .is_none_or(|set| set.iter().eq(d.obligations.iter()))
        }
        Expected::Deny => d.decision == Outcome::Deny,
        Expected::Escalate(r) => d.decision == Outcome::Escalate && d.escalate_to == [r.clone()],
    }
}

/// Runs one test against an evaluator.
pub fn run_test(model: &Model, evaluator: &Evaluator, test: &TestDef) -> TestResult {
    let request = request_for(model, evaluator.document(), test);
    let explanation = evaluator.explain(&request);
    TestResult {
        name: test.name.clone(),
        span: test.span,
        passed: matches(&test.expect, &explanation.decision),
        expected: describe_expected(&test.expect),
        actual: describe_decision(&explanation.decision),
        request,
        explanation,
    }
}

/// Why a policy's tests could not run.
#[derive(Debug, Clone, PartialEq)]
pub enum TestRunError {
    /// The lowered table does not load into an evaluator.
    Table(remit_table::TableError),
    /// Running a test panicked: a bug in Remit, reported rather than
    /// turned into "no results".
    Panicked {
        /// The test that was running.
        test: String,
        /// What the panic said.
        message: String,
    },
}

impl fmt::Display for TestRunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TestRunError::Table(e) => write!(
                f,
                "the policy's table does not load, so its tests cannot run: {e}"
            ),
            TestRunError::Panicked { test, message } => write!(
                f,
                "test \"{test}\" could not run: internal error ({message}); this is a bug in remit, please report it with the policy"
            ),
        }
    }
}

impl std::error::Error for TestRunError {}

/// Runs every test of a policy against its lowered table.
pub fn run_tests(model: &Model, table: &Table) -> Result<Vec<TestResult>, TestRunError> {
    let evaluator = Evaluator::from_document(table.clone()).map_err(TestRunError::Table)?;
    run_each(model.tests.as_slice(), |t| run_test(model, &evaluator, t))
}

/// Runs `run` on each test behind a panic guard: a test that panics is an
/// error naming it, never a silently missing result.
fn run_each(
    tests: &[TestDef],
    run: impl Fn(&TestDef) -> TestResult,
) -> Result<Vec<TestResult>, TestRunError> {
    tests
        .iter()
        .map(|t| {
            catch_unwind(AssertUnwindSafe(|| run(t))).map_err(|payload| TestRunError::Panicked {
                test: t.name.clone(),
                message: panic_message(&*payload),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use remit_diagnostics::{LintLevels, Sources};

    const POLICY: &str = "currency USD\ncustomer { vip: Bool }\nrole clerk\naction refund(amount: Money)\n\
        rule r {\n  permit clerk to refund\n  for any customer\n  limit amount <= 20 USD\n  limit 1 per customer per 1 day\n}\n\
        test \"small\" {\n  role clerk\n  action refund { amount: 5 USD }\n  customer { vip: true }\n  expect permit\n}\n\
        test \"large\" {\n  role clerk\n  action refund { amount: 50 USD }\n  customer { vip: true }\n  expect deny\n}\n";

    fn analysis() -> crate::Analysis {
        let mut sources = Sources::new();
        sources.add("p.remit", POLICY);
        let a = crate::analyze(sources, "p", &LintLevels::new());
        assert!(!a.has_errors(), "{:?}", a.diagnostics);
        a
    }

    #[test]
    fn tests_run_and_pass() {
        let a = analysis();
        let results = run_tests(&a.checked.model, &a.lowered.table).unwrap();
        let names: Vec<(&str, bool)> = results
            .iter()
            .map(|r| (r.name.as_str(), r.passed))
            .collect();
        assert_eq!(names, [("small", true), ("large", true)]);
    }

    /// Issue 14: a panicking test run became "no results"; now it is an
    /// error naming the test.
    #[test]
    fn a_panicking_test_is_an_error_naming_it() {
        let a = analysis();
        let evaluator = Evaluator::from_document(a.lowered.table.clone()).unwrap();
        let model = &a.checked.model;
        let error = run_each(model.tests.as_slice(), |t| {
            if t.name == "large" {
                panic!("index out of bounds");
            }
            run_test(model, &evaluator, t)
        })
        .unwrap_err();
        assert_eq!(
            error,
            TestRunError::Panicked {
                test: "large".into(),
                message: "index out of bounds".into()
            }
        );
        assert_eq!(
            error.to_string(),
            "test \"large\" could not run: internal error (index out of bounds); this is a bug in remit, please report it with the policy"
        );
    }
}
