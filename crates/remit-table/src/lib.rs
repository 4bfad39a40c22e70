//! The portable Remit decision table (`remit.table/1`).
//!
//! This crate is what a downstream Rust service depends on: it loads a
//! table that `remit build` wrote, validates it, and decides requests as
//! LANGUAGE.md §5 says, failing closed on any bad input. It needs only
//! serde and serde_json. The format is documented in
//! `docs/table-format.md`; with the `schema` feature, [`schema`] returns
//! its JSON Schema.
//!
//! ```
//! use remit_table::Evaluator;
//! let table = r#"{"format":"remit.table/1","policy":{"name":"p","version":null},
//!   "digest":"sha256:0","currency":null,"default":{"effect":"deny"},
//!   "roles":{"clerk":[]},"actions":{"waive":{"params":{}}},"inputs":{},
//!   "counters":{},"obligations":{},"rows":[{"rule":"r","effect":"permit",
//!   "roles":["clerk"],"actions":["waive"],"scope":{},"limits":{},"budgets":[],
//!   "obligations":[],"notify":[],"escalation":null}]}"#;
//! let evaluator = Evaluator::from_json(table).unwrap();
//! let decision = evaluator.decide(&serde_json::json!({"role": "clerk", "action": "waive"}));
//! assert_eq!(decision.decision, remit_table::Outcome::Permit);
//! ```

mod eval;
mod format;
mod json;
mod load;

pub use eval::{Decision, ErrorKind, Explanation, RequestError, RowOutcome, TraceEntry};
pub use format::*;
pub use load::{Evaluator, TableError};

/// The JSON Schema of the table format.
#[cfg(feature = "schema")]
pub fn schema() -> serde_json::Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(Table)).unwrap_or_default();
    if let Some(obj) = schema.as_object_mut() {
        obj.insert(
            "title".into(),
            serde_json::Value::String("Remit decision table (remit.table/1)".into()),
        );
    }
    schema
}
