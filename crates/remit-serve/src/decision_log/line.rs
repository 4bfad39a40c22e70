//! The decision log's line format, `remit.log/1` (docs/service.md, "The
//! decision log"): the types every line is written from and read back
//! into (`remit replay`), and their JSON Schema (`remit schema --log`).

use remit_table::Outcome;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The format of every line, its `log` field.
pub const FORMAT: &str = "remit.log/1";

/// What replaces the value of a redacted attribute (`--redact`).
pub const REDACTED: &str = "[redacted]";

/// One line of the decision log: a JSON object with `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LogLine {
    /// A decision (`POST /v1/decide`, `POST /v1/uses`, or the commit of an
    /// expired hold, which is decided again).
    Decision(Box<DecisionLine>),
    /// A hold made a use (`POST /v1/uses/{id}/commit`).
    Commit(UseLine),
    /// A hold dropped (`POST /v1/uses/{id}/release`).
    Release(UseLine),
    /// What came of a use (`POST /v1/outcomes`).
    Outcome(OutcomeLine),
}

/// The endpoint that made a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DecidedBy {
    /// `POST /v1/decide`: decided, nothing recorded.
    Decide,
    /// `POST /v1/uses`: decided and, if permitted, held or committed.
    Uses,
    /// `POST /v1/uses/{id}/commit` of an expired hold, decided again.
    Commit,
}

/// One decision, with everything it was decided on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionLine {
    /// Always `remit.log/1`.
    pub log: String,
    /// The decision id (a UUID v7, time-ordered); the answer's
    /// `decision_id`.
    pub id: String,
    /// When it was decided: RFC 3339, UTC, milliseconds.
    pub at: String,
    /// The client's name from `--tokens` (`anonymous` without tokens).
    pub client: String,
    /// The endpoint that decided.
    pub endpoint: DecidedBy,
    /// The policy.
    pub policy: String,
    /// The digest of the table that decided.
    pub digest: String,
    /// The customer the request was for.
    pub customer_id: String,
    /// The employee who asked.
    pub employee_id: String,
    /// The table request, as sent, redacted (no `usage`: that is
    /// [`DecisionLine::usage`]).
    pub request: LoggedRequest,
    /// The attributes whose values were replaced by `"[redacted]"`, as the
    /// table names them (`customer.email`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redacted: Vec<String>,
    /// Every counter the decision read (counter id → value, minor units
    /// for sums), before this request.
    pub usage: BTreeMap<String, i64>,
    /// The decision.
    pub decision: LoggedDecision,
    /// The use or hold it made, when it permitted one (`POST /v1/uses`).
    pub use_id: Option<String>,
    /// The use was committed at once (`"commit": true`): no commit line
    /// follows.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub committed: bool,
    /// The request's idempotency key, when it sent one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
}

/// The table part of a request (TABLE.md, without `usage`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LoggedRequest {
    /// The acting role.
    pub role: String,
    /// The action.
    pub action: String,
    /// The action's parameters (money in minor units).
    #[serde(default)]
    pub params: Map<String, Value>,
    /// Customer attributes.
    #[serde(default)]
    pub customer: Map<String, Value>,
    /// Context attributes.
    #[serde(default)]
    pub context: Map<String, Value>,
}

impl LoggedRequest {
    /// The table request this was, with `usage` as the counters.
    pub fn with_usage(&self, usage: &BTreeMap<String, i64>) -> Value {
        serde_json::json!({
            "role": self.role,
            "action": self.action,
            "params": self.params,
            "customer": self.customer,
            "context": self.context,
            "usage": usage,
        })
    }
}

/// A decision as the evaluator made it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LoggedDecision {
    /// `permit`, `deny` or `escalate`.
    pub decision: Outcome,
    /// Escalation targets (escalate only).
    #[serde(default)]
    pub escalate_to: Vec<String>,
    /// Obligations (permit only).
    #[serde(default)]
    pub obligations: Vec<String>,
    /// The outcomes the deciding rules aim at (absent when none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aims: Vec<String>,
    /// Roles to tell.
    #[serde(default)]
    pub notify: Vec<String>,
    /// The rules behind the decision (empty: the table's default).
    #[serde(default)]
    pub rules: Vec<String>,
    /// Problems with the request (then the decision is deny).
    #[serde(default)]
    pub errors: Vec<LoggedError>,
}

