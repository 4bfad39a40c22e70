//! Language server latency: from a `textDocument/didChange` to the
//! `textDocument/publishDiagnostics` for that version, on a generated
//! 2,000-rule policy (target: under 100 ms, TOOLING.md).
//!
//! The server runs in-process over an in-memory pipe, spoken to with
//! framed JSON-RPC exactly as an editor would. Each measured edit follows
//! a pause longer than the debounce window (an edit after the user stops
//! typing); the pause is not measured. The policy comes from the same
//! generator as the `remit check` benchmarks
//! (`remit_gen::department_policy`).

#![allow(missing_docs, clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, Criterion};

/// The allocator the `remit` binary uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use remit_lsp::transport::{frame, next_frame, Parsed};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream, ReadHalf, WriteHalf};
use tokio::runtime::Runtime;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};

/// A client of the in-process server.
struct Client {
    to_server: WriteHalf<DuplexStream>,
    published: UnboundedReceiver<(String, Option<i64>, usize)>,
    responses: UnboundedReceiver<Value>,
}

async fn read_messages(
    mut from_server: ReadHalf<DuplexStream>,
    published: tokio::sync::mpsc::UnboundedSender<(String, Option<i64>, usize)>,
    responses: tokio::sync::mpsc::UnboundedSender<Value>,
) {
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 1 << 16];
    loop {
        loop {
            match next_frame(&mut buf) {
                Parsed::Frame(body) => {
                    let m: Value = serde_json::from_slice(&body).unwrap();
                    if m["method"] == "textDocument/publishDiagnostics" {
                        let p = &m["params"];
                        let _ = published.send((
                            p["uri"].as_str().unwrap_or("").to_string(),
                            p["version"].as_i64(),
                            p["diagnostics"].as_array().map_or(0, Vec::len),
                        ));
                    } else if m.get("id").is_some() {
                        let _ = responses.send(m);
                    }
                }
                Parsed::Garbage(why) => panic!("bad output from the server: {why}"),
                Parsed::Incomplete => break,
            }
        }
        match from_server.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

impl Client {
    fn start(runtime: &Runtime) -> Client {
        let (client_side, server_side) = tokio::io::duplex(1 << 20);
        let (server_in, server_out) = tokio::io::split(server_side);
        let (from_server, to_server) = tokio::io::split(client_side);
        let (ptx, published) = unbounded_channel();
        let (rtx, responses) = unbounded_channel();
        runtime.spawn(remit_lsp::serve(server_in, server_out));
        runtime.spawn(read_messages(from_server, ptx, rtx));
        Client {
            to_server,
            published,
            responses,
        }
    }

    async fn send(&mut self, message: Value) {
        let bytes = frame(message.to_string().as_bytes());
        self.to_server.write_all(&bytes).await.unwrap();
        self.to_server.flush().await.unwrap();
    }

    async fn request(&mut self, id: i64, method: &str, params: Value) -> Value {
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }))
            .await;
        self.responses.recv().await.unwrap()
    }

    async fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }))
            .await;
    }

    /// Waits for the diagnostics of `uri` at `version`; returns their count.
    async fn published(&mut self, uri: &str, version: i64) -> usize {
        loop {
            let (u, v, n) = self.published.recv().await.unwrap();
            if u == uri && v == Some(version) {
                return n;
            }
        }
    }
}

fn edit_to_diagnostics(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("generated.remit");
    let text = remit_gen::department_policy(2_000);
    std::fs::write(&path, &text).unwrap();
    let uri = format!("file://{}", path.display());
    let mut client = Client::start(&runtime);
    let opened = runtime.block_on(async {
        client
            .request(1, "initialize", json!({ "capabilities": {} }))
            .await;
        client.notify("initialized", json!({})).await;
        client
            .notify(
                "textDocument/didOpen",
                json!({ "textDocument": { "uri": uri, "languageId": "remit", "version": 1, "text": text } }),
            )
            .await;
        client.published(&uri, 1).await
    });
    eprintln!(
        "generated policy: 2000 rules, {} bytes, {opened} diagnostics",
        text.len()
    );
    // Each edit changes one cap, so the text differs every time.
    let needle = "limit amount <= ";
    let at = text.find(needle).unwrap() + needle.len();
    let mut version = 1;
    let mut group = c.benchmark_group("lsp");
    group.sample_size(20);
    group.bench_function("edit_to_diagnostics_2000_rules", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                std::thread::sleep(remit_lsp::worker::DEBOUNCE + Duration::from_millis(10));
                version += 1;
                let mut edited = text.clone();
                edited.insert_str(at, &format!("{}", version % 7 + 1));
                let uri = uri.clone();
                let elapsed = runtime.block_on(async {
                    let start = Instant::now();
                    client
                        .notify(
                            "textDocument/didChange",
                            json!({
                                "textDocument": { "uri": uri, "version": version },
                                "contentChanges": [{ "text": edited }],
                            }),
                        )
                        .await;
                    client.published(&uri, version).await;
                    start.elapsed()
                });
                total += elapsed;
            }
            total
        });
    });
    group.finish();
}

criterion_group!(benches, edit_to_diagnostics);
criterion_main!(benches);
