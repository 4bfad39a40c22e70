//! `POST /v1/outcomes`: what came of a committed use, checked against the
//! outcomes its policy's table declares, stored once per use and outcome.

use super::{read_body, unknown_use, Client, Shared};
use crate::clock;
use crate::decision_log::line::{LogLine, OutcomeLine, FORMAT};
use crate::error::{ApiError, Problem};
use crate::ledger::{OutcomeRecord, OutcomeWrite, UseState};
use crate::request;
use crate::tables::Policy;
use axum::body::Body;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

/// A validated `POST /v1/outcomes` body.
#[derive(Debug, Clone, PartialEq, Eq)]
struct OutcomeBody {
    use_id: String,
    outcome: String,
    achieved: bool,
}

/// Reads `{"use_id", "outcome", "achieved"}`, listing every problem.
fn outcome_body(bytes: &[u8]) -> Result<OutcomeBody, ApiError> {
    let body = request::parse_json(bytes)?;
    let Value::Object(map) = body else {
        return Err(ApiError::invalid(vec![Problem {
            field: None,
            kind: None,
            message: "the body must be a JSON object such as `{\"use_id\": \"…\", \"outcome\": \"guest_retained\", \"achieved\": true}`".into(),
        }]));
    };
    let mut problems = Vec::new();
    for k in map.keys() {
        if !["use_id", "outcome", "achieved"].contains(&k.as_str()) {
            problems.push(Problem::at(
                k,
                format!("unknown field `{k}`; an outcome has `use_id`, `outcome` and `achieved`"),
            ));
        }
    }
    let mut text = |field: &str, what: &str| match map.get(field) {
        Some(Value::String(v)) if !v.is_empty() && v.len() <= 256 => v.clone(),
        Some(Value::String(_)) => {
            problems.push(Problem::at(
                field,
                format!("`{field}` must be 1 to 256 bytes long"),
            ));
            String::new()
        }
        None => {
            problems.push(Problem::at(field, format!("`{field}` is missing: {what}")));
            String::new()
        }
        Some(v) => {
            problems.push(Problem::at(
                field,
                format!("`{field}` must be a string, not `{v}`"),
            ));
            String::new()
        }
    };
    let use_id = text("use_id", "the `use_id` that `POST /v1/uses` answered");
    let outcome = text("outcome", "one of the outcomes the policy declares");
    let achieved = match map.get("achieved") {
        Some(Value::Bool(b)) => *b,
        None => {
            problems.push(Problem::at(
                "achieved",
                "`achieved` is missing: `true` if the outcome came about, `false` if not",
            ));
            false
        }
        Some(v) => {
            problems.push(Problem::at(
                "achieved",
                format!("`achieved` must be `true` or `false`, not `{v}`"),
            ));
            false
        }
    };
    if problems.is_empty() {
        Ok(OutcomeBody {
            use_id,
            outcome,
            achieved,
        })
    } else {
        Err(ApiError::invalid(problems))
    }
}

/// Checks that `outcome` is one `policy` declares.
fn declared(policy: &Policy, outcome: &str) -> Result<(), ApiError> {
    let declared = policy.outcomes();
    if declared.contains_key(outcome) {
        return Ok(());
    }
    let (problem, help) = if declared.is_empty() {
        (
            format!(
                "policy `{}` declares no outcomes (its table {} is `{}`{}), so no outcome can be recorded for its uses",
                policy.name,
                policy.digest,
                policy.table.format,
                if policy.table.format == remit_table::FORMAT {
                    ", which has none"
                } else {
                    ""
                }
            ),
            "declare the outcomes the policy's rules aim at (`outcome guest_retained \"…\"` and `aims guest_retained`, LANGUAGE.md §8.5), then serve the `remit.table/2` table that `remit build` writes".to_string(),
        )
    } else {
        let names: Vec<String> = declared.keys().map(|k| format!("`{k}`")).collect();
        (
            format!("policy `{}` declares no outcome `{outcome}`", policy.name),
            format!("it declares {}", names.join(", ")),
        )
    };
    Err(ApiError::invalid(vec![Problem::at("outcome", problem)])
        .help(help)
        .with("digest", json!(policy.digest)))
}