impl LoggedDecision {
    /// The decision as the evaluator's type (its errors' kinds are not
    /// kept: a logged decision with errors is never compared).
    pub fn to_decision(&self) -> remit_table::Decision {
        remit_table::Decision {
            decision: self.decision,
            escalate_to: self.escalate_to.clone(),
            obligations: self.obligations.clone(),
            aims: self.aims.clone(),
            notify: self.notify.clone(),
            rules: self.rules.clone(),
            errors: Vec::new(),
        }
    }
}

/// One problem the evaluator found with a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LoggedError {
    /// The kind (`missing_input`, `wrong_type`, …).
    pub kind: String,
    /// The input concerned.
    pub input: Option<String>,
    /// For people.
    pub message: String,
}

/// A commit or release of a hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UseLine {
    /// Always `remit.log/1`.
    pub log: String,
    /// The line's id (a UUID v7).
    pub id: String,
    /// When: RFC 3339, UTC, milliseconds.
    pub at: String,
    /// The client's name.
    pub client: String,
    /// The policy.
    pub policy: String,
    /// The use.
    pub use_id: String,
    /// The customer.
    pub customer_id: String,
    /// The employee.
    pub employee_id: String,
    /// The action.
    pub action: String,
    /// The use's final amount (minor units; 0 when the action has no money
    /// parameter).
    pub amount: i64,
}

/// An outcome recorded for a use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeLine {
    /// Always `remit.log/1`.
    pub log: String,
    /// The line's id (a UUID v7).
    pub id: String,
    /// When it was recorded: RFC 3339, UTC, milliseconds.
    pub at: String,
    /// The client's name.
    pub client: String,
    /// The policy.
    pub policy: String,
    /// The digest of the table the outcome was checked against.
    pub digest: String,
    /// The use.
    pub use_id: String,
    /// The outcome, as the table declares it.
    pub outcome: String,
    /// Whether it was achieved.
    pub achieved: bool,
}

/// The JSON Schema of one line (`remit schema --log`).
pub fn schema() -> Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(LogLine)).unwrap_or_default();
    if let Some(obj) = schema.as_object_mut() {
        obj.insert(
            "title".into(),
            Value::String(format!("Remit decision log line ({FORMAT})")),
        );
    }
    schema
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_reads_back_as_written() {
        let line = LogLine::Decision(Box::new(DecisionLine {
            log: FORMAT.into(),
            id: "d".into(),
            at: "2026-12-01T00:00:00.000Z".into(),
            client: "anonymous".into(),
            endpoint: DecidedBy::Uses,
            policy: "shop".into(),
            digest: "sha256:1".into(),
            customer_id: "c".into(),
            employee_id: "e".into(),
            request: LoggedRequest {
                role: "clerk".into(),
                action: "refund".into(),
                ..LoggedRequest::default()
            },
            redacted: vec![],
            usage: BTreeMap::from([("x".to_string(), 3)]),
            decision: LoggedDecision {
                decision: Outcome::Permit,
                escalate_to: vec![],
                obligations: vec![],
                aims: vec!["kept".into()],
                notify: vec![],
                rules: vec!["r".into()],
                errors: vec![],
            },
            use_id: Some("u".into()),
            committed: false,
            idempotency_key: None,
        }));
        let text = serde_json::to_string(&line).unwrap();
        assert!(
            text.starts_with(r#"{"kind":"decision","log":"remit.log/1""#),
            "{text}"
        );
        assert_eq!(serde_json::from_str::<LogLine>(&text).unwrap(), line);
    }

    #[test]
    fn the_schema_names_every_kind() {
        let text = schema().to_string();
        for kind in ["decision", "commit", "release", "outcome"] {
            assert!(text.contains(&format!("\"{kind}\"")), "{kind}");
        }
    }
}
