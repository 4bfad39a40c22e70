//! What the server knows: the open buffers, the latest analysis of each
//! policy, and the queue of edits for the worker, behind one lock that is
//! never held across an `await`.

use crate::client_support::ClientSupport;
use crate::keys::{DocKey, PolicyKey};
use crate::snapshot::Snapshot;
use crate::text_sync;
use crate::token_results::TokenResults;
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
    /// Set when a change did not fit the text ([`text_sync::SyncError`]):
    /// the text is the last one known good, and ranged changes are not
    /// applied to it until the client sends the whole text again (a
    /// full-text change, or reopening the file).
    pub out_of_sync: bool,
}

/// What applying an edit did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// The policies to re-analyse.
    pub policies: Vec<PolicyKey>,
    /// Why a change was refused, for the client's log.
    pub error: Option<String>,
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
    /// The semantic tokens last sent for each open document.
    pub tokens: TokenResults,
    /// The worker's queue, in the order edits took effect; `None` once
    /// closed (the worker then stops).
    queue: Option<UnboundedSender<Queued>>,
}

impl State {
    /// Applies an edit; returns the policies to re-analyse, and why a
    /// change was refused. A change older than the buffer's version is
    /// dropped (edits reach the state in the order the client sent them:
    /// tower-lsp starts handlers in arrival order, and each applies its
    /// edit before its first `await`).
    pub fn apply(&mut self, edit: Edit) -> Applied {
        let policies = |p: PolicyKey| Applied {
            policies: vec![p],
            error: None,
        };
        match edit {
            Edit::Open { uri, version, text } => {
                let key = DocKey::from_uri(&uri);
                let policy = key.policy();
                let text = Arc::new(text);
                let doc = OpenDoc {
                    uri,
                    version,
                    text,
                    out_of_sync: false,
                };
                self.docs.insert(key, doc);
                policies(policy)
            }
            Edit::Change {
                uri,
                version,
                changes,
            } => self.change(uri, version, &changes),
            Edit::Close { uri } => {
                let key = DocKey::from_uri(&uri);
                self.docs.remove(&key);
                self.tokens.forget(&key);
                policies(key.policy())
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
                Applied {
                    policies,
                    error: None,
                }
            }
        }
    }

    /// `textDocument/didChange`: the changes apply in order to the buffer,
    /// or, for a buffer the server does not have or no longer trusts, the
    /// last full text does ([`text_sync::rebuild`]).
    fn change(
        &mut self,
        uri: Uri,
        version: i32,
        changes: &[TextDocumentContentChangeEvent],
    ) -> Applied {
        let key = DocKey::from_uri(&uri);
        let policy = key.policy();
        let name = key.display();
        let refused = |why: String| {
            format!(
                "remit: the change to `{name}` (version {version}) was not applied: {why}; \
                 the server keeps the file's last text it could follow and ignores ranged \
                 changes to it until the editor sends its whole text again: close and reopen \
                 the file"
            )
        };
        match self.docs.get_mut(&key) {
            Some(doc) if version < doc.version => Applied::default(),
            Some(doc) if doc.out_of_sync => match text_sync::rebuild(changes) {
                Some(text) => {
                    doc.version = version;
                    doc.text = Arc::new(text);
                    doc.out_of_sync = false;
                    Applied {
                        policies: vec![policy],
                        error: None,
                    }
                }
                None => Applied {
                    policies: Vec::new(),
                    error: Some(refused(
                        "an earlier change did not fit the text, so ranges cannot be placed"
                            .to_string(),
                    )),
                },
            },
            Some(doc) => match text_sync::apply_all(Arc::make_mut(&mut doc.text), changes) {
                Ok(()) => {
                    doc.version = version;
                    Applied {
                        policies: vec![policy],
                        error: None,
                    }
                }
                Err(e) => {
                    doc.out_of_sync = true;
                    Applied {
                        policies: Vec::new(),
                        error: Some(refused(e.to_string())),
                    }
                }
            },
            None => {
                let Some(text) = text_sync::rebuild(changes) else {
                    return Applied::default();
                };
                let doc = OpenDoc {
                    uri,
                    version,
                    text: Arc::new(text),
                    out_of_sync: false,
                };
                self.docs.insert(key, doc);
                Applied {
                    policies: vec![policy],
                    error: None,
                }
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
    /// Returns why a change was refused, for the client's log.
    pub fn submit(&self, edit: Edit) -> Option<String> {
        let mut state = self.lock();
        let Applied { policies, error } = state.apply(edit);
        state.submitted += 1;
        let seq = state.submitted;
        if let Some(queue) = &state.queue {
            let _ = queue.send(Queued { seq, policies });
        }
        error
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
        assert_eq!(
            state.apply(change(1, Some((0, 0)), "x")),
            Applied::default()
        );
        state.apply(Edit::Open {
            uri: uri.clone(),
            version: 1,
            text: "role a\n".into(),
        });
        assert_eq!(
            state
                .apply(change(2, Some((0, 0)), "// é\n"))
                .policies
                .len(),
            1
        );
        assert_eq!(state.apply(change(3, Some((1, 6)), "b")).policies.len(), 1);
        // An older version is dropped.
        assert_eq!(
            state.apply(change(2, Some((0, 0)), "stale")),
            Applied::default()
        );
        assert_eq!(state.docs[&key].text.as_str(), "// é\nrole ab\n");
        assert_eq!(state.docs[&key].version, 3);
    }

    #[test]
    fn a_change_past_the_end_is_refused_and_logged_until_the_whole_text_comes() {
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
        state.apply(Edit::Open {
            uri: uri.clone(),
            version: 1,
            text: "role a\n".into(),
        });
        let refused = state.apply(change(2, Some((4, 0)), "x"));
        assert!(refused.policies.is_empty());
        assert_eq!(
            refused.error.as_deref(),
            Some(
                "remit: the change to `/tmp/p/a.remit` (version 2) was not applied: a change's \
                 range reaches line 5 (0-based 4:0), past the end of the text, which has 2 \
                 lines; the server keeps the file's last text it could follow and ignores \
                 ranged changes to it until the editor sends its whole text again: close and \
                 reopen the file"
            )
        );
        assert_eq!(state.docs[&key].text.as_str(), "role a\n");
        assert!(state.docs[&key].out_of_sync);
        // A later ranged change would land on a text the client no longer
        // has: refused too, and said so.
        let again = state.apply(change(3, Some((0, 0)), "y"));
        assert!(again
            .error
            .unwrap()
            .contains("an earlier change did not fit"));
        assert_eq!(state.docs[&key].text.as_str(), "role a\n");
        // The whole text brings the buffer back.
        let whole = state.apply(change(4, None, "role b\n"));
        assert_eq!(whole.error, None);
        assert_eq!(whole.policies.len(), 1);
        assert_eq!(state.docs[&key].text.as_str(), "role b\n");
        assert!(!state.docs[&key].out_of_sync);
        assert_eq!(state.apply(change(5, Some((0, 6)), "c")).error, None);
        assert_eq!(state.docs[&key].text.as_str(), "role bc\n");
    }
}