fn outcome_json(o: &OutcomeRecord) -> Value {
    json!({
        "use_id": o.use_id,
        "outcome": o.outcome,
        "achieved": o.achieved,
        "policy": o.policy,
        "digest": o.digest,
        "recorded_at": clock::rfc3339(o.recorded_at),
    })
}

pub(super) async fn outcomes(
    State(s): State<Shared>,
    Extension(Client(client)): Extension<Client>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let bytes = read_body(&headers, body).await?;
    let body = outcome_body(&bytes)?;
    let Some(record) = s
        .ledger
        .get(&body.use_id)
        .await
        .map_err(|e| s.store_error(e))?
    else {
        return Err(unknown_use(&body.use_id));
    };
    match record.state {
        UseState::Committed => {}
        UseState::Held => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "use_not_committed",
                format!(
                    "use `{}` is a hold, not yet a use; an outcome is what came of a committed use",
                    record.id
                ),
            )
            .help(format!(
                "commit it first (`POST /v1/uses/{}/commit`), then record its outcome",
                record.id
            )))
        }
        UseState::Released => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "use_released",
                format!(
                    "use `{}` was released: the employee did not act, so nothing came of it",
                    record.id
                ),
            )
            .help("record outcomes of committed uses only"))
        }
    }
    let Some(policy) = s.tables.get(&record.scope.policy) else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_policy",
            format!(
                "use `{}` is of policy `{}`, which this service no longer serves",
                record.id, record.scope.policy
            ),
        )
        .help("serve the policy's table again (`--table`) to record outcomes of its uses"));
    };
    declared(&policy, &body.outcome)?;
    let now = clock::now();
    let asked = OutcomeRecord {
        use_id: record.id.clone(),
        outcome: body.outcome.clone(),
        achieved: body.achieved,
        policy: policy.name.clone(),
        digest: policy.digest.clone(),
        client: client.clone(),
        recorded_at: now,
    };
    match s
        .ledger
        .record_outcome(asked)
        .await
        .map_err(|e| s.store_error(e))?
    {
        OutcomeWrite::Recorded(o) => {
            s.metrics
                .outcomes
                .with_label_values(&[
                    o.policy.as_str(),
                    o.outcome.as_str(),
                    if o.achieved { "true" } else { "false" },
                ])
                .inc();
            if let Some(log) = &s.log {
                log.record(&LogLine::Outcome(OutcomeLine {
                    log: FORMAT.into(),
                    id: uuid::Uuid::now_v7().to_string(),
                    at: clock::rfc3339(now),
                    client,
                    policy: o.policy.clone(),
                    digest: o.digest.clone(),
                    use_id: o.use_id.clone(),
                    outcome: o.outcome.clone(),
                    achieved: o.achieved,
                }));
            }
            Ok(Json(outcome_json(&o)).into_response())
        }
        OutcomeWrite::Repeated(o) => {
            let mut r = Json(outcome_json(&o)).into_response();
            r.headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            Ok(r)
        }
        OutcomeWrite::Conflict(o) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "outcome_conflict",
            format!(
                "outcome `{}` of use `{}` was recorded at {} as {}achieved; it cannot be recorded again as {}achieved",
                o.outcome,
                o.use_id,
                clock::rfc3339(o.recorded_at),
                if o.achieved { "" } else { "not " },
                if o.achieved { "not " } else { "" },
            ),
        )
        .help("an outcome is recorded once per use; repeat the first record exactly, or leave it")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_bodies_list_every_problem() {
        assert_eq!(
            outcome_body(br#"{"use_id": "u", "outcome": "kept", "achieved": false}"#).unwrap(),
            OutcomeBody {
                use_id: "u".into(),
                outcome: "kept".into(),
                achieved: false
            }
        );
        let e = outcome_body(br#"{"use_id": 7, "achieved": "yes", "x": 1}"#).unwrap_err();
        let fields: Vec<_> = e
            .problems
            .iter()
            .map(|p| p.field.clone().unwrap())
            .collect();
        assert_eq!(fields, ["x", "use_id", "outcome", "achieved"]);
        assert_eq!(outcome_body(b"[]").unwrap_err().code, "invalid_request");
    }
}
