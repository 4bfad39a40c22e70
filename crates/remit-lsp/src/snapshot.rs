//! One analysed version of a policy, with what the protocol adds to it:
//! which file a URI is, and where a span is in LSP terms.
//!
//! A snapshot is immutable and shared (`Arc`), so requests read it without
//! holding the state lock. Its [`Policy`] is what the features of
//! `remit-ide` compute from. Positions are always converted against the
//! text that was analysed, which is the text in the snapshot's sources.

use crate::keys::{DocKey, PolicyKey};
use crate::position::LineIndex;
use remit_analysis::Analysis;
use remit_diagnostics::{FileId, SourceFile, Span};
use remit_ide::Policy;
use remit_sema::model::Model;
use remit_syntax::ast;
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
    /// The policy's key.
    pub key: PolicyKey,
    /// The analysed policy.
    pub policy: Policy,
    /// The files, indexed by [`FileId`].
    pub files: Vec<SnapshotFile>,
    /// Files that could not be read as they are on disk.
    pub unreadable: Vec<Unreadable>,
    /// Why the policy's directory could not be listed, if it could not
    /// (then only the open files were analysed).
    pub unlisted: Option<String>,
}

impl Snapshot {
    /// A snapshot of an analysis whose sources are `files`, in order.
    pub fn new(key: PolicyKey, analysis: Analysis, files: Vec<SnapshotFile>) -> Self {
        Snapshot {
            key,
            policy: Policy::new(analysis),
            files,
            unreadable: Vec::new(),
            unlisted: None,
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

    /// The analysis.
    pub fn analysis(&self) -> &Analysis {
        &self.policy.analysis
    }

    /// The checked model.
    pub fn model(&self) -> &Model {
        self.policy.model()
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
        self.policy.source(file)
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
        self.policy.ast(file)
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
        self.policy.slice(span)
    }

    /// The same snapshot with the outcome of its test run already set,
    /// for the features' unit tests.
    #[cfg(test)]
    pub fn with_test_outcome(
        self,
        outcome: Result<Vec<remit_analysis::testing::TestResult>, String>,
    ) -> Self {
        Snapshot {
            policy: self.policy.with_test_outcome(outcome),
            ..self
        }
    }
}

#[cfg(test)]
pub(crate) mod fixture {
    //! A snapshot built from text, for the features' unit tests (the
    //! policy is `remit-ide`'s fixture).

    use super::*;
    pub use remit_ide::fixture::HOTEL;
    use std::path::PathBuf;

    /// Analyses `files` (name, text) as one policy in `/fixture`.
    pub fn snapshot(files: &[(&str, &str)]) -> Snapshot {
        let entries = files
            .iter()
            .map(|(name, _)| {
                let path = PathBuf::from(remit_ide::fixture::path(name));
                SnapshotFile {
                    uri: Uri::from_file_path(&path).unwrap(),
                    key: DocKey::File(path),
                    version: Some(1),
                }
            })
            .collect();
        Snapshot::new(
            PolicyKey::Dir(PathBuf::from("/fixture")),
            remit_ide::fixture::analysis(files),
            entries,
        )
    }

    /// The byte offset of the `n`th (0-based) occurrence of `needle` in
    /// file 0, plus `delta`.
    pub fn offset_of(snapshot: &Snapshot, needle: &str, n: usize, delta: usize) -> usize {
        remit_ide::fixture::offset_of(&snapshot.policy, needle, n, delta)
    }
}
