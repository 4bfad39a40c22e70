//! What the server knows: the open buffers and the latest analysis of each
//! policy, behind one lock that is never held across an `await`.
//!
//! A document belongs to the policy of its directory (LANGUAGE.md §1): all
//! `.remit` files there, open buffers taking precedence over disk. A
//! document that is not a `file:` URI (an unsaved buffer) is a policy of
//! its own.

use crate::client_support::ClientSupport;
use crate::snapshot::Snapshot;
use crate::text_sync;
use crate::worker::Queued;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::watch;
use tower_lsp_server::ls_types::{TextDocumentContentChangeEvent, Uri};

/// Identifies a document: its file path, or its URI when it has none.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocKey {
    /// A `file:` URI.
    File(PathBuf),
    /// Any other URI, as written.
    Other(String),
}

impl DocKey {
    /// The key of a URI.
    pub fn from_uri(uri: &Uri) -> DocKey {
        if uri.scheme().as_str().eq_ignore_ascii_case("file") {
            if let Some(path) = uri.to_file_path() {
                if path.is_absolute() {
                    return DocKey::File(path.into_owned());
                }
            }
        }
        DocKey::Other(uri.as_str().to_string())
    }

    /// The policy the document belongs to.
    pub fn policy(&self) -> PolicyKey {
        match self {
            DocKey::File(path) => PolicyKey::Dir(
                path.parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new("/"))
                    .to_path_buf(),
            ),
            DocKey::Other(uri) => PolicyKey::Single(uri.clone()),
        }
    }

    /// A URI for the document (for files that are not open).
    pub fn to_uri(&self) -> Option<Uri> {
        match self {
            DocKey::File(path) => Uri::from_file_path(path),
            DocKey::Other(uri) => uri.parse().ok(),
        }
    }

    /// A display name: the path, or the URI.
    pub fn display(&self) -> String {
        match self {
            DocKey::File(path) => path.display().to_string(),
            DocKey::Other(uri) => uri.clone(),
        }
    }
}

/// Identifies a policy.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PolicyKey {
    /// Every `.remit` file of a directory.
    Dir(PathBuf),
    /// One buffer without a file.
    Single(String),
}

impl PolicyKey {
    /// The name of a policy without a `policy` header.
    pub fn default_name(&self) -> String {
        match self {
            PolicyKey::Dir(dir) => remit_analysis::workspace::policy_name(dir),
            PolicyKey::Single(uri) => {
                let last = uri.rsplit(['/', ':']).next().unwrap_or("policy");
                let stem = last.split('.').next().unwrap_or(last);
                if stem.is_empty() {
                    "policy".to_string()
                } else {
                    stem.to_string()
                }
            }
        }
    }
}

/// An open buffer.
#[derive(Debug, Clone)]
pub struct OpenDoc {
    /// The URI exactly as the client sent it.
    pub uri: Uri,
    /// The client's version.
    pub version: i32,
    /// The full text.
    pub text: Arc<String>,
}

/// A change to the open documents, or to files on disk.
#[derive(Debug)]
pub enum Edit {
    /// `textDocument/didOpen`
    Open {
        /// The document.
        uri: Uri,
        /// Its version.
        version: i32,
        /// Its text.
        text: String,
    },
    /// `textDocument/didChange`: ranged changes or a full text.
    Change {
        /// The document.
        uri: Uri,
        /// Its new version.
        version: i32,
        /// The changes, applied in order ([`text_sync`]).
        changes: Vec<TextDocumentContentChangeEvent>,
    },
    /// `textDocument/didClose`
    Close {
        /// The document.
        uri: Uri,
    },
    /// Files changed on disk (`workspace/didChangeWatchedFiles`).
    Disk {
        /// The files.
        paths: Vec<PathBuf>,
    },
}

/// The mutable state.
#[derive(Debug, Default)]
pub struct State {
    /// Open buffers.
    pub docs: HashMap<DocKey, OpenDoc>,
    /// The latest analysis of each policy with an open document.
    pub snapshots: HashMap<PolicyKey, Arc<Snapshot>>,
    /// Sequence number of the last edit handed to the worker.
    pub submitted: u64,
    /// What the client supports (set by `initialize`).
    pub support: ClientSupport,
}

