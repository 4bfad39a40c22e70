//! Command-line arguments.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Remit: checked, versioned, testable empowerment policies.
#[derive(Debug, Parser)]
#[command(name = "remit", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse, type-check and analyse policies; print diagnostics.
    Check(CheckArgs),
    /// Check a policy, then write its decision table (atomically).
    Build(BuildArgs),
    /// Run the policies' `test` items through the evaluator.
    Test(TestArgs),
    /// Decide one request against a compiled table.
    Eval(EvalArgs),
    /// Which requests two versions of a policy decide differently.
    Diff(DiffArgs),
    /// The empowerment matrix for staff, as Markdown and HTML.
    Doc(DocArgs),
    /// Rewrite policies in the canonical layout (comments kept).
    Fmt(FmtArgs),
    /// Print the JSON Schema of the decision table `remit build` writes
    /// (`remit.table/2`), or with `--log` of a decision-log line.
    Schema(SchemaArgs),
    /// Run the language server on stdio.
    Lsp,
    /// Run the decision service: decide, hold and count uses over HTTP.
    Serve(ServeArgs),
    /// Decide a decision log's requests again with another table: which
    /// real decisions would change, grouped like `remit diff`.
    Replay(ReplayArgs),
    /// Measure a decision log against the policy's outcomes: per rule and
    /// role, uses, money, escalations and denials, as Markdown and HTML.
    Report(ReportArgs),
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// The schema of one line of `remit serve --log` instead.
    #[arg(long)]
    pub log: bool,
}

/// How diagnostics are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// codespan-reporting terminal output.
    Human,
    /// One JSON object per diagnostic.
    Json,
    /// SARIF 2.1.0 for code scanning.
    Sarif,
    /// GitHub Actions workflow commands.
    Github,
}

/// When to colour human output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    /// When standard output is a terminal.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Lint levels and output format, shared by the commands that check.
#[derive(Debug, Args)]
pub struct DiagnosticArgs {
    /// Output format for diagnostics.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Colour for human output.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: Color,
    /// Raise a lint to error (`--deny warnings` for every warning).
    #[arg(long, value_name = "LINT")]
    pub deny: Vec<String>,
    /// Set a lint to warning.
    #[arg(long, value_name = "LINT")]
    pub warn: Vec<String>,
    /// Silence a lint.
    #[arg(long, value_name = "LINT")]
    pub allow: Vec<String>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Policy files or directories (a directory means every policy under it).
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub diagnostics: DiagnosticArgs,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The policy: a directory, or one of its files.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Where to write the table (standard output when absent).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub diagnostics: DiagnosticArgs,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Policy files or directories.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Only run tests whose name contains this text.
    #[arg(long)]
    pub filter: Option<String>,
    #[command(flatten)]
    pub diagnostics: DiagnosticArgs,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The compiled table.
    #[arg(long)]
    pub table: PathBuf,
    /// The request (JSON); `-` reads standard input.
    #[arg(long)]
    pub request: PathBuf,
    /// Add the trace of every candidate row.
    #[arg(long, conflicts_with = "headroom")]
    pub explain: bool,
    /// Instead of deciding, list the values of this action parameter
    /// (`amount`) that would be permitted, and the decision just above
    /// them (TABLE.md "Headroom"); a value the request gives for it is
    /// ignored.
    #[arg(long, value_name = "PARAM")]
    pub headroom: Option<String>,
}

#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Files, or directories whose `.remit` files (at any depth) to format.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Change nothing; print a diff of each file that would change and exit 1.
    #[arg(long)]
    pub check: bool,
    /// Format standard input to standard output (for editors).
    #[arg(long, conflicts_with = "check")]
    pub stdin: bool,
}

/// When `remit diff` exits 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Any changed decision.
    Any,
    /// Only changes that widen power (a new permit, fewer obligations).
    Widen,
}

/// Output of `remit diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// Grouped by role and action, for reviewers.
    Human,
    /// One object per change, for tools.
    Json,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The old version: a policy directory or file, or a compiled table (`.json`).
    pub old: PathBuf,
    /// The new version, likewise.
    pub new: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: DiffFormat,
    /// Which changes make the command exit 1.
    #[arg(long, value_enum, default_value = "any")]
    pub fail_on: FailOn,
}

#[derive(Debug, Args)]
pub struct DocArgs {
    /// The policy: a directory, or one of its files.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// The directory to write `index.md` and `index.html` into.
    #[arg(short, long)]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// A compiled table (repeatable, one per policy; requests name the policy).
    #[arg(long = "table", value_name = "PATH", required = true)]
    pub tables: Vec<PathBuf>,
    /// The usage ledger: `sqlite:PATH` (`sqlite:PATH?synchronous=full` fsyncs
    /// every commit, surviving a power loss too) or `postgres://…`.
    #[arg(long, default_value = "sqlite:remit-usage.db")]
    pub store: String,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:7878")]
    pub listen: String,
    /// Bearer tokens, one `name:token` a line (required beyond loopback).
    #[arg(long, value_name = "PATH")]
    pub tokens: Option<PathBuf>,
    /// The decision log: one JSON line per decision (`remit schema --log`),
    /// appended to PATH, or `-` for standard output.
    #[arg(long, value_name = "PATH|-")]
    pub log: Option<String>,
    /// Replace these attributes' values in the log with `"[redacted]"`
    /// (`customer.email`; repeatable or comma-separated).
    #[arg(
        long,
        value_name = "ATTRIBUTE",
        value_delimiter = ',',
        requires = "log"
    )]
    pub redact: Vec<String>,
    /// Rotate the log file before it would exceed this many bytes.
    #[arg(long, value_name = "BYTES", requires = "log")]
    pub log_max_bytes: Option<u64>,
    /// How many rotated log files to keep (`PATH.1` newest … `PATH.N`).
    #[arg(long, value_name = "N", default_value_t = remit_serve::decision_log::DEFAULT_KEEP, requires = "log_max_bytes")]
    pub log_keep: usize,
    /// How many lines may wait for the log's writer before new ones are
    /// dropped (and counted); for tests (docs/service.md).
    #[arg(long, value_name = "LINES", default_value_t = remit_serve::decision_log::DEFAULT_BUFFER, hide = true)]
    pub log_buffer: usize,
}

/// Output of `remit replay`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReplayFormat {
    /// Grouped like `remit diff`, with counts and example decision ids.
    Human,
    /// One object per group, for tools.
    Json,
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The decision log (`remit serve --log`); `-` reads standard input.
    pub log: PathBuf,
    /// The table to decide the logged requests with.
    #[arg(long)]
    pub table: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: ReplayFormat,
    /// Which changes make the command exit 1.
    #[arg(long, value_enum, default_value = "any")]
    pub fail_on: FailOn,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The decision log (`remit serve --log`); `-` reads standard input.
    pub log: PathBuf,
    /// The policy the log was served with: its directory or a file of it
    /// (the rules' doc comments then describe them), or its compiled table
    /// (`.json`).
    #[arg(long)]
    pub policy: PathBuf,
    /// Report decisions from this date or RFC 3339 time on (UTC dates).
    #[arg(long, value_name = "DATE|TIME")]
    pub from: Option<String>,
    /// Report decisions before this RFC 3339 time, or up to the end of this
    /// date.
    #[arg(long, value_name = "DATE|TIME")]
    pub to: Option<String>,
    /// The directory to write `report.md` and `report.html` into.
    #[arg(short, long)]
    pub output: PathBuf,
}
