//! `remit`: the command line of the Remit policy language.
//!
//! Exit codes: 0 clean, 1 policy errors (or failing tests, or a changed
//! decision for `diff`), 2 usage or I/O errors. Output into a pipe whose
//! reader has gone ends quietly with 0 (`stdio`); docs/cli.md has the
//! details, and how files are written.

// Output goes through `stdio`, which ends quietly on a closed pipe.
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod atomic_write;
mod build;
mod check;
mod cli;
mod diff;
mod doc;
mod eval;
mod fmt;
mod output;
mod replay;
mod report;
mod serve;
mod stdio;
mod test_cmd;

use clap::Parser;
use std::process::ExitCode;
use stdio::{errln, outln};

/// mimalloc: analysis allocates many small maps and strings, and the
/// language server frees and rebuilds them on every edit; glibc's
/// allocator makes that about a sixth slower (measured on the 2,000-rule
/// check, see the benchmarks).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// What a command reports back to `main`.
pub(crate) enum Outcome {
    /// Exit 0.
    Clean,
    /// Exit 1: the policy has errors, a test failed.
    Failed,
}

/// A usage or I/O error: printed, exit 2.
#[derive(Debug)]
pub(crate) struct UsageError(pub String);

impl<E: std::fmt::Display> From<E> for UsageError {
    fn from(e: E) -> Self {
        UsageError(e.to_string())
    }
}

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let result = match cli.command {
        cli::Command::Check(args) => check::run(&args),
        cli::Command::Build(args) => build::run(&args),
        cli::Command::Test(args) => test_cmd::run(&args),
        cli::Command::Eval(args) => eval::run(&args),
        cli::Command::Fmt(args) => fmt::run(&args),
        cli::Command::Diff(args) => diff::run(&args),
        cli::Command::Doc(args) => doc::run(&args),
        cli::Command::Lsp => remit_lsp::run_stdio()
            .map(|clean| {
                if clean {
                    Outcome::Clean
                } else {
                    Outcome::Failed
                }
            })
            .map_err(|e| UsageError(format!("language server: {e}"))),
        cli::Command::Serve(args) => serve::run(&args),
        cli::Command::Replay(args) => replay::run(&args),
        cli::Command::Report(args) => report::run(&args),
        cli::Command::Schema(args) => {
            let schema = if args.log {
                remit_serve::decision_log::line::schema()
            } else {
                remit_table::schema_v2()
            };
            outln!(
                "{}",
                serde_json::to_string_pretty(&schema).unwrap_or_default()
            );
            Ok(Outcome::Clean)
        }
    };
    stdio::flush();
    match result {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Failed) => ExitCode::from(1),
        Err(UsageError(message)) => {
            errln!("error: {message}");
            ExitCode::from(2)
        }
    }
}
