//! The Remit language server (TOOLING.md, "Language server").
//!
//! Over stdio, on tower-lsp: on every change it re-analyses the policy the
//! document belongs to (all `.remit` files of its directory, open buffers
//! taking precedence over disk) and publishes diagnostics for each of its
//! files. It offers hover, go to definition, find references, rename,
//! completion, document and workspace symbols, code actions, semantic
//! tokens, folding ranges, code lenses for the policy's tests, and
//! formatting with the same formatter as `remit fmt`.
//!
//! Layout: [`server`] answers LSP messages, each request's feature on a
//! blocking thread so that a slow answer holds up no other; edits
//! (incremental sync, [`text_sync`]) take effect in [`state`] in the order
//! they were sent, and go on the state's queue to the [`worker`], which
//! re-analyses ([`loader`]) into immutable [`snapshot`]s and publishes
//! ([`diagnostics`]). Documents and policies are named by [`keys`], a leaf
//! module; the modules depend on each other in one direction only
//! (keys ← snapshot ← state ← loader ← worker, diagnostics ← worker).
//! The features themselves are computed below the protocol, by
//! `remit-ide`, from a snapshot's policy and byte offsets; one module per
//! feature here only converts: offsets to UTF-16 positions ([`position`])
//! and `remit-ide`'s plain data to LSP types, as far as the client can
//! show them ([`client_support`]). The state also keeps the semantic
//! tokens last sent for each document ([`token_results`]), for deltas. [`transport`]
//! frames the bytes itself (malformed input, `$/` requests, lsp-mode's
//! `shutdown` params, the exit code).

pub mod capabilities;
pub mod client_support;
pub mod code_actions;
pub mod code_lens;
pub mod completion;
pub mod diagnostics;
pub mod folding;
pub mod formatting;
pub mod hover;
pub mod keys;
pub mod loader;
pub mod navigation;
pub mod position;
pub mod rename;
pub mod semantic_tokens;
pub mod server;
pub mod snapshot;
pub mod state;
pub mod symbols;
pub mod text_sync;
pub mod token_results;
pub mod transport;
pub mod worker;

use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc::unbounded_channel;
use tower_lsp_server::{LspService, Server};

/// The capacity of the in-process pipes between the transport and the
/// server.
const PIPE: usize = 1 << 20;

/// How many requests tower-lsp keeps in flight at once (its default is
/// 4). Handlers only wait (for analysis, or for their feature's blocking
/// thread), so four slow answers must not hold up a fifth request.
const CONCURRENCY: usize = 32;

/// Serves LSP over a reader and a writer until the client exits or the
/// input ends. Malformed input is answered with JSON-RPC errors and
/// skipped ([`transport`]). Returns whether the session ended cleanly:
/// `false` after an `exit` that no `shutdown` preceded (exit code 1).
pub async fn serve<I, O>(input: I, output: O) -> bool
where
    I: AsyncRead + Unpin + Send + 'static,
    O: AsyncWrite + Unpin + Send + 'static,
{
    // Pipes as large as a big document, so a full-text change crosses in
    // one piece.
    let (server_in, feed) = tokio::io::duplex(PIPE);
    let (server_out, drain) = tokio::io::duplex(PIPE);
    let (frames, to_write) = unbounded_channel();
    let lifecycle = Arc::new(transport::Lifecycle::default());
    let reader = tokio::spawn(transport::sanitize(
        input,
        feed,
        frames.clone(),
        Arc::clone(&lifecycle),
    ));
    let splitter = tokio::spawn(transport::split(drain, frames));
    let writer = tokio::spawn(transport::write(to_write, output));
    let server_lifecycle = Arc::clone(&lifecycle);
    let (service, socket) =
        LspService::new(move |client| server::Backend::new(client, server_lifecycle));
    Server::new(server_in, server_out, socket)
        .concurrency_level(CONCURRENCY)
        .serve(service)
        .await;
    // The server is done (`exit`, or the input ended): stop reading, then
    // let everything it wrote reach the client.
    reader.abort();
    let _ = reader.await;
    let _ = splitter.await;
    let _ = writer.await;
    lifecycle.clean()
}

/// Runs the language server on standard input and output. `Ok(false)`:
/// the client sent `exit` without `shutdown`, which LSP asks to end with
/// exit code 1.
pub fn run_stdio() -> std::io::Result<bool> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let clean = runtime.block_on(serve(tokio::io::stdin(), tokio::io::stdout()));
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    Ok(clean)
}
