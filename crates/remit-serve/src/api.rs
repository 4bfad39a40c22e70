//! The HTTP API (SERVICE.md): routes, handlers and their answers.

use crate::auth::Tokens;
use crate::clock;
use crate::decision_log::line::{
    DecidedBy, DecisionLine, LogLine, LoggedDecision, LoggedRequest, OutcomeLine, UseLine, FORMAT,
};
use crate::decision_log::DecisionLog;
use crate::error::{ApiError, Problem};
use crate::ledger::{
    CommitOutcome, CommitStep, Counts, Decided, HoldOutcome, HoldStep, Ledger, Millis,
    OutcomeRecord, OutcomeWrite, Redecide, ReleaseOutcome, Scope, StoreError, UseRecord, UseState,
};
use crate::metrics::Metrics;
use crate::request::{self, Endpoint, ServiceRequest, MAX_BODY};
use crate::tables::{Policy, Tables};
use axum::body::{Body, Bytes};
use axum::extract::{Extension, MatchedPath, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use remit_table::{Decision, Outcome};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

/// What every handler shares.
pub struct AppState {
    /// The served policies.
    pub tables: Arc<Tables>,
    /// The usage ledger.
    pub ledger: Arc<dyn Ledger>,
    /// Bearer tokens, when `--tokens` was given.
    pub tokens: Option<Tokens>,
    /// Prometheus metrics.
    pub metrics: Metrics,
    /// The decision log, when `--log` was given.
    pub log: Option<DecisionLog>,
}

/// The name of the client that sent a request (from `--tokens`;
/// `anonymous` without them), for the decision log.
#[derive(Debug, Clone)]
pub struct Client(pub String);

type Shared = Arc<AppState>;

impl AppState {
    fn store_error(&self, e: StoreError) -> ApiError {
        self.metrics.store_errors.inc();
        ApiError::store_unavailable(&e.0)
    }
}

/// The router: every endpoint of SERVICE.md.
pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/v1/decide", post(decide))
        .route("/v1/headroom", post(headroom))
        .route("/v1/uses", post(uses))
        .route("/v1/uses/{id}/commit", post(commit))
        .route("/v1/uses/{id}/release", post(release))
        .route("/v1/outcomes", post(outcomes))
        .route("/v1/usage", get(usage))
        .route("/v1/status", get(status))
        .route("/metrics", get(metrics))
        .layer(middleware::from_fn_with_state(state.clone(), authenticate))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

async fn observe(State(s): State<Shared>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string());
    let start = Instant::now();
    let response = next.run(req).await;
    s.metrics
        .latency
        .with_label_values(&[route.as_str(), response.status().as_str()])
        .observe(start.elapsed().as_secs_f64());
    response
}

async fn authenticate(State(s): State<Shared>, req: Request, next: Next) -> Response {
    let client = match &s.tokens {
        None => "anonymous".to_string(),
        Some(tokens) => {
            let given = req
                .headers()
                .get(header::AUTHORIZATION)
                .map(|v| v.to_str().unwrap_or(""));
            let token = match given {
                None => {
                    return ApiError::new(
                        StatusCode::UNAUTHORIZED,
                        "unauthorized",
                        "this service needs a bearer token",
                    )
                    .help("send `Authorization: Bearer TOKEN` with a token from the service's `--tokens` file")
                    .into_response()
                }
                Some(v) => v.strip_prefix("Bearer ").map(str::trim),
            };
            match token.and_then(|t| tokens.name_of(t)) {
                Some(name) => name.to_string(),
                None => {
                    return ApiError::new(
                        StatusCode::UNAUTHORIZED,
                        "unauthorized",
                        "the `Authorization` header does not carry a bearer token this service knows",
                    )
                    .help("send `Authorization: Bearer TOKEN` with a token from the service's `--tokens` file")
                    .into_response()
                }
            }
        }
    };
    s.metrics
        .clients
        .with_label_values(&[client.as_str()])
        .inc();
    let mut req = req;
    req.extensions_mut().insert(Client(client));
    next.run(req).await
}

