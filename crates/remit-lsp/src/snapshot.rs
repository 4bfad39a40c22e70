//! One analysed version of a policy, and the lookups every feature needs:
//! which file a URI is, where a span is in LSP terms, which name is under
//! the cursor.
//!
//! A snapshot is immutable and shared (`Arc`), so requests read it without
//! holding the state lock. Positions are always converted against the text
//! that was analysed, which is the text in the snapshot's sources.

use crate::keys::{DocKey, PolicyKey};
use crate::position::LineIndex;
use remit_analysis::testing::{run_tests, TestResult};
use remit_analysis::Analysis;
use remit_diagnostics::{FileId, SourceFile, Span};
use remit_sema::model::{Model, Reference, Symbol};
use remit_syntax::ast;
use std::sync::OnceLock;
use tower_lsp_server::ls_types::{Location, Range, Uri};

/// A file of an analysed policy.
#[derive(Debug, Clone)]
pub struct SnapshotFile {
    /// Which document it is.
    pub key: DocKey,
    /// Its URI (the client's, when the file is open).
    pub uri: Uri,
    /// The version analysed, when the file is open.
    pub version: Option<i32>,
}

impl SnapshotFile {
    /// The file's name, for messages (the files of a policy share a
    /// directory); the URI for a buffer without a file.
    pub fn name(&self) -> String {
        match &self.key {
            DocKey::File(path) => path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            ),
            DocKey::Other(uri) => uri.clone(),
        }
    }
}

/// A file of the policy that could not be read as text from disk: not
/// UTF-8, or not readable at all. `remit check` refuses the whole policy
/// for it; the editor shows the same error and analyses what it can (the
/// text with each bad sequence replaced by U+FFFD, or nothing).
#[derive(Debug, Clone)]
pub struct Unreadable {
    /// The file (in the snapshot, with the text that was analysed).
    pub file: FileId,
    /// The byte of that text where the problem is.
    pub offset: usize,
    /// What `remit check` says about it.
    pub message: String,
}

/// An analysed policy.
#[derive(Debug)]
pub struct Snapshot {
    /// The policy.
    pub key: PolicyKey,
    /// The analysis.
    pub analysis: Analysis,
    /// The files, indexed by [`FileId`].
    pub files: Vec<SnapshotFile>,
    /// Files that could not be read as they are on disk.
    pub unreadable: Vec<Unreadable>,
    /// Why the policy's directory could not be listed, if it could not
    /// (then only the open files were analysed).
    pub unlisted: Option<String>,
    tests: OnceLock<Result<Vec<TestResult>, String>>,
}

impl Snapshot {
    /// A snapshot of an analysis whose sources are `files`, in order.
    pub fn new(key: PolicyKey, analysis: Analysis, files: Vec<SnapshotFile>) -> Self {
        Snapshot {
            key,
            analysis,
            files,
            unreadable: Vec::new(),
            unlisted: None,
            tests: OnceLock::new(),
        }
    }

    /// The same snapshot, recording files that could not be read.
    pub fn with_unreadable(mut self, unreadable: Vec<Unreadable>) -> Self {
        self.unreadable = unreadable;
        self
    }

    /// The same snapshot, recording why its directory could not be listed.
    pub fn with_unlisted(mut self, unlisted: Option<String>) -> Self {
        self.unlisted = unlisted;
        self
    }

    /// The checked model.
    pub fn model(&self) -> &Model {
        &self.analysis.checked.model
    }

    /// The id of a document, if it is part of this policy.
    pub fn file_id(&self, key: &DocKey) -> Option<FileId> {
        self.files
            .iter()
            .position(|f| &f.key == key)
            .and_then(|i| u32::try_from(i).ok())
            .map(FileId)
    }

    /// A file's text.
    pub fn source(&self, file: FileId) -> Option<&SourceFile> {
        self.analysis.sources.get(file)
    }

    /// A file's entry.
    pub fn file(&self, file: FileId) -> Option<&SnapshotFile> {
        self.files.get(file.0 as usize)
    }

    /// A file's URI.
    pub fn uri(&self, file: FileId) -> Option<&Uri> {
        self.file(file).map(|f| &f.uri)
    }

    /// A file's line index.
    pub fn line_index(&self, file: FileId) -> Option<LineIndex<'_>> {
        self.source(file).map(LineIndex::of)
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

    /// The LSP range of a span.
    pub fn range(&self, span: Span) -> Option<Range> {
        self.line_index(span.file).map(|i| i.span_range(span))
    }

    /// The LSP location of a span.
    pub fn location(&self, span: Span) -> Option<Location> {
        Some(Location::new(
            self.uri(span.file)?.clone(),
            self.range(span)?,
        ))
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

    /// Sets the outcome of the test run, for the features' unit tests.
    #[cfg(test)]
    pub fn with_test_outcome(self, outcome: Result<Vec<TestResult>, String>) -> Self {
        let tests = OnceLock::new();
        let _ = tests.set(outcome);
        Snapshot { tests, ..self }
    }
}

#[cfg(test)]
pub(crate) mod fixture {
    //! A snapshot built from text, for the features' unit tests.

