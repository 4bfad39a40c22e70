//! The Remit pipeline shared by the command line and the language server:
//! parse, check, lower, analyse ([`analyze`]), find policies on disk
//! ([`workspace`]), run a policy's own `test` items ([`testing`]), and
//! say rules in words ([`describe`], [`matrix`]). Findings come with
//! their quick fixes as typed data (offsets and text), computed here.
//!
//! Nothing here knows about terminals or LSP.

mod counters;
pub mod describe;
pub mod diff;
mod fixes;
mod lints;
pub mod matrix;
pub mod region;
pub mod testing;
pub mod witness;
pub mod workspace;

use remit_diagnostics::{Diagnostic, LintLevels, Sources};
use remit_sema::{Checked, LowerOutput};

/// Everything known about one policy.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The policy's files.
    pub sources: Sources,
    /// Syntax trees and the checked model.
    pub checked: Checked,
    /// The lowered table (rules with errors are left out).
    pub lowered: LowerOutput,
    /// Every diagnostic, lint levels applied, sorted by position, repeats
    /// capped.
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// Whether any diagnostic is a warning.
    pub fn has_warnings(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == remit_diagnostics::Severity::Warning)
    }
}

/// Parses, checks, lowers and analyses one policy. `default_name` names a
/// policy without a header; `levels` holds command-line lint settings
/// (the policy's own `@deny` is added here).
///
/// The lints run only on a policy that checks and lowers without errors:
/// a broken part reads as "never holds", so findings after an error would
/// be follow-on noise (as rustc stops before borrow checking when types
/// do not check). Repeated diagnostics are capped per file and code
/// ([`remit_diagnostics::cap_repeats`]).
pub fn analyze(sources: Sources, default_name: &str, levels: &LintLevels) -> Analysis {
    let checked = remit_sema::check(&sources, default_name);
    let lowered = remit_sema::lower(&checked.model, &sources);
    let mut levels = levels.clone();
    for lint in &checked.model.deny {
        levels.deny_in_policy(*lint);
    }
    let mut diagnostics: Vec<Diagnostic> = checked.diagnostics.clone();
    diagnostics.extend(lowered.diagnostics.iter().cloned());
    if !diagnostics.iter().any(Diagnostic::is_error) {
        // Without errors, every name resolves.
        diagnostics.extend(lints::run(&checked.model, &lowered, true));
    }
    let mut diagnostics: Vec<Diagnostic> = diagnostics
        .into_iter()
        .filter_map(|d| levels.apply(d))
        .collect();
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let mut diagnostics = remit_diagnostics::cap_repeats(diagnostics);
    fixes::attach(&sources, &checked, &mut diagnostics);
    Analysis {
        sources,
        checked,
        lowered,
        diagnostics,
    }
}
