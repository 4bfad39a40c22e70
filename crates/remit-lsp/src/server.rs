//! The `LanguageServer` implementation: notifications update the open
//! buffers and wake the worker; requests read the latest snapshot of the
//! document's policy (completion reads the buffer itself).
//!
//! Requests (except completion) first wait, briefly, until every edit the
//! client sent before them has been analysed, so they answer about the
//! text the client has. Then each feature runs on a blocking thread off
//! its immutable snapshot: tower-lsp polls every handler on one task, so a
//! feature computed in the handler itself would hold up every other
//! answer until it was done (a big file's semantic tokens kept a hover
//! waiting). Every feature runs behind a panic guard: a bug in one answer
//! becomes an empty answer, never a dead server, and an error in the
//! client's log (`window/logMessage`) naming the request.

use crate::capabilities::capabilities;
use crate::client_support::ClientSupport;
use crate::code_lens::{self, RUN_TEST, SHOW_TESTS};
use crate::keys::DocKey;
use crate::snapshot::Snapshot;
use crate::state::{Edit, Shared};
use crate::transport::Lifecycle;
use crate::worker::Worker;
use crate::{
    code_actions, completion, folding, formatting, hover, navigation, rename, semantic_tokens,
    symbols,
};
use remit_diagnostics::{panic_message, FileId};
use serde_json::{json, Value};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Duration;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

/// How long a request waits for pending edits to be analysed.
const WAIT: Duration = Duration::from_secs(2);

/// LSP's `RequestFailed` error code.
const REQUEST_FAILED: i64 = -32803;

/// The files whose changes on disk the server wants to hear about.
pub const WATCHED: &str = "**/*.remit";

/// The server.
pub struct Backend {
    client: Client,
    shared: Arc<Shared>,
    lifecycle: Arc<Lifecycle>,
}

impl Drop for Backend {
    /// The worker stops with the server.
    fn drop(&mut self) {
        self.shared.close();
    }
}

/// Runs `f` on a blocking thread behind a panic guard, so that other
/// requests are answered meanwhile. A panic (or a lost thread) is the
/// error line for the client's log, naming the request.
async fn off_thread<T: Send + 'static>(
    request: &'static str,
    f: impl FnOnce() -> T + Send + 'static,
) -> std::result::Result<T, String> {
    match tokio::task::spawn_blocking(move || catch_unwind(AssertUnwindSafe(f))).await {
        Ok(Ok(answer)) => Ok(answer),
        Ok(Err(payload)) => Err(format!(
            "remit: `{request}` failed with an internal error ({}), so it was answered with nothing; this is a bug in remit, please report it with the file you were editing",
            panic_message(&*payload)
        )),
        Err(e) => Err(format!(
            "remit: `{request}` was answered with nothing: its thread was lost ({e})"
        )),
    }
}

impl Backend {
    /// A server for `client`; spawns its worker on the current runtime.
    /// `lifecycle` learns when `shutdown` is answered.
    pub fn new(client: Client, lifecycle: Arc<Lifecycle>) -> Self {
        let (shared, rx) = Shared::new();
        let shared = Arc::new(shared);
        tokio::spawn(Worker::new(client.clone(), Arc::clone(&shared), rx).run());
        Backend {
            client,
            shared,
            lifecycle,
        }
    }

    /// Applies an edit and queues its policies for the worker. A change
    /// that does not fit its document is an error in the client's log and
    /// on screen.
    async fn submit(&self, edit: Edit) {
        if let Some(error) = self.shared.submit(edit) {
            self.client.log_message(MessageType::ERROR, &error).await;
            self.client.show_message(MessageType::ERROR, error).await;
        }
    }

    /// What the client supports.
    fn support(&self) -> ClientSupport {
        self.shared.lock().support
    }

    /// The up-to-date snapshot holding a document, and the document's id.
    async fn snapshot(&self, uri: &Uri) -> Option<(Arc<Snapshot>, FileId)> {
        self.shared.wait_analysed(WAIT).await;
        let key = DocKey::from_uri(uri);
        let snapshot = self.shared.lock().snapshot_for(&key)?;
        let file = snapshot.file_id(&key)?;
        Some((snapshot, file))
    }

