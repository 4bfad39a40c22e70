//! The `LanguageServer` implementation: notifications update the open
//! buffers and wake the worker; requests read the latest snapshot of the
//! document's policy (completion reads the buffer itself).
//!
//! Requests (except completion) first wait, briefly, until every edit the
//! client sent before them has been analysed, so they answer about the
//! text the client has. Every feature runs behind a panic guard: a bug in
//! one answer becomes an empty answer, never a dead server.

use crate::capabilities::capabilities;
use crate::code_lens::{self, RUN_TEST};
use crate::snapshot::Snapshot;
use crate::state::{DocKey, Edit, Shared};
use crate::worker::{Queued, Worker};
use crate::{
    code_actions, completion, folding, formatting, hover, navigation, rename, semantic_tokens,
    symbols,
};
use remit_diagnostics::FileId;
use serde_json::{json, Value};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

/// How long a request waits for pending edits to be analysed.
const WAIT: Duration = Duration::from_secs(2);

/// LSP's `RequestFailed` error code.
const REQUEST_FAILED: i64 = -32803;

/// The server.
pub struct Backend {
    client: Client,
    shared: Arc<Shared>,
    edits: UnboundedSender<Queued>,
}

/// Runs `f`, turning a panic into `None`.
fn guard<T>(f: impl FnOnce() -> T) -> Option<T> {
    catch_unwind(AssertUnwindSafe(f)).ok()
}

impl Backend {
    /// A server for `client`; spawns its worker on the current runtime.
    pub fn new(client: Client) -> Self {
        let shared = Arc::new(Shared::default());
        let (tx, rx) = unbounded_channel();
        tokio::spawn(Worker::new(client.clone(), Arc::clone(&shared), rx).run());
        Backend {
            client,
            shared,
            edits: tx,
        }
    }

    /// Applies an edit and queues its policies for the worker.
    fn submit(&self, edit: Edit) {
        self.shared.submit(edit, &self.edits);
    }

    /// The up-to-date snapshot holding a document, and the document's id.
    async fn snapshot(&self, uri: &Uri) -> Option<(Arc<Snapshot>, FileId)> {
        self.shared.wait_analysed(WAIT).await;
        let key = DocKey::from_uri(uri);
        let snapshot = self.shared.lock().snapshot_for(&key)?;
        let file = snapshot.file_id(&key)?;
        Some((snapshot, file))
    }

    /// Runs a feature at a position of a document.
    async fn at<T>(
        &self,
        doc: &TextDocumentPositionParams,
        f: impl FnOnce(&Snapshot, FileId, usize) -> Option<T>,
    ) -> Option<T> {
        let (snapshot, file) = self.snapshot(&doc.text_document.uri).await?;
        guard(|| {
            let offset = snapshot.line_index(file)?.offset(doc.position);
            f(&snapshot, file, offset)
        })
        .flatten()
    }

    /// Runs a feature on a whole document.
    async fn on<T>(&self, uri: &Uri, f: impl FnOnce(&Snapshot, FileId) -> T) -> Option<T> {
        let (snapshot, file) = self.snapshot(uri).await?;
        guard(|| f(&snapshot, file))
    }
}

