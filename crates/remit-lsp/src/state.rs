//! What the server knows: the open buffers, the latest analysis of each
//! policy, and the queue of edits for the worker, behind one lock that is
//! never held across an `await`.

use crate::client_support::ClientSupport;
use crate::keys::{DocKey, PolicyKey};
use crate::snapshot::Snapshot;
use crate::text_sync;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
use tokio::sync::watch;
use tower_lsp_server::ls_types::{TextDocumentContentChangeEvent, Uri};

/// An edit the state has taken, with the policies it touches: what the
/// worker reads from the state's queue.
#[derive(Debug)]
pub struct Queued {
    /// Position in the order the client sent edits.
    pub seq: u64,
    /// The policies to re-analyse.
    pub policies: Vec<PolicyKey>,
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
    /// The worker's queue, in the order edits took effect; `None` once
    /// closed (the worker then stops).
    queue: Option<UnboundedSender<Queued>>,
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

impl Shared {
    /// A state with an empty queue, and the queue's receiving end (the
    /// worker's).
    pub fn new() -> (Shared, UnboundedReceiver<Queued>) {
        let (tx, rx) = unbounded_channel();
        let state = State {
            queue: Some(tx),
            ..State::default()
        };
        let shared = Shared {
            state: Mutex::new(state),
            analysed: watch::Sender::new(0),
        };
        (shared, rx)
    }

    /// Closes the queue: the worker stops once it has taken what is in it.
    pub fn close(&self) {
        self.lock().queue = None;
    }

    /// Locks the state. A poisoned lock is taken over: the state is only
    /// ever replaced wholesale, never left half-updated.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies an edit, numbers it and queues its policies for the worker,
    /// all under the lock: the queue's order is the order edits took effect.
    pub fn submit(&self, edit: Edit) {
        let mut state = self.lock();
        let policies = state.apply(edit);
        state.submitted += 1;
        let seq = state.submitted;
        if let Some(queue) = &state.queue {
            let _ = queue.send(Queued { seq, policies });
        }
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
