//! `remit eval`

use crate::cli::EvalArgs;
use crate::stdio::outln;
use crate::{Outcome, UsageError};
use remit_table::Evaluator;
use std::io::Read;

pub fn run(args: &EvalArgs) -> Result<Outcome, UsageError> {
    let table_bytes = std::fs::read(&args.table)
        .map_err(|e| UsageError(format!("cannot read table `{}`: {e}", args.table.display())))?;
    let evaluator = Evaluator::from_json(&table_bytes)
        .map_err(|e| UsageError(format!("cannot load table `{}`: {e}", args.table.display())))?;
    // The request is read as bytes: text that is not UTF-8, like any other
    // request that cannot be read as JSON, is decided (deny, with a
    // `malformed_request` that says why and where), never an exit 2.
    let request = if args.request.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes)?;
        bytes
    } else {
        std::fs::read(&args.request).map_err(|e| {
            UsageError(format!(
                "cannot read request `{}`: {e}",
                args.request.display()
            ))
        })?
    };
    let (output, invalid) = if let Some(param) = &args.headroom {
        let headroom = evaluator.headroom_json(&request, param);
        let invalid = !headroom.errors.is_empty();
        (serde_json::to_string_pretty(&headroom)?, invalid)
    } else if args.explain {
        let explanation = evaluator.explain_json(&request);
        let invalid = !explanation.decision.errors.is_empty();
        (serde_json::to_string_pretty(&explanation)?, invalid)
    } else {
        let decision = evaluator.decide_json(&request);
        let invalid = !decision.errors.is_empty();
        (serde_json::to_string_pretty(&decision)?, invalid)
    };
    outln!("{output}");
    Ok(if invalid {
        Outcome::Failed
    } else {
        Outcome::Clean
    })
}
