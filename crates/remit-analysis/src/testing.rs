//! Running a policy's own `test` items (LANGUAGE.md §7) through the same
//! evaluator downstream systems use.

use remit_diagnostics::Span;
use remit_sema::model::{Expected, Model, TestDef, TestValue};
use remit_table::{Evaluator, Explanation, Measure, Outcome, Table};
use serde_json::{json, Map, Value};

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
/// from its `history`: an entry counts in a window when it is strictly
/// younger than the window, and both per-customer and per-employee
/// counters count every entry (history is this employee's uses for this
/// customer).
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
        let mut total: i64 = 0;
        for past in &test.history {
            let action = &model.actions[past.action].name;
            if !counter.actions.contains(action) || past.minutes_ago >= counter.window_minutes {
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
    let request = evaluator
        .table()
        .map_or(Value::Null, |table| request_for(model, table, test));
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

/// Runs every test of a policy against its lowered table.
pub fn run_tests(model: &Model, table: &Table) -> Result<Vec<TestResult>, remit_table::TableError> {
    let evaluator = Evaluator::new(table.clone())?;
    Ok(model
        .tests
        .iter()
        .map(|t| run_test(model, &evaluator, t))
        .collect())
}
