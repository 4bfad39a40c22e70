//! The portable Remit decision table (`remit.table/1` and `remit.table/2`).
//!
//! This crate is what a downstream Rust service depends on: it loads a
//! table that `remit build` wrote, validates it, and decides requests as
//! LANGUAGE.md §5 says, failing closed on any bad input; it also answers
//! how much of an action parameter a request may still be given
//! ([`Evaluator::headroom`]). It needs only serde and serde_json. The
//! format is documented in `docs/table-format.md`; [`Table`] and its parts
//! are format 1, [`v2`] holds format 2 (what the evaluator works on; a
//! format 1 table reads as format 2 with none of the new parts). With the
//! `schema` feature, [`schema`] and [`schema_v2`] return their JSON Schemas.
//!
//! Loading runs in three stages: reading the text (`json`), validation
//! (`validate`: every problem, as a [`TableError`] with a kind and a JSON
//! path) and compilation (`compile`: slots, tests, relations, groups).
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

mod compile;
mod error;
mod eval;
mod exact;
mod explain;
mod format;
mod headroom;
mod index;
mod json;
mod load;
pub mod v2;

#[cfg(feature = "calendar")]
pub mod calendar;
mod validate;

pub use error::{TableError, TableErrorKind};
pub use eval::{Decision, ErrorKind, Explanation, RequestError, RowOutcome, TraceEntry};
pub use format::*;
pub use headroom::Headroom;
pub use load::{Evaluator, FORMATS};

/// The JSON Schema of format 1 (`remit.table/1`, what `remit build` writes).
#[cfg(feature = "schema")]
pub fn schema() -> serde_json::Value {
    titled(schemars::schema_for!(Table), FORMAT)
}

/// The JSON Schema of format 2 (`remit.table/2`).
#[cfg(feature = "schema")]
pub fn schema_v2() -> serde_json::Value {
    titled(schemars::schema_for!(v2::Table), v2::FORMAT)
}

#[cfg(feature = "schema")]
fn titled(schema: schemars::Schema, format: &str) -> serde_json::Value {
    let mut schema = serde_json::to_value(schema).unwrap_or_default();
    if let Some(obj) = schema.as_object_mut() {
        obj.insert(
            "title".into(),
            serde_json::Value::String(format!("Remit decision table ({format})")),
        );
    }
    schema
}
