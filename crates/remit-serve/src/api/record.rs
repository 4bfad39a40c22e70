//! What a decision, commit or release leaves behind: its metrics and its
//! line in the decision log (built from the answer, so the log says
//! exactly what the client was told).

use super::{table_fields, AppState};
use crate::clock;
use crate::decision_log::line::{
    DecidedBy, DecisionLine, LogLine, LoggedDecision, LoggedRequest, UseLine, FORMAT,
};
use crate::decision_log::DecisionLog;
use crate::ledger::{Millis, Scope, UseRecord};
use serde_json::{Map, Value};
use std::time::Instant;

/// What a decision was made for, beside its answer.
pub(super) struct DecisionContext<'a> {
    pub(super) client: &'a str,
    pub(super) endpoint: DecidedBy,
    pub(super) scope: &'a Scope,
    /// `role`, `action`, `params`, `customer`, `context`.
    pub(super) table: &'a Map<String, Value>,
    pub(super) idempotency_key: Option<&'a str>,
    pub(super) at: Millis,
    pub(super) started: Instant,
}

/// Counts a decision in the metrics and writes its line to the decision
/// log (never waiting for it).
pub(super) fn record_decision(s: &AppState, d: &DecisionContext<'_>, answer: &Map<String, Value>) {
    let endpoint = match d.endpoint {
        DecidedBy::Decide => "decide",
        DecidedBy::Uses => "uses",
        DecidedBy::Commit => "commit",
    };
    let policy = d.scope.policy.as_str();
    let decision = answer
        .get("decision")
        .and_then(Value::as_str)
        .unwrap_or("deny");
    let m = &s.metrics;
    m.decisions
        .with_label_values(&[endpoint, policy, decision])
        .inc();
    m.decision_latency
        .with_label_values(&[endpoint, policy])
        .observe(d.started.elapsed().as_secs_f64());
    let rules: Vec<&str> = answer
        .get("rules")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if rules.is_empty() {
        m.rules.with_label_values(&[policy, decision, ""]).inc();
    }
    for rule in rules {
        m.rules.with_label_values(&[policy, decision, rule]).inc();
    }
    if let Some(log) = &s.log {
        match decision_line(log, d, answer) {
            Some(line) => log.record(&line),
            // Never a made-up line: the loss is counted like a failed write.
            None => log.count_unwritable(),
        }
    }
}

/// The decision log's line for a decision and its answer (`None` if the
/// answer is not a decision, which the handlers never make).
fn decision_line(
    log: &DecisionLog,
    d: &DecisionContext<'_>,
    answer: &Map<String, Value>,
) -> Option<LogLine> {
    let text = |k: &str| {
        answer
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let mut table = d.table.clone();
    let redacted = log.redact(&mut table);
    let section = |k: &str| {
        table
            .get(k)
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    let request = LoggedRequest {
        role: table
            .get("role")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        action: table
            .get("action")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        params: section("params"),
        customer: section("customer"),
        context: section("context"),
    };
    let fields: Map<String, Value> = answer
        .iter()
        .filter(|(k, _)| {
            [
                "decision",
                "escalate_to",
                "obligations",
                "aims",
                "notify",
                "rules",
                "errors",
            ]
            .contains(&k.as_str())
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let decision: LoggedDecision = serde_json::from_value(Value::Object(fields)).ok()?;
    Some(LogLine::Decision(Box::new(DecisionLine {
        log: FORMAT.into(),
        id: text("decision_id"),
        at: clock::rfc3339(d.at),
        client: d.client.to_string(),
        endpoint: d.endpoint,
        policy: d.scope.policy.clone(),
        digest: text("digest"),
        customer_id: d.scope.customer_id.clone(),
        employee_id: d.scope.employee_id.clone(),
        request,
        redacted,
        usage: answer
            .get("usage")
            .and_then(|u| serde_json::from_value(u.clone()).ok())
            .unwrap_or_default(),
        decision,
        use_id: answer
            .get("use_id")
            .and_then(Value::as_str)
            .map(str::to_string),
        committed: answer.get("state").and_then(Value::as_str) == Some("committed"),
        idempotency_key: d.idempotency_key.map(str::to_string),
    })))
}

/// Writes a commit's or release's line to the decision log.
pub(super) fn record_use(s: &AppState, client: &str, r: &UseRecord, commit: bool, at: Millis) {
    let Some(log) = &s.log else {
        return;
    };
    let line = UseLine {
        log: FORMAT.into(),
        id: uuid::Uuid::now_v7().to_string(),
        at: clock::rfc3339(at),
        client: client.to_string(),
        policy: r.scope.policy.clone(),
        use_id: r.id.clone(),
        customer_id: r.scope.customer_id.clone(),
        employee_id: r.scope.employee_id.clone(),
        action: r.action.clone(),
        amount: r.amount,
    };
    log.record(&if commit {
        LogLine::Commit(line)
    } else {
        LogLine::Release(line)
    });
}

/// Logs the decision made again when an expired hold is committed.
pub(super) fn record_redecision(
    s: &AppState,
    client: &str,
    r: &UseRecord,
    answer: &Value,
    at: Millis,
    started: Instant,
) {
    let Value::Object(answer) = answer else {
        return;
    };
    let table = table_fields(&r.request);
    let d = DecisionContext {
        client,
        endpoint: DecidedBy::Commit,
        scope: &r.scope,
        table: &table,
        idempotency_key: None,
        at,
        started,
    };
    record_decision(s, &d, answer);
}
