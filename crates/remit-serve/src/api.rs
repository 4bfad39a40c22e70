//! The HTTP API (SERVICE.md): routes, handlers and their answers.

use crate::auth::Tokens;
use crate::clock;
use crate::decision_log::line::DecidedBy;
use crate::decision_log::DecisionLog;
use crate::error::{ApiError, Problem};
use crate::ledger::{
    CommitOutcome, CommitStep, Counts, Decided, HoldOutcome, HoldStep, Ledger, Millis, Redecide,
    ReleaseOutcome, Scope, StoreError, UseRecord, UseState,
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

mod outcomes;
mod record;

use outcomes::outcomes;
use record::{record_decision, record_redecision, record_use, DecisionContext};

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

/// Every counter the request's decision reads, from the ledger at `now`
/// (nothing is held).
async fn read_counts(
    s: &Shared,
    req: &request::ServiceRequest,
    now: Millis,
) -> Result<Counts, ApiError> {
    s.ledger
        .counts(
            &req.scope,
            &req.policy.plan(now, req.table.get("context")),
            now,
        )
        .await
        .map_err(|e| s.store_error(e))
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
    let counts = read_counts(&s, &req, now).await?;
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

/// The headroom of TABLE.md for a request complete but for `param`, with
/// the ledger's counters: the values that would be permitted now, and what
/// happens just above them. Records nothing.
async fn headroom(
    State(s): State<Shared>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let bytes = read_body(&headers, body).await?;
    let req = request::read(&bytes, Endpoint::Headroom, &s.tables)?;
    let now = clock::now();
    let counts = read_counts(&s, &req, now).await?;
    let param = req.param.as_deref().unwrap_or("");
    let h = req
        .policy
        .evaluator
        .headroom(&req.with_usage(&counts), param);
    let mut out = Map::new();
    out.insert("policy".into(), json!(req.policy.name));
    out.insert("digest".into(), json!(req.policy.digest));
    if let Ok(Value::Object(fields)) = serde_json::to_value(&h) {
        out.extend(fields);
    }
    // The permitted values in the table's units too, for a screen.
    let money = req
        .policy
        .money_param(req.action())
        .is_some_and(|m| h.param.strip_prefix("param.") == Some(m));
    if money {
        let words: Vec<String> = h
            .permitted
            .iter()
            .map(|[lo, hi]| format!("{} to {}", req.policy.money(*lo), req.policy.money(*hi)))
            .collect();
        out.insert("permitted_text".into(), json!(words));
    }
    out.insert("usage".into(), json!(counts));
    Ok(Json(Value::Object(out)))
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
            keys: req.policy.keys_of(req.table.get("context")),
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
        plan: req.policy.plan(now, req.table.get("context")),
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
            .map(|p| p.plan(now, record.request.get("context")))
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
    // Usage is asked for by customer and employee only: keyed counters,
    // which need a request's key values, are not listed.
    let mut plan = policy.plan(now, None);
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