/// Reads a body of at most [`MAX_BODY`] bytes.
async fn read_body(headers: &HeaderMap, body: Body) -> Result<Bytes, ApiError> {
    let too_large = |size: String| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the body is {size}; the limit is 1 MiB ({MAX_BODY} bytes)"),
        )
        .help("a decision request is a few hundred bytes; send only the attributes the table lists")
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if let Some(n) = declared.filter(|n| *n > MAX_BODY as u64) {
        return Err(too_large(format!("{n} bytes")));
    }
    axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| too_large("over the limit".into()))
}

/// The answer to a decision: its id (a UUID v7, the decision log's `id`),
/// the policy and digest that decided it, the decision, and the counters it
/// read.
fn answer(policy: &Policy, decision: &Decision, counts: &Counts) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert(
        "decision_id".into(),
        json!(uuid::Uuid::now_v7().to_string()),
    );
    out.insert("policy".into(), json!(policy.name));
    out.insert("digest".into(), json!(policy.digest));
    if let Ok(Value::Object(fields)) = serde_json::to_value(decision) {
        out.extend(fields);
    }
    out.insert("usage".into(), json!(counts));
    out
}

/// What a decision was made for, beside its answer.
struct DecisionContext<'a> {
    client: &'a str,
    endpoint: DecidedBy,
    scope: &'a Scope,
    /// `role`, `action`, `params`, `customer`, `context`.
    table: &'a Map<String, Value>,
    idempotency_key: Option<&'a str>,
    at: Millis,
    started: Instant,
}

/// Counts a decision in the metrics and writes its line to the decision
/// log (never waiting for it).
fn record_decision(s: &AppState, d: &DecisionContext<'_>, answer: &Map<String, Value>) {
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
        log.record(&decision_line(log, d, answer));
    }
}

/// The decision log's line for a decision and its answer.
fn decision_line(
    log: &DecisionLog,
    d: &DecisionContext<'_>,
    answer: &Map<String, Value>,
) -> LogLine {
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
    let decision = serde_json::from_value(Value::Object(fields)).unwrap_or(LoggedDecision {
        decision: Outcome::Deny,
        escalate_to: vec![],
        obligations: vec![],
        aims: vec![],
        notify: vec![],
        rules: vec![],
        errors: vec![],
    });
    LogLine::Decision(Box::new(DecisionLine {
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
        idempotency_key: d.idempotency_key.map(str::to_string),
    }))
}

