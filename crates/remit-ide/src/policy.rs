//! One analysed policy, and the lookups every feature needs.

use remit_analysis::testing::{run_tests, TestResult};
use remit_analysis::Analysis;
use remit_diagnostics::{FileId, SourceFile, Span};
use remit_sema::model::{Model, Reference, Symbol};
use remit_syntax::ast;
use std::sync::OnceLock;

/// An analysed policy: its sources, syntax trees, model and table, and the
/// results of its own tests, run once when a feature first asks.
#[derive(Debug)]
pub struct Policy {
    /// The analysis.
    pub analysis: Analysis,
    tests: OnceLock<Result<Vec<TestResult>, String>>,
}

impl Policy {
    /// The policy of an analysis.
    pub fn new(analysis: Analysis) -> Self {
        Policy {
            analysis,
            tests: OnceLock::new(),
        }
    }

    /// The checked model.
    pub fn model(&self) -> &Model {
        &self.analysis.checked.model
    }

    /// A file's text.
    pub fn source(&self, file: FileId) -> Option<&SourceFile> {
        self.analysis.sources.get(file)
    }

    /// A file's syntax tree.
    pub fn ast(&self, file: FileId) -> Option<&ast::File> {
        self.analysis
            .checked
            .files
            .iter()
            .find(|(id, _)| *id == file)
            .map(|(_, f)| f)
    }

    /// The text of a span.
    pub fn slice(&self, span: Span) -> &str {
        self.analysis.sources.slice(span)
    }

    /// The name occurrence under a byte offset: one that contains it, else
    /// one that ends right at it (the cursor just after a name).
    pub fn reference_at(&self, file: FileId, offset: usize) -> Option<Reference> {
        let offset = u32::try_from(offset).ok()?;
        self.model()
            .references
            .iter()
            .filter(|r| r.span.file == file && r.span.start <= offset && offset <= r.span.end)
            .min_by_key(|r| (r.span.end == offset, r.span.end - r.span.start))
            .copied()
    }

    /// Every occurrence of a symbol, declarations included.
    pub fn occurrences(&self, symbol: Symbol) -> impl Iterator<Item = &Reference> + '_ {
        self.model()
            .references
            .iter()
            .filter(move |r| r.symbol == symbol)
    }

    /// The results of the policy's own tests, computed once, or why they
    /// could not run (a panic in the runner is reported, not lost).
    pub fn test_results(&self) -> Result<&[TestResult], &str> {
        self.tests
            .get_or_init(|| {
                run_tests(&self.analysis.checked.model, &self.analysis.lowered.table)
                    .map_err(|e| e.to_string())
            })
            .as_deref()
            .map_err(String::as_str)
    }

    /// The results of the tests, or none when they could not run (the
    /// features that only add to a test's display).
    pub fn test_results_or_none(&self) -> &[TestResult] {
        self.test_results().unwrap_or_default()
    }

    /// The same policy with the outcome of its test run already set, for
    /// the features' tests (a runner that failed cannot be provoked from
    /// policy text).
    #[cfg(any(test, feature = "test-fixture"))]
    pub fn with_test_outcome(self, outcome: Result<Vec<TestResult>, String>) -> Self {
        let tests = OnceLock::new();
        let _ = tests.set(outcome);
        Policy { tests, ..self }
    }
}

#[cfg(test)]
mod tests {
    use crate::fixture::*;
    use remit_diagnostics::FileId;

    #[test]
    fn finds_the_name_under_the_cursor() {
        let p = policy(&[("hotel.remit", HOTEL)]);
        let at = offset_of(&p, "for loyal", 0, 4);
        let r = p.reference_at(FileId(0), at).unwrap();
        assert_eq!(p.model().symbol_name(r.symbol), Some("loyal"));
        // Right after the name still counts.
        let r = p.reference_at(FileId(0), at + 5).unwrap();
        assert_eq!(p.model().symbol_name(r.symbol), Some("loyal"));
        assert!(p.reference_at(FileId(0), 0).is_none());
    }

    #[test]
    fn runs_the_policys_tests_once() {
        let p = policy(&[("hotel.remit", HOTEL)]);
        let results = p.test_results().unwrap();
        assert_eq!(results.len(), 2);
        assert!(results[0].passed, "{:?}", results[0].actual);
        assert!(!results[1].passed);
        assert_eq!(results[1].actual, "deny");
    }
}
