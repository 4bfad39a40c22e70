//! Error answers: `{"error": {"code", "message", "help", "problems"}}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{json, Map, Value};

/// One problem with a request body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The field (`customer_id`, `customer.tier`), or `null` for the body.
    pub field: Option<String>,
    /// The table evaluator's error kind, for problems it found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl Problem {
    /// A problem with `field`.
    pub fn at(field: &str, message: impl Into<String>) -> Problem {
        Problem {
            field: Some(field.to_string()),
            kind: None,
            message: message.into(),
        }
    }
}

/// An error answer.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// A stable machine-readable code (`invalid_request`).
    pub code: &'static str,
    /// For people: what is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// Every problem, for 400.
    pub problems: Vec<Problem>,
    /// Fields beside `error` (`decision`, `digest`).
    pub extra: Map<String, Value>,
}

impl ApiError {
    /// An error with a status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            help: None,
            problems: Vec::new(),
            extra: Map::new(),
        }
    }

    /// Adds the fix.
    pub fn help(mut self, help: impl Into<String>) -> ApiError {
        self.help = Some(help.into());
        self
    }

    /// Adds a field beside `error`.
    pub fn with(mut self, key: &str, value: Value) -> ApiError {
        self.extra.insert(key.to_string(), value);
        self
    }

    /// 400 with every problem listed.
    pub fn invalid(problems: Vec<Problem>) -> ApiError {
        let n = problems.len();
        let listed: Vec<String> = problems
            .iter()
            .map(|p| match &p.field {
                Some(f) => format!("`{f}`: {}", p.message),
                None => p.message.clone(),
            })
            .collect();
        let mut e = ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            format!(
                "the request has {n} problem{}: {}",
                if n == 1 { "" } else { "s" },
                listed.join("; ")
            ),
        );
        e.problems = problems;
        e
    }

    /// 503: the ledger cannot be read or written; the answer is a deny.
    pub fn store_unavailable(cause: &str) -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "store_unavailable",
            format!("the usage ledger cannot be reached, so nothing is permitted: {cause}"),
        )
        .help("retry later; `GET /readyz` says when the ledger is back")
        .with("decision", json!("deny"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = Map::new();
        error.insert("code".into(), json!(self.code));
        error.insert("message".into(), json!(self.message));
        if let Some(help) = self.help {
            error.insert("help".into(), json!(help));
        }
        if !self.problems.is_empty() {
            error.insert("problems".into(), json!(self.problems));
        }
        let mut body = self.extra;
        body.insert("error".into(), Value::Object(error));
        (self.status, axum::Json(Value::Object(body))).into_response()
    }
}
