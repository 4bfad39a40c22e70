//! The one task that applies edits and re-analyses policies.
//!
//! Notification handlers apply their edit to the state under the lock, in
//! the order the client sent them (a change older than the buffer's
//! version is dropped, as a guard),
//! number it, and queue the policies it touches on one ordered channel,
//! all in one critical section. This worker re-analyses those policies on
//! a blocking thread and publishes diagnostics for every file of each
//! policy. Diagnostics are never published for a text that is no longer
//! current: when edits to a policy arrive while it is being analysed, the
//! result is kept for requests but not published, and the policy is
//! analysed again.
//!
//! Debounce: an edit after a quiet spell is analysed at once; an edit that
//! follows the previous one within [`DEBOUNCE`] (fast typing) waits until
//! the edits pause for that long. The latest text is always the one
//! analysed, since edits are applied to the buffers as they arrive.

use crate::diagnostics::{cleared, publications, Publication};
use crate::keys::PolicyKey;
use crate::loader;
use crate::state::{Queued, Shared};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedReceiver;
use tower_lsp_server::ls_types::MessageType;
use tower_lsp_server::Client;

/// How long edits must pause before a burst of them is analysed.
pub const DEBOUNCE: Duration = Duration::from_millis(50);

/// Where diagnostics go: the LSP client, or a test's collector.
pub trait Publisher: Send + 'static {
    /// Publishes diagnostics for one document.
    fn publish(&self, p: Publication) -> impl std::future::Future<Output = ()> + Send;
    /// Reports a problem of the server itself.
    fn log_error(&self, message: String) -> impl std::future::Future<Output = ()> + Send;
}

impl Publisher for Client {
    async fn publish(&self, p: Publication) {
        self.publish_diagnostics(p.uri, p.diagnostics, p.version)
            .await;
    }

    async fn log_error(&self, message: String) {
        self.log_message(MessageType::ERROR, message).await;
    }
}

/// The worker's own state.
pub struct Worker<P: Publisher> {
    publisher: P,
    shared: Arc<Shared>,
    rx: UnboundedReceiver<Queued>,
    dirty: BTreeSet<PolicyKey>,
    applied: u64,
    last_edit: Option<Instant>,
    burst: bool,
}

impl<P: Publisher> Worker<P> {
    /// A worker reading edits from `rx`.
    pub fn new(publisher: P, shared: Arc<Shared>, rx: UnboundedReceiver<Queued>) -> Self {
        Worker {
            publisher,
            shared,
            rx,
            dirty: BTreeSet::new(),
            applied: 0,
            last_edit: None,
            burst: false,
        }
    }

    /// Runs until the channel closes.
    pub async fn run(mut self) {
        loop {
            if self.dirty.is_empty() {
                self.shared.mark_analysed(self.applied);
                match self.rx.recv().await {
                    Some(q) => {
                        self.note(q);
                    }
                    None => return,
                }
            }
            while self.burst {
                let since = self.last_edit.map_or(DEBOUNCE, |t| t.elapsed());
                match tokio::time::timeout(DEBOUNCE.saturating_sub(since), self.rx.recv()).await {
                    Ok(Some(q)) => {
                        self.note(q);
                    }
                    Ok(None) => return,
                    Err(_) => self.burst = false,
                }
            }
            while let Ok(q) = self.rx.try_recv() {
                self.note(q);
            }
            if let Some(key) = self.dirty.iter().next().cloned() {
                self.analyse(key).await;
            }
        }
    }

    /// Takes note of one edit (already applied to the state); returns the
    /// policies it touches.
    fn note(&mut self, q: Queued) -> Vec<PolicyKey> {
        self.applied = self.applied.max(q.seq);
        let now = Instant::now();
        self.burst = self
            .last_edit
            .is_some_and(|t| now.duration_since(t) < DEBOUNCE);
        self.last_edit = Some(now);
        self.dirty.extend(q.policies.iter().cloned());
        q.policies
    }

    async fn analyse(&mut self, key: PolicyKey) {
        let (input, support) = {
            let state = self.shared.lock();
            (loader::input(&state, &key), state.support)
        };
        if input.is_empty() {
            self.dirty.remove(&key);
            let old = self.shared.lock().snapshots.remove(&key);
            if let Some(old) = old {
                for p in cleared(&old, None) {
                    self.publisher.publish(p).await;
                }
            }
            return;
        }
        let result = tokio::task::spawn_blocking(move || loader::load(input)).await;
        let mut touched = false;
        while let Ok(q) = self.rx.try_recv() {
            touched |= self.note(q).contains(&key);
        }
        let snapshot = match result {
            Ok(s) => Arc::new(s),
            Err(e) => {
                self.dirty.remove(&key);
                self.publisher
                    .log_error(format!("remit: analysing {key:?} failed: {e}"))
                    .await;
                return;
            }
        };
        let old = self
            .shared
            .lock()
            .snapshots
            .insert(key.clone(), Arc::clone(&snapshot));
        if touched {
            return;
        }
        self.dirty.remove(&key);
        for p in publications(old.as_deref(), &snapshot, support) {
            self.publisher.publish(p).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Edit;
    use std::sync::Mutex;
    use tower_lsp_server::ls_types::{TextDocumentContentChangeEvent, Uri};

    /// File name, number of diagnostics, version.
    type Published = (String, usize, Option<i32>);

    #[derive(Clone, Default)]
    struct Collector(Arc<Mutex<Vec<Published>>>);

    impl Publisher for Collector {
        async fn publish(&self, p: Publication) {
            let name = p.uri.as_str().rsplit('/').next().unwrap_or("").to_string();
            self.0
                .lock()
                .unwrap()
                .push((name, p.diagnostics.len(), p.version));
        }
        async fn log_error(&self, _: String) {}
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn edits_in_order_and_no_stale_publication() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.remit");
        let b = dir.path().join("b.remit");
        std::fs::write(&b, "role clerk\n").unwrap();
        let uri = Uri::from_file_path(&a).unwrap();
        let (shared, rx) = Shared::new();
        let shared = Arc::new(shared);
        let collector = Collector::default();
        let worker = tokio::spawn(Worker::new(collector.clone(), Arc::clone(&shared), rx).run());
        shared.submit(Edit::Open {
            uri: uri.clone(),
            version: 1,
            text: "role clerk\n".into(),
        });
        // A burst of edits: only the last text counts; an old version is dropped.
        for (version, text) in [(2, "role"), (3, "role x\n"), (2, "garbage")] {
            shared.submit(Edit::Change {
                uri: uri.clone(),
                version,
                changes: vec![TextDocumentContentChangeEvent {
                    range: None,
                    range_length: None,
                    text: text.into(),
                }],
            });
        }
        shared.wait_analysed(Duration::from_secs(10)).await;
        let published = collector.0.lock().unwrap().clone();
        // The last publication is for version 3: the duplicate `clerk` is gone.
        let last_a = published.iter().rev().find(|p| p.0 == "a.remit").unwrap();
        // One hint remains: `x` is unused.
        assert_eq!(last_a, &("a.remit".to_string(), 1, Some(3)));
        assert!(published.iter().any(|p| p.0 == "b.remit" && p.2.is_none()));
        assert!(published
            .iter()
            .filter(|p| p.0 == "a.remit")
            .all(|p| p.2 != Some(2)));
        shared.close();
        worker.await.unwrap();
    }
}
