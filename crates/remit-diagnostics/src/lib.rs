//! Source files, spans and diagnostics shared by every layer of the Remit
//! toolchain.
//!
//! Every layer (syntax, semantics, lowering, analysis) reports problems as
//! [`Diagnostic`]s that carry a stable [`Code`], one primary [`Label`],
//! secondary labels for the other places that matter, and a `help` with the
//! fix. The command line renders them with [`render`]; the language server
//! converts them to LSP diagnostics. Nothing here knows about either.

mod cap;
mod code;
mod diagnostic;
mod excerpt;
mod lint;
pub mod render;
mod source;

pub use cap::{cap_repeats, cap_repeats_at, MAX_PER_CODE_PER_FILE};
pub use code::{reference_markdown, Code, CODES};
pub use diagnostic::{
    did_you_mean, panic_message, Data, Diagnostic, Edit, Fix, Label, Severity, Witness,
};
pub use lint::{Level, Lint, LintLevels, LINTS};
pub use source::{FileId, LineCol, SourceFile, Sources, Span};