/// Writes a commit's or release's line to the decision log.
fn record_use(s: &AppState, client: &str, r: &UseRecord, commit: bool, at: Millis) {
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

async fn decide(
    State(s): State<Shared>,
    Extension(Client(client)): Extension<Client>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let started = Instant::now();
    let bytes = read_body(&headers, body).await?;
    let req = request::read(&bytes, Endpoint::Decide, &s.tables)?;
    let now = clock::now();
    let counts = s
        .ledger
        .counts(&req.scope, &req.policy.plan(now), now)
        .await
        .map_err(|e| s.store_error(e))?;
    let decision = req.policy.evaluator.decide(&req.with_usage(&counts));
    let out = answer(&req.policy, &decision, &counts);
    let d = DecisionContext {
        client: &client,
        endpoint: DecidedBy::Decide,
        scope: &req.scope,
        table: &req.table,
        idempotency_key: None,
        at: now,
        started,
    };
    record_decision(&s, &d, &out);
    Ok(Json(Value::Object(out)))
}

async fn headroom(headers: HeaderMap, body: Body) -> ApiError {
    // The body is still read and bounded, so a client learns of an
    // oversized body first; the answer is the same for any body.
    if let Err(e) = read_body(&headers, body).await {
        return e;
    }
    ApiError::new(
        StatusCode::NOT_IMPLEMENTED,
        "not_implemented",
        "`POST /v1/headroom` is not served yet: the evaluator has headroom (`remit eval --headroom`), and the service does not yet read the parameter or supply the ledger's counters to it (issue 16)",
    )
    .help("until then, ask `POST /v1/decide` with the amount you mean to give")
}

/// JSON with every object's keys sorted, so a body's hash does not depend
/// on the order its client wrote the keys in.
fn canonical(v: &Value) -> String {
    fn sorted(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let b: BTreeMap<&String, Value> = m.iter().map(|(k, v)| (k, sorted(v))).collect();
                Value::Object(b.into_iter().map(|(k, v)| (k.clone(), v)).collect())
            }
            Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    sorted(v).to_string()
}

fn body_hash(v: &Value) -> String {
    let d = Sha256::digest(canonical(v).as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Decides a use on the counters read in the transaction; a permit
/// carries the record to write.
fn decide_use(req: &ServiceRequest, counts: &Counts, now: Millis) -> Decided {
    let decision = req.policy.evaluator.decide(&req.with_usage(counts));
    let mut out = answer(&req.policy, &decision, counts);
    let record = (decision.decision == Outcome::Permit).then(|| {
        let (state, expires_at) = if req.commit {
            (UseState::Committed, None)
        } else {
            (
                UseState::Held,
                Some(now.saturating_add(req.hold_seconds.saturating_mul(1000))),
            )
        };
        UseRecord {
            // Time-ordered (UUID v7): a new id goes at the end of the id
            // index instead of onto a random page of it.
            id: uuid::Uuid::now_v7().to_string(),
            scope: req.scope.clone(),
            action: req.action().to_string(),
            amount: req.amount(),
            keys: json!({}),
            state,
            created_at: now,
            expires_at,
            request: req.body.clone(),
        }
    });
    match &record {
        Some(r) => {
            out.insert("use_id".into(), json!(r.id));
            out.insert("state".into(), json!(r.state));
            out.insert("expires_at".into(), json!(r.expires_at.map(clock::rfc3339)));
        }
        None => {
            out.insert("use_id".into(), Value::Null);
            out.insert("state".into(), Value::Null);
            out.insert("expires_at".into(), Value::Null);
        }
    }
    Decided {
        response: Value::Object(out),
        record,
    }
}

async fn uses(
    State(s): State<Shared>,
    Extension(Client(client)): Extension<Client>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let bytes = read_body(&headers, body).await?;
    let req = request::read(&bytes, Endpoint::Uses, &s.tables)?;
    let now = clock::now();
    let step = HoldStep {
        scope: req.scope.clone(),
        plan: req.policy.plan(now),
        now,
        idempotency: req
            .idempotency_key
            .clone()
            .map(|k| (k, body_hash(&req.body))),
        decide: {
            let req = req.clone();
            Box::new(move |counts| decide_use(&req, counts, now))
        },
    };
    match s.ledger.hold(step).await.map_err(|e| s.store_error(e))? {
        HoldOutcome::Decided(v) => {
            if let Value::Object(m) = &v {
                let d = DecisionContext {
                    client: &client,
                    endpoint: DecidedBy::Uses,
                    scope: &req.scope,
                    table: &req.table,
                    idempotency_key: req.idempotency_key.as_deref(),
                    at: now,
                    started,
                };
                record_decision(&s, &d, m);
            }
            Ok(Json(v).into_response())
        }
        HoldOutcome::Replayed(v) => {
            let mut r = Json(v).into_response();
            r.headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            Ok(r)
        }
        HoldOutcome::KeyConflict => Err(ApiError::new(
            StatusCode::CONFLICT,
            "idempotency_key_reused",
            format!(
                "idempotency key `{}` was first sent with another body",
                req.idempotency_key.unwrap_or_default()
            ),
        )
        .help("a retry must repeat the first body exactly; a new request needs a new key")),
    }
}

/// The table part (`role`, `action`, `params`, `customer`, `context`) of
/// a stored request body.
fn table_fields(body: &Value) -> Map<String, Value> {
    body.as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| request::TABLE_FIELDS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// Re-decides expired holds with the tables being served.
pub struct Redecider {
    /// The served policies.
    pub tables: Arc<Tables>,
}

impl Redecide for Redecider {
    fn plan(&self, record: &UseRecord, now: Millis) -> crate::ledger::CounterPlan {
        self.tables
            .get(&record.scope.policy)
            .map(|p| p.plan(now))
            .unwrap_or_default()
    }

    fn decide(&self, record: &UseRecord, amount: i64, counts: &Counts) -> Decided {
        let Some(policy) = self.tables.get(&record.scope.policy) else {
            return Decided {
                response: json!({
                    "policy": record.scope.policy,
                    "decision": "deny",
                    "errors": [{"kind": "unknown_policy", "input": "policy",
                        "message": format!("policy `{}` is no longer served", record.scope.policy)}],
                }),
                record: None,
            };
        };
        let mut table = table_fields(&record.request);
        if let Some(p) = policy.money_param(&record.action) {
            if let Some(Value::Object(params)) = table.get_mut("params") {
                params.insert(p.to_string(), json!(amount));
            }
        }
        let decision = policy
            .evaluator
            .decide(&request::with_usage(&table, counts));
        let out = answer(&policy, &decision, counts);
        let record = (decision.decision == Outcome::Permit).then(|| UseRecord {
            amount,
            ..record.clone()
        });
        Decided {
            response: Value::Object(out),
            record,
        }
    }
}

fn use_json(r: &UseRecord) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("use_id".into(), json!(r.id));
    m.insert("state".into(), json!(r.state));
    m.insert("policy".into(), json!(r.scope.policy));
    m.insert("customer_id".into(), json!(r.scope.customer_id));
    m.insert("employee_id".into(), json!(r.scope.employee_id));
    m.insert("action".into(), json!(r.action));
    m.insert("amount".into(), json!(r.amount));
    m.insert("created_at".into(), json!(clock::rfc3339(r.created_at)));
    m.insert("expires_at".into(), json!(r.expires_at.map(clock::rfc3339)));
    m
}

fn unknown_use(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "unknown_use",
        format!("there is no use `{id}`"),
    )
    .help("use the `use_id` that `POST /v1/uses` answered")
}

fn money(s: &AppState, r: &UseRecord, minor: i64) -> String {
    s.tables
        .get(&r.scope.policy)
        .map_or_else(|| minor.to_string(), |p| p.money(minor))
}

/// Reads the optional `{"amount": N}` of a commit.
fn commit_amount(bytes: &[u8]) -> Result<Option<i64>, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let body = request::parse_json(bytes)?;
    let Value::Object(map) = body else {
        return Err(ApiError::invalid(vec![Problem {
            field: None,
            kind: None,
            message: "the body must be a JSON object such as `{\"amount\": 6000}`, or empty".into(),
        }]));
    };
    let mut problems = Vec::new();
    for k in map.keys().filter(|k| *k != "amount") {
        problems.push(Problem::at(
            k,
            format!("unknown field `{k}`; a commit takes only `amount`"),
        ));
    }
    let amount = match map.get("amount") {
        None => None,
        Some(v) => match v.as_i64() {
            Some(a) if a >= 0 && v.is_i64() => Some(a),
            _ => {
                problems.push(Problem::at(
                    "amount",
                    format!("`amount` must be a non-negative whole number of minor units, not {v}"),
                ));
                None
            }
        },
    };
    if problems.is_empty() {
        Ok(amount)
    } else {
        Err(ApiError::invalid(problems))
    }
}

/// Logs the decision made again when an expired hold is committed.
fn record_redecision(
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

async fn commit(
    State(s): State<Shared>,
    Extension(Client(client)): Extension<Client>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let started = Instant::now();
    let bytes = read_body(&headers, body).await?;
    let amount = commit_amount(&bytes)?;
    let now = clock::now();
    let step = CommitStep {
        id: id.clone(),
        amount,
        now,
        redecide: Arc::new(Redecider {
            tables: s.tables.clone(),
        }),
    };
    match s.ledger.commit(step).await.map_err(|e| s.store_error(e))? {
        CommitOutcome::NotFound => Err(unknown_use(&id)),
        CommitOutcome::Committed(r) => {
            record_use(&s, &client, &r, true, now);
            Ok(Json(Value::Object(use_json(&r))))
        }
        CommitOutcome::AlreadyCommitted(r) => Ok(Json(Value::Object(use_json(&r)))),
        CommitOutcome::ExpiredRecommitted(r, decision) => {
            record_redecision(&s, &client, &r, &decision, now, started);
            record_use(&s, &client, &r, true, now);
            let mut m = use_json(&r);
            m.insert("redecided".into(), json!(true));
            m.insert("decision".into(), decision);
            Ok(Json(Value::Object(m)))
        }
        CommitOutcome::AmountConflict(r) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "commit_conflict",
            format!(
                "use `{id}` was committed with {}; it cannot be committed again with {}",
                money(&s, &r, r.amount),
                money(&s, &r, amount.unwrap_or(r.amount))
            ),
        )
        .help("repeat the first commit exactly, or omit `amount`")),
        CommitOutcome::AmountTooLarge(r) => Err(ApiError::invalid(vec![Problem::at(
            "amount",
            format!(
                "the final amount {} is above the {} that was decided and held; a commit may only lower it",
                money(&s, &r, amount.unwrap_or(r.amount)),
                money(&s, &r, r.amount)
            ),
        )])),
        CommitOutcome::Released(_) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "use_released",
            format!("use `{id}` was released; a released hold cannot be committed"),
        )
        .help("ask `POST /v1/uses` for a new decision")),
        CommitOutcome::ExpiredDenied(r, decision) => {
            record_redecision(&s, &client, &r, &decision, now, started);
            Err(ApiError::new(
            StatusCode::CONFLICT,
            "hold_expired",
            format!(
                "the hold `{id}` expired at {} and deciding it again now gives `{}`, so it was not committed",
                r.expires_at.map(clock::rfc3339).unwrap_or_default(),
                decision.get("decision").and_then(Value::as_str).unwrap_or("deny")
            ),
        )
        .help("commit holds before they expire (`hold_seconds`, default 900)")
        .with("decision", decision))
        }
    }
}

