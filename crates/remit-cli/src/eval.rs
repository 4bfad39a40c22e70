//! `remit eval`

use crate::cli::EvalArgs;
use crate::stdio::outln;
use crate::{Outcome, UsageError};
use remit_table::Evaluator;
use std::io::Read;

pub fn run(args: &EvalArgs) -> Result<Outcome, UsageError> {
    let table_text = std::fs::read_to_string(&args.table)
        .map_err(|e| UsageError(format!("cannot read table `{}`: {e}", args.table.display())))?;
    let evaluator = Evaluator::from_json(&table_text)
        .map_err(|e| UsageError(format!("cannot load table `{}`: {e}", args.table.display())))?;
    let request_text = if args.request.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        s
    } else {
        std::fs::read_to_string(&args.request).map_err(|e| {
            UsageError(format!(
                "cannot read request `{}`: {e}",
                args.request.display()
            ))
        })?
    };
    // A request that is not JSON is decided like any malformed request:
    // deny, with the error.
    let request = serde_json::from_str(&request_text)
        .unwrap_or_else(|e| serde_json::Value::String(format!("invalid JSON: {e}")));
    let output = if args.explain {
        serde_json::to_value(evaluator.explain(&request))?
    } else {
        serde_json::to_value(evaluator.decide(&request))?
    };
    let output = match (&request, output) {
        (serde_json::Value::String(problem), mut out) if problem.starts_with("invalid JSON") => {
            if let Some(errors) = out.get_mut("errors").and_then(|e| e.as_array_mut()) {
                errors.clear();
                errors.push(serde_json::json!({"kind": "malformed_request", "input": null, "message": format!("the request is not {problem}")}));
            }
            out
        }
        (_, out) => out,
    };
    outln!("{}", serde_json::to_string_pretty(&output)?);
    let invalid = output
        .get("errors")
        .and_then(|e| e.as_array())
        .is_some_and(|e| !e.is_empty());
    Ok(if invalid {
        Outcome::Failed
    } else {
        Outcome::Clean
    })
}
