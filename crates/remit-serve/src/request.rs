//! Reading and validating request bodies: every problem is listed at once.

use crate::error::{ApiError, Problem};
use crate::ledger::{Counts, Scope};
use crate::tables::{Policy, Tables};
use axum::http::StatusCode;
use serde_json::{Map, Value};
use std::sync::Arc;

/// The largest body the service reads.
pub const MAX_BODY: usize = 1 << 20;
/// The longest id or idempotency key.
const MAX_ID: usize = 256;
/// The longest hold.
const MAX_HOLD_SECONDS: i64 = 86_400;
/// A hold's length unless the request says.
pub const DEFAULT_HOLD_SECONDS: i64 = 900;

/// Which endpoint a body is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `POST /v1/decide`.
    Decide,
    /// `POST /v1/headroom`: a decide body plus `param`.
    Headroom,
    /// `POST /v1/uses`.
    Uses,
}

/// The table-request fields the service passes to the evaluator.
pub const TABLE_FIELDS: [&str; 5] = ["role", "action", "params", "customer", "context"];
const IDENTITY_FIELDS: [&str; 3] = ["policy", "customer_id", "employee_id"];
const USE_FIELDS: [&str; 3] = ["idempotency_key", "hold_seconds", "commit"];

/// A validated request.
#[derive(Debug, Clone)]
pub struct ServiceRequest {
    /// The policy, customer and employee.
    pub scope: Scope,
    /// The policy's table, as it was when the request arrived.
    pub policy: Arc<Policy>,
    /// `role`, `action`, `params`, `customer`, `context`, as given.
    pub table: Map<String, Value>,
    /// The idempotency key, if any.
    pub idempotency_key: Option<String>,
    /// How long a hold lasts.
    pub hold_seconds: i64,
    /// Record the use at once instead of holding it.
    pub commit: bool,
    /// For headroom: the parameter asked about (`amount`).
    pub param: Option<String>,
    /// The whole body (stored with a use, hashed for idempotency).
    pub body: Value,
}

impl ServiceRequest {
    /// The table request with the counters filled in.
    pub fn with_usage(&self, usage: &Counts) -> Value {
        with_usage(&self.table, usage)
    }

    /// The action named by the request.
    pub fn action(&self) -> &str {
        self.table
            .get("action")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// The action's money parameter (0 when it has none).
    pub fn amount(&self) -> i64 {
        amount_of(&self.policy, &self.table)
    }
}

/// A table request from its fields and counters.
pub fn with_usage(table: &Map<String, Value>, usage: &Counts) -> Value {
    let mut request = table.clone();
    let usage: Map<String, Value> = usage
        .iter()
        .map(|(k, v)| (k.clone(), Value::from(*v)))
        .collect();
    request.insert("usage".into(), Value::Object(usage));
    Value::Object(request)
}

/// The money parameter of the request's action, or 0.
pub fn amount_of(policy: &Policy, table: &Map<String, Value>) -> i64 {
    let action = table.get("action").and_then(Value::as_str).unwrap_or("");
    policy
        .money_param(action)
        .and_then(|p| table.get("params")?.get(p)?.as_i64())
        .unwrap_or(0)
}

fn describe(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Parses JSON, with the position of a syntax error.
pub fn parse_json(bytes: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("the body is not valid JSON: {e}"),
        )
        .help("send one JSON object with `Content-Type: application/json`")
    })
}

fn identity(body: &Map<String, Value>, field: &str, problems: &mut Vec<Problem>) -> String {
    match body.get(field) {
        None => {
            problems.push(Problem::at(field, format!("`{field}` is missing; the ledger counts uses per policy, customer and employee, so every request names them")));
            String::new()
        }
        Some(Value::String(s)) if s.is_empty() => {
            problems.push(Problem::at(field, format!("`{field}` is empty")));
            String::new()
        }
        Some(Value::String(s)) if s.len() > MAX_ID => {
            problems.push(Problem::at(
                field,
                format!("`{field}` is {} bytes long; the limit is {MAX_ID}", s.len()),
            ));
            String::new()
        }
        Some(Value::String(s)) => s.clone(),
        Some(v) => {
            problems.push(Problem::at(
                field,
                format!("`{field}` must be a string, not {}", describe(v)),
            ));
            String::new()
        }
    }
}

