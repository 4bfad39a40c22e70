//! The analysis lints and their configurable levels.
//!
//! Precedence, from weakest to strongest: a lint's default severity, then
//! `@deny(...)` before the `policy` header, then the command line
//! (`--allow`, `--warn`, `--deny LINT`), then `--deny warnings`, which turns
//! every remaining warning into an error. `@allow(...)` on a rule silences
//! the lint for that rule whatever the other settings say.

use crate::{Code, Diagnostic, Severity, CODES};
use std::collections::BTreeMap;

/// A lint: an analysis finding whose severity can be configured.
pub type Lint = Code;

/// Every lint, in the order of LANGUAGE.md §6.
pub static LINTS: std::sync::LazyLock<Vec<Lint>> =
    std::sync::LazyLock::new(|| CODES.iter().copied().filter(Code::is_lint).collect());

/// What to do with a lint's findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Drop them.
    Allow,
    /// Report as hints.
    Hint,
    /// Report as warnings.
    Warning,
    /// Report as errors.
    Error,
}

impl Level {
    fn severity(self) -> Option<Severity> {
        match self {
            Level::Allow => None,
            Level::Hint => Some(Severity::Hint),
            Level::Warning => Some(Severity::Warning),
            Level::Error => Some(Severity::Error),
        }
    }
}

/// Lint levels for one run: policy-level `@deny` plus command-line flags.
#[derive(Debug, Clone, Default)]
pub struct LintLevels {
    policy: BTreeMap<&'static str, Level>,
    command_line: BTreeMap<&'static str, Level>,
    deny_warnings: bool,
}

impl LintLevels {
    /// Default levels.
    pub fn new() -> Self {
        Self::default()
    }

    /// Looks a lint up by name.
    pub fn lint(name: &str) -> Option<Lint> {
        LINTS.iter().copied().find(|l| l.name == name)
    }

    /// Sets a level from the command line. `warnings` with [`Level::Error`]
    /// means `--deny warnings`. Returns `false` for an unknown lint name.
    pub fn set_command_line(&mut self, name: &str, level: Level) -> bool {
        if name == "warnings" && level == Level::Error {
            self.deny_warnings = true;
            return true;
        }
        match Self::lint(name) {
            Some(lint) => {
                self.command_line.insert(lint.name, level);
                true
            }
            None => false,
        }
    }

    /// Raises a lint to error for the whole policy (`@deny` on the header).
    pub fn deny_in_policy(&mut self, lint: Lint) {
        self.policy.insert(lint.name, Level::Error);
    }

    /// The level a lint runs at.
    pub fn level(&self, lint: Lint) -> Level {
        let base = self
            .command_line
            .get(lint.name)
            .or_else(|| self.policy.get(lint.name))
            .copied()
            .unwrap_or(match lint.severity {
                Severity::Error => Level::Error,
                Severity::Warning => Level::Warning,
                Severity::Hint => Level::Hint,
            });
        if self.deny_warnings && base == Level::Warning {
            Level::Error
        } else {
            base
        }
    }

    /// Applies the levels to a finding: `None` when its lint is allowed.
    /// A level set by the policy or the command line replaces the finding's
    /// severity; otherwise the finding keeps the severity its lint gave it
    /// (an `escalation_dead_end` to a role with no rule at all is an error),
    /// raised to error by `--deny warnings` when it is a warning. Diagnostics
    /// that are not lints pass through unchanged.
    pub fn apply(&self, diagnostic: Diagnostic) -> Option<Diagnostic> {
        if !diagnostic.code.is_lint() {
            return Some(diagnostic);
        }
        let explicit = self
            .command_line
            .get(diagnostic.code.name)
            .or_else(|| self.policy.get(diagnostic.code.name))
            .copied();
        let level = match explicit {
            Some(level) => level,
            None => match diagnostic.severity {
                Severity::Error => Level::Error,
                Severity::Warning => Level::Warning,
                Severity::Hint => Level::Hint,
            },
        };
        let level = if self.deny_warnings && level == Level::Warning {
            Level::Error
        } else {
            level
        };
        let severity = level.severity()?;
        Some(diagnostic.with_severity(severity))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_default_policy_command_line_deny_warnings() {
        let lint = Code::UNSCOPED_CUSTOMERS;
        let mut levels = LintLevels::new();
        assert_eq!(levels.level(lint), Level::Warning);
        levels.deny_in_policy(lint);
        assert_eq!(levels.level(lint), Level::Error);
        assert!(levels.set_command_line("unscoped_customers", Level::Allow));
        assert_eq!(levels.level(lint), Level::Allow);
        assert!(levels.set_command_line("warnings", Level::Error));
        assert_eq!(levels.level(Code::SHADOWED_RULE), Level::Error);
        assert_eq!(levels.level(Code::REDUNDANT_RULE), Level::Hint);
        assert!(!levels.set_command_line("no_such_lint", Level::Warning));
    }

    #[test]
    fn lints_are_the_spec_s_and_analysis_incomplete() {
        // The eleven of LANGUAGE.md §6, `band_gap` and `no_outcome` of
        // §8.7, and the `analysis_incomplete` hint (a lint, so that it can
        // be allowed).
        assert_eq!(LINTS.len(), 14);
        assert_eq!(LintLevels::new().level(Code::BAND_GAP), Level::Warning);
        assert_eq!(LintLevels::new().level(Code::NO_OUTCOME), Level::Hint);
        assert_eq!(
            LintLevels::new().level(Code::ANALYSIS_INCOMPLETE),
            Level::Hint
        );
    }
}