async fn release(
    State(s): State<Shared>,
    Extension(Client(client)): Extension<Client>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let bytes = read_body(&headers, body).await?;
    if !bytes.iter().all(u8::is_ascii_whitespace) {
        let body = request::parse_json(&bytes)?;
        if body.as_object().is_none_or(|m| !m.is_empty()) {
            return Err(ApiError::invalid(vec![Problem {
                field: None,
                kind: None,
                message: "a release takes no body (or `{}`)".into(),
            }]));
        }
    }
    let now = clock::now();
    match s
        .ledger
        .release(&id, now)
        .await
        .map_err(|e| s.store_error(e))?
    {
        ReleaseOutcome::NotFound => Err(unknown_use(&id)),
        ReleaseOutcome::Released(r) => {
            record_use(&s, &client, &r, false, now);
            Ok(Json(Value::Object(use_json(&r))))
        }
        ReleaseOutcome::AlreadyReleased(r) => Ok(Json(Value::Object(use_json(&r)))),
        ReleaseOutcome::Committed(_) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "use_committed",
            format!("use `{id}` is committed; a use cannot be released"),
        )
        .help("release holds only; a committed use stays counted")),
    }
}

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

async fn outcomes(
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

async fn usage(
    State(s): State<Shared>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let mut problems = Vec::new();
    for k in q.keys() {
        if !["policy", "customer_id", "employee_id"].contains(&k.as_str()) {
            problems.push(Problem::at(k, format!("unknown parameter `{k}`; `GET /v1/usage` takes `policy`, `customer_id` and `employee_id`")));
        }
    }
    let customer = q.get("customer_id").filter(|c| !c.is_empty());
    let employee = q.get("employee_id").filter(|e| !e.is_empty());
    if customer.is_none() && employee.is_none() {
        problems.push(Problem::at(
            "customer_id",
            "give `customer_id`, `employee_id` or both",
        ));
    }
    let policy = match q.get("policy") {
        None => {
            problems.push(Problem::at("policy", "`policy` is missing"));
            None
        }
        Some(name) => match s.tables.get(name) {
            Some(p) => Some(p),
            None if problems.is_empty() => {
                return Err(ApiError::new(
                    StatusCode::NOT_FOUND,
                    "unknown_policy",
                    format!("this service does not serve policy `{name}`"),
                ))
            }
            None => {
                problems.push(Problem::at(
                    "policy",
                    format!("this service does not serve policy `{name}`"),
                ));
                None
            }
        },
    };
    let Some(policy) = policy.filter(|_| problems.is_empty()) else {
        return Err(ApiError::invalid(problems));
    };
    let now = clock::now();
    let mut plan = policy.plan(now);
    plan.counters.retain(|c| match c.per {
        remit_table::CounterPer::Customer => customer.is_some(),
        remit_table::CounterPer::Employee => employee.is_some(),
    });
    let scope = Scope {
        policy: policy.name.clone(),
        customer_id: customer.cloned().unwrap_or_default(),
        employee_id: employee.cloned().unwrap_or_default(),
    };
    let counts = s
        .ledger
        .counts(&scope, &plan, now)
        .await
        .map_err(|e| s.store_error(e))?;
    Ok(Json(json!({
        "policy": policy.name,
        "digest": policy.digest,
        "at": clock::rfc3339(now),
        "customer_id": customer,
        "employee_id": employee,
        "counters": counts,
    })))
}

async fn status(State(s): State<Shared>) -> Json<Value> {
    let now = clock::now();
    let tables: Vec<Value> = s
        .tables
        .all()
        .iter()
        .map(|p| {
            json!({
                "policy": p.name,
                "version": p.table.policy.version,
                "digest": p.digest,
                "path": p.path.display().to_string(),
                "loaded_at": clock::rfc3339(p.loaded_at),
            })
        })
        .collect();
    let holds = s.ledger.live_holds(now).await;
    let store = match &holds {
        Ok(_) => {
            json!({"kind": s.ledger.kind(), "location": s.ledger.location(), "reachable": true})
        }
        Err(e) => {
            s.metrics.store_errors.inc();
            json!({"kind": s.ledger.kind(), "location": s.ledger.location(), "reachable": false, "error": e.0})
        }
    };
    Json(json!({
        "service": "remit serve",
        "version": env!("CARGO_PKG_VERSION"),
        "at": clock::rfc3339(now),
        "tables": tables,
        "refused": s.tables.refusals(),
        "store": store,
        "holds": {"live": holds.ok()},
        "log": s.log.as_ref().map(DecisionLog::status),
    }))
}

async fn metrics(State(s): State<Shared>) -> Response {
    match s.ledger.live_holds(clock::now()).await {
        Ok(n) => s.metrics.holds.set(n),
        Err(_) => s.metrics.store_errors.inc(),
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        s.metrics.render(),
    )
        .into_response()
}

async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

async fn readyz(State(s): State<Shared>) -> Response {
    match s.ledger.ping().await {
        Ok(()) => Json(json!({"status": "ready"})).into_response(),
        Err(e) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_ready",
            format!("the usage ledger cannot be reached: {e}"),
        )
        .into_response(),
    }
}