/// Validates a body for `endpoint` against the served tables.
pub fn read(bytes: &[u8], endpoint: Endpoint, tables: &Tables) -> Result<ServiceRequest, ApiError> {
    let body = parse_json(bytes)?;
    let Value::Object(map) = &body else {
        return Err(ApiError::invalid(vec![Problem {
            field: None,
            kind: None,
            message: format!("the body must be a JSON object, not {}", describe(&body)),
        }]));
    };
    let mut problems = Vec::new();
    for key in map.keys() {
        let known = TABLE_FIELDS.contains(&key.as_str())
            || IDENTITY_FIELDS.contains(&key.as_str())
            || (endpoint == Endpoint::Uses && USE_FIELDS.contains(&key.as_str()))
            || (endpoint == Endpoint::Headroom && key == "param");
        if known {
            continue;
        }
        let message = if key == "usage" {
            "`usage` is filled by the service from its ledger; remove it".to_string()
        } else if USE_FIELDS.contains(&key.as_str()) {
            format!("`{key}` belongs to `POST /v1/uses`; `POST /v1/decide` records nothing")
        } else {
            format!(
                "unknown field `{key}`; a request has {}",
                IDENTITY_FIELDS
                    .iter()
                    .chain(TABLE_FIELDS.iter())
                    .chain(match endpoint {
                        Endpoint::Uses => USE_FIELDS.iter(),
                        Endpoint::Headroom => ["param"].iter(),
                        Endpoint::Decide => [].iter(),
                    })
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        problems.push(Problem::at(key, message));
    }
    let policy_name = identity(map, "policy", &mut problems);
    let customer_id = identity(map, "customer_id", &mut problems);
    let employee_id = identity(map, "employee_id", &mut problems);
    let mut param = None;
    if endpoint == Endpoint::Headroom {
        match map.get("param") {
            Some(Value::String(p)) if !p.is_empty() => param = Some(p.clone()),
            None => problems.push(Problem::at(
                "param",
                "`param` is missing: name the parameter to find the headroom of, e.g. `\"param\": \"amount\"`".to_string(),
            )),
            Some(v) => problems.push(Problem::at(
                "param",
                format!("`param` must be a parameter's name, e.g. `\"amount\"`, not {}", describe(v)),
            )),
        }
    }
    let mut idempotency_key = None;
    let mut hold_seconds = DEFAULT_HOLD_SECONDS;
    let mut commit = false;
    if endpoint == Endpoint::Uses {
        match map.get("idempotency_key") {
            None => {}
            Some(Value::String(k)) if !k.is_empty() && k.len() <= MAX_ID => {
                idempotency_key = Some(k.clone())
            }
            Some(Value::String(_)) => problems.push(Problem::at(
                "idempotency_key",
                format!("`idempotency_key` must be 1 to {MAX_ID} bytes long"),
            )),
            Some(v) => problems.push(Problem::at(
                "idempotency_key",
                format!("`idempotency_key` must be a string, not {}", describe(v)),
            )),
        }
        match map.get("commit") {
            None => {}
            Some(Value::Bool(b)) => commit = *b,
            Some(v) => problems.push(Problem::at(
                "commit",
                format!("`commit` must be `true` or `false`, not {}", describe(v)),
            )),
        }
        match map.get("hold_seconds") {
            None => {}
            Some(v) => match v.as_i64() {
                Some(s) if (1..=MAX_HOLD_SECONDS).contains(&s) && v.is_i64() => {
                    if commit {
                        problems.push(Problem::at("hold_seconds", "`hold_seconds` and `\"commit\": true` exclude each other: a committed use is not held"));
                    }
                    hold_seconds = s;
                }
                _ => problems.push(Problem::at(
                    "hold_seconds",
                    format!("`hold_seconds` must be a whole number of seconds from 1 to {MAX_HOLD_SECONDS}, not {v}"),
                )),
            },
        }
    }
    let mut table = Map::new();
    for f in TABLE_FIELDS {
        if let Some(v) = map.get(f) {
            table.insert(f.to_string(), v.clone());
        }
    }
    let policy = if policy_name.is_empty() {
        None
    } else {
        match tables.get(&policy_name) {
            Some(p) => Some(p),
            None => {
                let served: Vec<String> = tables
                    .all()
                    .iter()
                    .map(|p| format!("`{}`", p.name))
                    .collect();
                let e = ApiError::new(
                    StatusCode::NOT_FOUND,
                    "unknown_policy",
                    format!("this service does not serve policy `{policy_name}`"),
                )
                .help(format!("it serves {}", served.join(", ")));
                if problems.is_empty() {
                    return Err(e);
                }
                problems.push(Problem::at("policy", e.message));
                None
            }
        }
    };
    // Headroom asks about a parameter the request need not give (TABLE.md:
    // a given value is ignored): a placeholder lets the rest be checked.
    if let Some(name) = &param {
        let name = name.strip_prefix("param.").unwrap_or(name);
        let params = table
            .entry("params")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(params) = params {
            params.entry(name.to_string()).or_insert(Value::from(0));
        }
    }
    if let Some(policy) = &policy {
        problems.extend(preflight(policy, &table));
    }
    match policy {
        Some(policy) if problems.is_empty() => Ok(ServiceRequest {
            scope: Scope {
                policy: policy_name,
                customer_id,
                employee_id,
            },
            policy,
            table,
            idempotency_key,
            hold_seconds,
            commit,
            param,
            body,
        }),
        Some(policy) => {
            Err(ApiError::invalid(problems).with("digest", Value::from(policy.digest.clone())))
        }
        None => Err(ApiError::invalid(problems)),
    }
}

/// The evaluator's problems with the table part of a request, found by
/// deciding it once with every counter at zero (the ledger fills real
/// counters later, so they are never missing or ill-typed).
pub fn preflight(policy: &Policy, table: &Map<String, Value>) -> Vec<Problem> {
    let zeros: Counts = policy
        .table
        .counters
        .keys()
        .map(|k| (k.clone(), 0))
        .collect();
    policy
        .evaluator
        .decide(&with_usage(table, &zeros))
        .errors
        .into_iter()
        .map(|e| Problem {
            field: e.input,
            kind: Some(e.kind.as_str().to_string()),
            message: e.message,
        })
        .collect()
}