    use super::*;
    use remit_diagnostics::{LintLevels, Sources};
    use std::path::PathBuf;

    /// Analyses `files` (name, text) as one policy in `/fixture`.
    pub fn snapshot(files: &[(&str, &str)]) -> Snapshot {
        let mut sources = Sources::new();
        let mut entries = Vec::new();
        for (name, text) in files {
            let path = PathBuf::from(format!("/fixture/{name}"));
            sources.add(path.display().to_string(), *text);
            entries.push(SnapshotFile {
                uri: Uri::from_file_path(&path).unwrap(),
                key: DocKey::File(path),
                version: Some(1),
            });
        }
        let analysis = remit_analysis::analyze(sources, "fixture", &LintLevels::new());
        Snapshot::new(PolicyKey::Dir(PathBuf::from("/fixture")), analysis, entries)
    }

    /// The byte offset of the `n`th (0-based) occurrence of `needle` in
    /// file 0, plus `delta`.
    pub fn offset_of(snapshot: &Snapshot, needle: &str, n: usize, delta: usize) -> usize {
        let text = snapshot.source(FileId(0)).unwrap().text();
        text.match_indices(needle).nth(n).unwrap().0 + delta
    }

    /// The hotel example of LANGUAGE.md §1, trimmed.
    pub const HOTEL: &str = r#"/// Front desk empowerment.
policy hotel version "1"

currency USD

/// How much a guest is worth to us.
enum Tier { standard, silver, gold, platinum }
enum Incident { noise, dirty_room, late_checkin, billing_error }
enum Channel { in_person, phone }

customer {
  tier: Tier
  nights_this_year: Int
  flagged_for_abuse: Bool
}

context {
  incident: Incident
  channel: Channel
  wait: Duration
}

/// The people at the desk.
role front_desk
role duty_manager extends front_desk
role general_manager extends duty_manager

action refund(amount: Money)
action comp_meal(amount: Money)
action upgrade_room

obligation reason_code "Record a reason code in the property system"

segment loyal = customer.tier in {gold, platinum} or customer.nights_this_year >= 10
situation service_failure = context.incident in {noise, dirty_room, late_checkin}

/// The everyday box.
rule room_recovery {
  permit front_desk to refund
  for loyal
  when service_failure
  limit amount <= 100 USD
  limit 2 per customer per 30 days
  limit total 150 USD per customer per 30 days
  require reason_code
  otherwise escalate to duty_manager
}

rule long_wait_meal {
  permit front_desk to comp_meal
  for any customer
  when context.wait >= 30 minutes and context.channel == in_person
  limit amount <= 40 USD
  limit 1 per customer per 1 day
}

rule manager_recovery {
  permit duty_manager to refund, comp_meal
  for any customer
  limit amount <= 500 USD
  limit total 1000 USD per customer per 90 days
  notify general_manager
}

rule no_abusers {
  forbid front_desk, duty_manager to refund, comp_meal, upgrade_room
  for customer.flagged_for_abuse
}

rule billing_disputes {
  escalate upgrade_room from front_desk to duty_manager
  for any customer
  when context.incident == billing_error
}

test "gold guest with a noisy room gets 80 dollars back" {
  role front_desk
  action refund { amount: 80 USD }
  customer { tier: gold, nights_this_year: 3, flagged_for_abuse: false }
  context { incident: noise, channel: in_person, wait: 5 minutes }
  expect permit requiring reason_code
}

test "flagged guests get nothing" {
  role front_desk
  action refund { amount: 10 USD }
  customer { tier: gold, nights_this_year: 1, flagged_for_abuse: true }
  context { incident: noise, channel: in_person, wait: 0 minutes }
  expect escalate to duty_manager
}
"#;
}

#[cfg(test)]
mod tests {
    use super::fixture::*;
    use super::*;

    #[test]
    fn finds_the_name_under_the_cursor() {
        let s = snapshot(&[("hotel.remit", HOTEL)]);
        let at = offset_of(&s, "for loyal", 0, 4);
        let r = s.reference_at(FileId(0), at).unwrap();
        assert_eq!(s.model().symbol_name(r.symbol), Some("loyal"));
        // Right after the name still counts.
        let r = s.reference_at(FileId(0), at + 5).unwrap();
        assert_eq!(s.model().symbol_name(r.symbol), Some("loyal"));
        assert!(s.reference_at(FileId(0), 0).is_none());
    }

    #[test]
    fn runs_the_policys_tests_once() {
        let s = snapshot(&[("hotel.remit", HOTEL)]);
        let results = s.test_results().unwrap();
        assert_eq!(results.len(), 2);
        assert!(results[0].passed, "{:?}", results[0].actual);
        assert!(!results[1].passed);
        assert_eq!(results[1].actual, "deny");
    }
}
