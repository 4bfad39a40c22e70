//! `remit serve`: the decision service (crate `remit-serve`).

use crate::cli::ServeArgs;
use crate::{Outcome, UsageError};

pub fn run(args: &ServeArgs) -> Result<Outcome, UsageError> {
    let options = remit_serve::ServeOptions {
        tables: args.tables.clone(),
        store: args.store.clone(),
        listen: args.listen.clone(),
        tokens: args.tokens.clone(),
        log: args
            .log
            .as_ref()
            .map(|target| remit_serve::decision_log::LogOptions {
                target: target.clone(),
                max_bytes: args.log_max_bytes,
                keep: args.log_keep,
                redact: args.redact.clone(),
                buffer: args.log_buffer,
            }),
        ..remit_serve::ServeOptions::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| UsageError(format!("cannot start the service's runtime: {e}")))?;
    runtime
        .block_on(remit_serve::run(options))
        .map_err(UsageError)?;
    Ok(Outcome::Clean)
}