    /// Runs `f` off the handler ([`off_thread`]); a failure is logged to
    /// the client as an error and answers nothing.
    async fn guarded<T: Send + 'static>(
        &self,
        request: &'static str,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        match off_thread(request, f).await {
            Ok(answer) => Some(answer),
            Err(message) => {
                self.client.log_message(MessageType::ERROR, message).await;
                None
            }
        }
    }

    /// Runs a feature (the LSP method `request`) at a position of a
    /// document.
    async fn at<T: Send + 'static>(
        &self,
        request: &'static str,
        doc: &TextDocumentPositionParams,
        f: impl FnOnce(&Snapshot, FileId, usize) -> Option<T> + Send + 'static,
    ) -> Option<T> {
        let (snapshot, file) = self.snapshot(&doc.text_document.uri).await?;
        let position = doc.position;
        self.guarded(request, move || {
            let offset = snapshot.line_index(file)?.offset(position);
            f(&snapshot, file, offset)
        })
        .await
        .flatten()
    }

    /// Runs a feature (the LSP method `request`) on a whole document.
    async fn on<T: Send + 'static>(
        &self,
        request: &'static str,
        uri: &Uri,
        f: impl FnOnce(&Snapshot, FileId) -> T + Send + 'static,
    ) -> Option<T> {
        let (snapshot, file) = self.snapshot(uri).await?;
        self.guarded(request, move || f(&snapshot, file)).await
    }

    /// Asks the client to send `workspace/didChangeWatchedFiles` for
    /// `.remit` files, so that files changed, created, deleted or renamed
    /// on disk are re-read (the server analyses every file of a policy's
    /// directory, open or not).
    fn register_watcher(&self) {
        let client = self.client.clone();
        tokio::spawn(async move {
            let options = DidChangeWatchedFilesRegistrationOptions {
                watchers: vec![FileSystemWatcher {
                    glob_pattern: GlobPattern::String(WATCHED.to_string()),
                    kind: None,
                }],
            };
            let registration = Registration {
                id: "remit-watch-remit-files".to_string(),
                method: "workspace/didChangeWatchedFiles".to_string(),
                register_options: serde_json::to_value(options).ok(),
            };
            if let Err(e) = client.register_capability(vec![registration]).await {
                client
                    .log_message(
                        MessageType::WARNING,
                        format!(
                            "remit: the client refused to watch `{WATCHED}` ({}); files changed \
                             outside the editor are seen when a file of their policy is edited",
                            e.message
                        ),
                    )
                    .await;
            }
        });
    }

    /// `remit.runTest [uri, test name]`: runs one test, shows its result.
    async fn run_test(&self, arguments: &[Value]) -> Result<Option<Value>> {
        let (Some(uri), Some(name)) = (
            arguments
                .first()
                .and_then(Value::as_str)
                .and_then(|u| u.parse::<Uri>().ok()),
            arguments.get(1).and_then(Value::as_str),
        ) else {
            return Err(Error::invalid_params("expected [uri, test name]"));
        };
        let name = name.to_string();
        let wanted = name.clone();
        let result = self
            .on(
                "workspace/executeCommand remit.runTest",
                &uri,
                move |s, file| {
                    let results = s.policy.test_results().map_err(str::to_string)?;
                    let found = results.iter().find(|r| r.name == wanted).map(|r| {
                        (
                            r.passed,
                            remit_ide::policy_tests::test_title(r),
                            r.expected.clone(),
                            r.actual.clone(),
                        )
                    });
                    Ok((
                        found,
                        remit_ide::policy_tests::has_test(&s.policy, file, &wanted),
                    ))
                },
            )
            .await;
        let (passed, title, expected, actual) = match result {
            Some(Err(message)) => {
                self.client.log_message(MessageType::ERROR, &message).await;
                return Err(failed(message));
            }
            Some(Ok((Some(found), _))) => found,
            Some(Ok((None, true))) => {
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

    /// `remit.showTests [uri, position, …]`: the locations of the tests
    /// that exercise the rule at `position`, also shown as a message.
    async fn show_tests(&self, arguments: &[Value]) -> Result<Option<Value>> {
        let (Some(uri), Some(position)) = (
            arguments
                .first()
                .and_then(Value::as_str)
                .and_then(|u| u.parse::<Uri>().ok()),
            arguments
                .get(1)
                .and_then(|p| serde_json::from_value::<Position>(p.clone()).ok()),
        ) else {
            return Err(Error::invalid_params(
                "expected [uri, position] (the position of a rule)",
            ));
        };
        let found = self
            .on(
                "workspace/executeCommand remit.showTests",
                &uri,
                move |s, file| {
                    let offset = s.line_index(file)?.offset(position);
                    let (rule, tests) = code_lens::rule_tests(s, file, offset)?;
                    Some((code_lens::tests_message(s, &rule, &tests), tests))
                },
            )
            .await
            .flatten();
        let Some((message, tests)) = found else {
            return Err(failed(format!(
                "there is no rule at line {} of this file",
                position.line + 1
            )));
        };
        self.client.show_message(MessageType::INFO, message).await;
        let locations: Vec<Location> = tests.into_iter().map(|(_, l)| l).collect();
        Ok(Some(serde_json::to_value(locations).unwrap_or(Value::Null)))
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
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        self.shared.lock().support = ClientSupport::from_capabilities(&params.capabilities);
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
        if self.support().watch_registration {
            self.register_watcher();
        }
        self.client
            .log_message(MessageType::INFO, "remit language server ready")
            .await;
    }

    async fn shutdown(&self) -> Result<()> {
        self.lifecycle.shut_down();
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        self.submit(Edit::Open {
            uri: doc.uri,
            version: doc.version,
            text: doc.text,
        })
        .await;
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        self.submit(Edit::Change {
            uri: params.text_document.uri,
            version: params.text_document.version,
            changes: params.content_changes,
        })
        .await;
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        self.submit(Edit::Close {
            uri: params.text_document.uri,
        })
        .await;
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
        self.submit(Edit::Disk { paths }).await;
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let markdown = self.support().markdown_hover;
        Ok(self
            .at(
                "textDocument/hover",
                &params.text_document_position_params,
                move |s, f, o| hover::hover(s, f, o, markdown),
            )
            .await)
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        Ok(self
            .at(
                "textDocument/definition",
                &params.text_document_position_params,
                |s, f, o| navigation::definition(s, f, o).map(GotoDefinitionResponse::Scalar),
            )
            .await)
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let include = params.context.include_declaration;
        Ok(self
            .at(
                "textDocument/references",
                &params.text_document_position,
                move |s, f, o| Some(navigation::references(s, f, o, include)),
            )
            .await)
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        Ok(self
            .at("textDocument/prepareRename", &params, |s, f, o| {
                rename::prepare(s, f, o).map(|(range, placeholder)| {
                    PrepareRenameResponse::RangeWithPlaceholder { range, placeholder }
                })
            })
            .await)
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let new_name = params.new_name;
        let result = self
            .at(
                "textDocument/rename",
                &params.text_document_position,
                move |s, f, o| Some(rename::rename(s, f, o, &new_name)),
            )
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
        let items = self
            .guarded("textDocument/completion", move || {
                let offset = crate::position::LineIndex::new(&text).offset(position.position);
                completion::complete(&text, offset, snapshot.as_deref().map(Snapshot::model))
            })
            .await;
        Ok(items.map(CompletionResponse::Array))
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        Ok(self
            .on(
                "textDocument/documentSymbol",
                &params.text_document.uri,
                |s, f| DocumentSymbolResponse::Nested(symbols::document_symbols(s, f)),
            )
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
        let query = params.query;
        let found = self
            .guarded("workspace/symbol", move || {
                snapshots
                    .iter()
                    .flat_map(|s| symbols::workspace_symbols(s, &query))
                    .take(1000)
                    .collect::<Vec<_>>()
            })
            .await;
        Ok(found.map(WorkspaceSymbolResponse::Nested))
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let range = params.range;
        let asked = params.context.diagnostics;
        let support = self.support();
        Ok(self
            .on(
                "textDocument/codeAction",
                &params.text_document.uri,
                move |s, f| {
                    let index = s.line_index(f)?;
                    let (start, end) = (index.offset(range.start), index.offset(range.end));
                    Some(
                        code_actions::code_actions(s, f, (start, end), &asked, support)
                            .into_iter()
                            .map(CodeActionOrCommand::CodeAction)
                            .collect(),
                    )
                },
            )
            .await
            .flatten())
    }

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        let key = DocKey::from_uri(&params.text_document.uri);
        let shared = Arc::clone(&self.shared);
        Ok(self
            .on(
                "textDocument/semanticTokens/full",
                &params.text_document.uri,
                move |s, f| {
                    let data = semantic_tokens::full(s, f);
                    let result_id = Some(shared.lock().tokens.remember(key, &data));
                    SemanticTokensResult::Tokens(SemanticTokens { result_id, data })
                },
            )
            .await)
    }

    async fn semantic_tokens_full_delta(
        &self,
        params: SemanticTokensDeltaParams,
    ) -> Result<Option<SemanticTokensFullDeltaResult>> {
        let key = DocKey::from_uri(&params.text_document.uri);
        let shared = Arc::clone(&self.shared);
        let previous_id = params.previous_result_id;
        Ok(self
            .on(
                "textDocument/semanticTokens/full/delta",
                &params.text_document.uri,
                move |s, f| {
                    let data = semantic_tokens::full(s, f);
                    let (previous, id) = {
                        let mut state = shared.lock();
                        let previous = state.tokens.previous(&key, &previous_id);
                        (previous, state.tokens.remember(key, &data))
                    };
                    match previous {
                        Some(old) => {
                            SemanticTokensFullDeltaResult::TokensDelta(SemanticTokensDelta {
                                result_id: Some(id),
                                edits: semantic_tokens::edits(&old, &data),
                            })
                        }
                        // An id the server no longer has (another result
                        // was sent since, or the document was reopened):
                        // the whole tokens, as LSP allows.
                        None => SemanticTokensFullDeltaResult::Tokens(SemanticTokens {
                            result_id: Some(id),
                            data,
                        }),
                    }
                },
            )
            .await)
    }

    async fn semantic_tokens_range(
        &self,
        params: SemanticTokensRangeParams,
    ) -> Result<Option<SemanticTokensRangeResult>> {
        let range = params.range;
        Ok(self
            .on(
                "textDocument/semanticTokens/range",
                &params.text_document.uri,
                move |s, f| {
                    let index = s.line_index(f)?;
                    let (start, end) = (index.offset(range.start), index.offset(range.end));
                    Some(SemanticTokensRangeResult::Tokens(SemanticTokens {
                        result_id: None,
                        data: semantic_tokens::range(s, f, start, end),
                    }))
                },
            )
            .await
            .flatten())
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        Ok(self
            .on(
                "textDocument/foldingRange",
                &params.text_document.uri,
                folding::folding_ranges,
            )
            .await)
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        Ok(self
            .on(
                "textDocument/formatting",
                &params.text_document.uri,
                |s, f| s.source(f).map(|source| formatting::format(source.text())),
            )
            .await
            .flatten())
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        Ok(self
            .on(
                "textDocument/codeLens",
                &params.text_document.uri,
                code_lens::lenses,
            )
            .await)
    }

    async fn code_lens_resolve(&self, lens: CodeLens) -> Result<CodeLens> {
        let Some(uri) = lens
            .data
            .as_ref()
            .and_then(code_lens::lens_target)
            .and_then(|(uri, _)| uri.parse::<Uri>().ok())
        else {
            return Ok(lens);
        };
        let fallback = lens.clone();
        Ok(self
            .on("codeLens/resolve", &uri, move |s, _| {
                code_lens::resolve(s, lens)
            })
            .await
            .unwrap_or(fallback))
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<Value>> {
        match params.command.as_str() {
            RUN_TEST => self.run_test(&params.arguments).await,
            SHOW_TESTS => self.show_tests(&params.arguments).await,
            other => Err(Error::invalid_params(format!(
                "unknown command `{other}`; this server runs `{RUN_TEST}` and `{SHOW_TESTS}`"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 14: a panic caught in a handler gave an empty answer and no
    /// log; now it is an error line naming the request and the panic.
    #[tokio::test]
    async fn a_panicking_feature_is_an_error_naming_the_request() {
        let answer: std::result::Result<u8, String> =
            off_thread("textDocument/hover", || panic!("index out of bounds")).await;
        let message = answer.unwrap_err();
        assert!(
            message.starts_with(
                "remit: `textDocument/hover` failed with an internal error (index out of bounds)"
            ),
            "{message}"
        );
        assert_eq!(off_thread("textDocument/hover", || 7).await, Ok(7));
    }
}