async fn not_found(req: Request) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("there is no endpoint `{}`", req.uri().path()),
    )
    .help("the API is `POST /v1/decide`, `POST /v1/uses`, `POST /v1/uses/{id}/commit`, `POST /v1/uses/{id}/release`, `POST /v1/outcomes`, `GET /v1/usage`, `GET /v1/status`, `/healthz`, `/readyz`, `/metrics`")
}

async fn method_not_allowed(req: Request) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("`{}` does not take `{}`", req.uri().path(), req.method()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_hashes_ignore_key_order() {
        let a: Value =
            serde_json::from_str(r#"{"a":1,"b":{"c":2,"d":[1,{"x":1,"y":2}]}}"#).unwrap();
        let b: Value =
            serde_json::from_str(r#"{"b":{"d":[1,{"y":2,"x":1}],"c":2},"a":1}"#).unwrap();
        assert_eq!(body_hash(&a), body_hash(&b));
        let c: Value = serde_json::from_str(r#"{"a":2}"#).unwrap();
        assert_ne!(body_hash(&a), body_hash(&c));
    }

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

    #[test]
    fn commit_bodies_are_checked() {
        assert_eq!(commit_amount(b"").unwrap(), None);
        assert_eq!(commit_amount(br#"{"amount": 60}"#).unwrap(), Some(60));
        assert_eq!(
            commit_amount(br#"{"amount": -1, "x": 1}"#)
                .unwrap_err()
                .problems
                .len(),
            2
        );
        assert_eq!(commit_amount(b"[").unwrap_err().code, "malformed_json");
    }
}