impl State {
    /// Applies an edit; returns the policies to re-analyse. A change older
    /// than the buffer's version is dropped (edits reach the state in the
    /// order the client sent them: tower-lsp starts handlers in arrival
    /// order, and each applies its edit before its first `await`).
    pub fn apply(&mut self, edit: Edit) -> Vec<PolicyKey> {
        match edit {
            Edit::Open { uri, version, text } => {
                let key = DocKey::from_uri(&uri);
                let policy = key.policy();
                let text = Arc::new(text);
                self.docs.insert(key, OpenDoc { uri, version, text });
                vec![policy]
            }
            Edit::Change {
                uri,
                version,
                changes,
            } => {
                let key = DocKey::from_uri(&uri);
                let policy = key.policy();
                match self.docs.get_mut(&key) {
                    Some(doc) if version < doc.version => return Vec::new(),
                    Some(doc) => {
                        doc.version = version;
                        text_sync::apply_all(Arc::make_mut(&mut doc.text), &changes);
                    }
                    None => {
                        let Some(text) = text_sync::rebuild(&changes) else {
                            return Vec::new();
                        };
                        let text = Arc::new(text);
                        self.docs.insert(key, OpenDoc { uri, version, text });
                    }
                }
                vec![policy]
            }
            Edit::Close { uri } => {
                let key = DocKey::from_uri(&uri);
                self.docs.remove(&key);
                vec![key.policy()]
            }
            Edit::Disk { paths } => {
                let mut policies: Vec<PolicyKey> = paths
                    .into_iter()
                    .map(DocKey::File)
                    .filter(|k| !self.docs.contains_key(k))
                    .map(|k| k.policy())
                    .filter(|p| self.snapshots.contains_key(p))
                    .collect();
                policies.sort();
                policies.dedup();
                policies
            }
        }
    }

    /// The latest snapshot of a document's policy.
    pub fn snapshot_for(&self, key: &DocKey) -> Option<Arc<Snapshot>> {
        self.snapshots.get(&key.policy()).cloned()
    }
}

/// The state and the signal the worker raises when every submitted edit
/// has been analysed.
#[derive(Debug)]
pub struct Shared {
    state: Mutex<State>,
    analysed: watch::Sender<u64>,
}

impl Default for Shared {
    fn default() -> Self {
        Shared {
            state: Mutex::new(State::default()),
            analysed: watch::Sender::new(0),
        }
    }
}

impl Shared {
    /// Locks the state. A poisoned lock is taken over: the state is only
    /// ever replaced wholesale, never left half-updated.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies an edit, numbers it and queues its policies for the worker,
    /// all under the lock: the queue's order is the order edits took effect.
    pub fn submit(&self, edit: Edit, worker: &UnboundedSender<Queued>) {
        let mut state = self.lock();
        let policies = state.apply(edit);
        state.submitted += 1;
        let seq = state.submitted;
        let _ = worker.send(Queued { seq, policies });
    }

    /// Records that every edit up to `seq` has been analysed.
    pub fn mark_analysed(&self, seq: u64) {
        self.analysed.send_if_modified(|current| {
            if seq > *current {
                *current = seq;
                true
            } else {
                false
            }
        });
    }

    /// Waits (at most `limit`) until every edit submitted so far has been
    /// analysed, so that a request sees the text the client sent before it.
    pub async fn wait_analysed(&self, limit: std::time::Duration) {
        let want = self.lock().submitted;
        let mut rx = self.analysed.subscribe();
        let _ = tokio::time::timeout(limit, rx.wait_for(|seq| *seq >= want)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_uris_belong_to_their_directory() {
        let uri: Uri = "file:///tmp/p/rules.remit".parse().unwrap();
        let key = DocKey::from_uri(&uri);
        assert_eq!(key, DocKey::File(PathBuf::from("/tmp/p/rules.remit")));
        assert_eq!(key.policy(), PolicyKey::Dir(PathBuf::from("/tmp/p")));
    }

    #[test]
    fn other_uris_are_policies_of_their_own() {
        let uri: Uri = "untitled:Untitled-1".parse().unwrap();
        let key = DocKey::from_uri(&uri);
        assert_eq!(key, DocKey::Other("untitled:Untitled-1".into()));
        let policy = key.policy();
        assert_eq!(policy.default_name(), "Untitled-1");
    }

    #[test]
    fn ranged_changes_edit_the_buffer_in_order() {
        use tower_lsp_server::ls_types::{Position, Range};
        let uri: Uri = "file:///tmp/p/a.remit".parse().unwrap();
        let key = DocKey::from_uri(&uri);
        let change = |version, range: Option<(u32, u32)>, text: &str| Edit::Change {
            uri: uri.clone(),
            version,
            changes: vec![TextDocumentContentChangeEvent {
                range: range.map(|(l, c)| Range::new(Position::new(l, c), Position::new(l, c))),
                range_length: None,
                text: text.to_string(),
            }],
        };
        let mut state = State::default();
        // A ranged change for a document never opened is dropped.
        assert!(state.apply(change(1, Some((0, 0)), "x")).is_empty());
        state.apply(Edit::Open {
            uri: uri.clone(),
            version: 1,
            text: "role a\n".into(),
        });
        assert_eq!(state.apply(change(2, Some((0, 0)), "// é\n")).len(), 1);
        assert_eq!(state.apply(change(3, Some((1, 6)), "b")).len(), 1);
        // An older version is dropped.
        assert!(state.apply(change(2, Some((0, 0)), "stale")).is_empty());
        assert_eq!(state.docs[&key].text.as_str(), "// é\nrole ab\n");
        assert_eq!(state.docs[&key].version, 3);
    }
}