fn failed(message: String) -> Error {
    Error {
        code: ErrorCode::ServerError(REQUEST_FAILED),
        message: message.into(),
        data: None,
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, _: InitializeParams) -> Result<InitializeResult> {
        Ok(InitializeResult {
            capabilities: capabilities(),
            server_info: Some(ServerInfo {
                name: "remit".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        self.client
            .log_message(MessageType::INFO, "remit language server ready")
            .await;
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        self.submit(Edit::Open {
            uri: doc.uri,
            version: doc.version,
            text: doc.text,
        });
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        // Full sync: the last change holds the whole text.
        if let Some(change) = params.content_changes.into_iter().last() {
            self.submit(Edit::Change {
                uri: params.text_document.uri,
                version: params.text_document.version,
                text: change.text,
            });
        }
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        self.submit(Edit::Close {
            uri: params.text_document.uri,
        });
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let paths = params
            .changes
            .iter()
            .filter_map(|c| match DocKey::from_uri(&c.uri) {
                DocKey::File(p) => Some(p),
                DocKey::Other(_) => None,
            })
            .collect();
        self.submit(Edit::Disk { paths });
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        Ok(self
            .at(&params.text_document_position_params, hover::hover)
            .await)
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        Ok(self
            .at(&params.text_document_position_params, |s, f, o| {
                navigation::definition(s, f, o).map(GotoDefinitionResponse::Scalar)
            })
            .await)
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let include = params.context.include_declaration;
        Ok(self
            .at(&params.text_document_position, |s, f, o| {
                Some(navigation::references(s, f, o, include))
            })
            .await)
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        Ok(self
            .at(&params, |s, f, o| {
                rename::prepare(s, f, o).map(|(range, placeholder)| {
                    PrepareRenameResponse::RangeWithPlaceholder { range, placeholder }
                })
            })
            .await)
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let new_name = params.new_name;
        let result = self
            .at(&params.text_document_position, |s, f, o| {
                Some(rename::rename(s, f, o, &new_name))
            })
            .await;
        match result {
            None => Ok(None),
            Some(Ok(changes)) => Ok(Some(WorkspaceEdit {
                changes: Some(changes),
                ..WorkspaceEdit::default()
            })),
            Some(Err(message)) => Err(failed(message)),
        }
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let position = params.text_document_position;
        let key = DocKey::from_uri(&position.text_document.uri);
        let (text, snapshot) = {
            let state = self.shared.lock();
            (
                state.docs.get(&key).map(|d| Arc::clone(&d.text)),
                state.snapshot_for(&key),
            )
        };
        let Some(text) = text else {
            return Ok(None);
        };
        let items = guard(|| {
            let offset = crate::position::LineIndex::new(&text).offset(position.position);
            completion::complete(&text, offset, snapshot.as_deref().map(Snapshot::model))
        });
        Ok(items.map(CompletionResponse::Array))
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        Ok(self
            .on(&params.text_document.uri, |s, f| {
                DocumentSymbolResponse::Nested(symbols::document_symbols(s, f))
            })
            .await)
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        self.shared.wait_analysed(WAIT).await;
        let snapshots: Vec<Arc<Snapshot>> = {
            let state = self.shared.lock();
            let mut all: Vec<_> = state.snapshots.values().cloned().collect();
            all.sort_by(|a, b| a.key.cmp(&b.key));
            all
        };
        let found = guard(|| {
            snapshots
                .iter()
                .flat_map(|s| symbols::workspace_symbols(s, &params.query))
                .take(1000)
                .collect::<Vec<_>>()
        });
        Ok(found.map(WorkspaceSymbolResponse::Nested))
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let range = params.range;
        Ok(self
            .on(&params.text_document.uri, |s, f| {
                let index = s.line_index(f)?;
                let (start, end) = (index.offset(range.start), index.offset(range.end));
                Some(
                    code_actions::code_actions(s, f, start, end)
                        .into_iter()
                        .map(CodeActionOrCommand::CodeAction)
                        .collect(),
                )
            })
            .await
            .flatten())
    }

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        Ok(self
            .on(&params.text_document.uri, |s, f| {
                SemanticTokensResult::Tokens(semantic_tokens::full(s, f))
            })
            .await)
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        Ok(self
            .on(&params.text_document.uri, folding::folding_ranges)
            .await)
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        Ok(self
            .on(&params.text_document.uri, |s, f| {
                s.source(f).map(|source| formatting::format(source.text()))
            })
            .await
            .flatten())
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        Ok(self.on(&params.text_document.uri, code_lens::lenses).await)
    }

    async fn code_lens_resolve(&self, lens: CodeLens) -> Result<CodeLens> {
        let Some(uri) = lens
            .data
            .as_ref()
            .and_then(code_lens::lens_test)
            .and_then(|(uri, _)| uri.parse::<Uri>().ok())
        else {
            return Ok(lens);
        };
        let fallback = lens.clone();
        Ok(self
            .on(&uri, |s, _| code_lens::resolve(s, lens))
            .await
            .unwrap_or(fallback))
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<Value>> {
        if params.command != RUN_TEST {
            return Err(Error::invalid_params(format!(
                "unknown command `{}`",
                params.command
            )));
        }
        let (Some(uri), Some(name)) = (
            params
                .arguments
                .first()
                .and_then(Value::as_str)
                .and_then(|u| u.parse::<Uri>().ok()),
            params.arguments.get(1).and_then(Value::as_str),
        ) else {
            return Err(Error::invalid_params("expected [uri, test name]"));
        };
        let result = self
            .on(&uri, |s, file| {
                let found = s.test_results().iter().find(|r| r.name == name).map(|r| {
                    (
                        r.passed,
                        code_lens::test_title(r),
                        r.expected.clone(),
                        r.actual.clone(),
                    )
                });
                (found, code_lens::has_test(s, file, name))
            })
            .await;
        let (passed, title, expected, actual) = match result {
            Some((Some(found), _)) => found,
            Some((None, true)) => {
                return Err(failed(format!(
                    "test \"{name}\" has errors, so it cannot run: fix the errors reported on it"
                )))
            }
            _ => {
                return Err(failed(format!(
                    "there is no test called \"{name}\" in this file"
                )))
            }
        };
        let kind = if passed {
            MessageType::INFO
        } else {
            MessageType::WARNING
        };
        self.client
            .show_message(kind, format!("test \"{name}\": {title}"))
            .await;
        Ok(Some(json!({
            "name": name,
            "passed": passed,
            "expected": expected,
            "actual": actual,
        })))
    }
}
