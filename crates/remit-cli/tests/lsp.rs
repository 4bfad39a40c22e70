//! `remit lsp` end to end: the real binary, spoken to over its stdio by a
//! small JSON-RPC client (Content-Length framing, request/response
//! matching, notifications collected with timeouts), on small policy
//! directories written by each test. Answers are rendered compactly (file
//! names instead of temporary paths) and snapshotted.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------------------
// The test client.

struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    /// Messages received but not yet consumed (notifications, mostly).
    pending: Vec<Value>,
    next_id: i64,
    root: PathBuf,
    /// The response to `initialize`.
    init: Value,
    /// Requests the server sent (each answered with a `null` result).
    server_requests: Vec<Value>,
}

/// A range as `(line, character, line, character)`.
type Span4 = (u32, u32, u32, u32);

/// What the test client announces by default: Markdown hovers and
/// related information, as VS Code and Neovim do.
fn editor_capabilities() -> Value {
    json!({
        "textDocument": {
            "hover": { "contentFormat": ["markdown", "plaintext"] },
            "publishDiagnostics": { "relatedInformation": true },
        },
    })
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse::<usize>().ok();
            }
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

impl Client {
    /// Starts `remit lsp` and initializes it, for policies under `root`.
    fn start(root: &Path) -> Client {
        Client::start_with(root, editor_capabilities())
    }

    /// Starts `remit lsp` for a client announcing `capabilities`.
    fn start_with(root: &Path, capabilities: Value) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_remit"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if tx.send(message).is_err() {
                    return;
                }
            }
        });
        let mut client = Client {
            child,
            stdin,
            incoming: rx,
            pending: Vec::new(),
            next_id: 0,
            root: root.to_path_buf(),
            init: Value::Null,
            server_requests: Vec::new(),
        };
        let init = client.request(
            "initialize",
            json!({ "processId": null, "rootUri": client.uri(""), "capabilities": capabilities }),
        );
        assert!(init["result"]["capabilities"].is_object(), "{init}");
        client.init = init;
        client.notify("initialized", json!({}));
        client
    }

    fn uri(&self, file: &str) -> String {
        let path = self.root.join(file);
        format!("file://{}", path.display())
    }

    fn send_raw(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).unwrap();
        self.stdin.flush().unwrap();
    }

    fn send(&mut self, message: &Value) {
        let body = message.to_string();
        let framed = format!("Content-Length: {}\r\n\r\n{body}", body.len());
        self.send_raw(framed.as_bytes());
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Receives the next message, answering requests from the server.
    fn receive(&mut self, deadline: Instant) -> Option<Value> {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(m) if m.get("method").is_some() && m.get("id").is_some() => {
                    let reply = json!({ "jsonrpc": "2.0", "id": m["id"], "result": null });
                    self.send(&reply);
                    self.server_requests.push(m);
                }
                Ok(m) => return Some(m),
                Err(RecvTimeoutError::Timeout) => return None,
                Err(RecvTimeoutError::Disconnected) => panic!("the server closed its output"),
            }
        }
    }

    /// Sends a request and waits for its response (the whole message).
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params);
        self.response(id)
    }

    /// Sends a request without waiting; returns its id.
    fn send_request(&mut self, method: &str, params: Value) -> i64 {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        id
    }

    fn response(&mut self, id: i64) -> Value {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let m = self
                .receive(deadline)
                .unwrap_or_else(|| panic!("no response to request {id}"));
            if m.get("id") == Some(&json!(id)) && m.get("method").is_none() {
                return m;
            }
            self.pending.push(m);
        }
    }

    /// The result of a request, which must not be an error.
    fn result(&mut self, method: &str, params: Value) -> Value {
        let response = self.request(method, params);
        assert!(response.get("error").is_none(), "{method}: {response}");
        response["result"].clone()
    }

    /// Waits for a notification matching `pred` (pending ones first).
    fn wait_for(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.pending.iter().position(&pred) {
            return self.pending.remove(i);
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            match self.receive(deadline) {
                Some(m) if pred(&m) => return m,
                Some(m) => self.pending.push(m),
                None => panic!("timed out waiting for {what}; got {:#?}", self.pending),
            }
        }
    }

    /// The diagnostics published for a file at a version (`None`: closed).
    fn diagnostics(&mut self, file: &str, version: Option<i64>) -> Value {
        let uri = self.uri(file);
        let m = self.wait_for(&format!("diagnostics for {file} v{version:?}"), |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == json!(uri)
                && m["params"]["version"] == json!(version)
        });
        m["params"].clone()
    }

    /// Every publication received so far, and those arriving in `wait`.
    fn drain_publications(&mut self, wait: Duration) -> Vec<Value> {
        let deadline = Instant::now() + wait;
        while let Some(m) = self.receive(deadline) {
            self.pending.push(m);
        }
        let (publications, rest): (Vec<Value>, Vec<Value>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|m| m["method"] == "textDocument/publishDiagnostics");
        self.pending = rest;
        publications
            .into_iter()
            .map(|m| m["params"].clone())
            .collect()
    }

    fn open(&mut self, file: &str, version: i64) {
        let text = std::fs::read_to_string(self.root.join(file)).unwrap();
        self.open_text(file, version, &text);
    }

    fn open_text(&mut self, file: &str, version: i64, text: &str) {
        let uri = self.uri(file);
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "remit", "version": version, "text": text } }),
        );
    }

    fn change(&mut self, file: &str, version: i64, text: &str) {
        let uri = self.uri(file);
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri, "version": version },
                "contentChanges": [{ "text": text }],
            }),
        );
    }

    /// A `didChange` of ranged changes: `((line, character, line,
    /// character), new text)`, applied in order.
    fn change_ranges(&mut self, file: &str, version: i64, changes: &[(Span4, &str)]) {
        let uri = self.uri(file);
        let changes: Vec<Value> = changes
            .iter()
            .map(|((l0, c0, l1, c1), text)| {
                json!({
                    "range": {
                        "start": { "line": l0, "character": c0 },
                        "end": { "line": l1, "character": c1 },
                    },
                    "text": text,
                })
            })
            .collect();
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": changes }),
        );
    }

    /// Waits for the process to end; its exit code.
    fn exit_code(&mut self) -> Option<i32> {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn close(&mut self, file: &str) {
        let uri = self.uri(file);
        self.notify(
            "textDocument/didClose",
            json!({ "textDocument": { "uri": uri } }),
        );
    }

    /// `textDocument` + `position` params at the `n`th occurrence of
    /// `needle` in `file` (on disk), `delta` characters in.
    fn at(&self, file: &str, needle: &str, n: usize, delta: usize) -> Value {
        let text = std::fs::read_to_string(self.root.join(file)).unwrap();
        let offset = text
            .match_indices(needle)
            .nth(n)
            .unwrap_or_else(|| panic!("no {needle} in {file}"))
            .0
            + delta;
        let before = &text[..offset];
        let line = before.matches('\n').count();
        let column: usize = before
            .rsplit('\n')
            .next()
            .unwrap()
            .chars()
            .map(char::len_utf16)
            .sum();
        json!({
            "textDocument": { "uri": self.uri(file) },
            "position": { "line": line, "character": column },
        })
    }

    fn doc(&self, file: &str) -> Value {
        json!({ "textDocument": { "uri": self.uri(file) } })
    }

    /// Shuts down and exits; the process must end cleanly.
    fn shutdown(mut self) {
        let response = self.request("shutdown", Value::Null);
        assert!(response.get("error").is_none(), "{response}");
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "exit status {status}");
                return;
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------
// Rendering answers compactly.

/// `file.remit` for a URI of a test directory.
fn file_of(uri: &Value) -> String {
    uri.as_str()
        .and_then(|u| u.rsplit('/').next())
        .unwrap_or("?")
        .to_string()
}

fn range(r: &Value) -> String {
    format!(
        "{}:{}-{}:{}",
        r["start"]["line"], r["start"]["character"], r["end"]["line"], r["end"]["character"]
    )
}

fn severity(s: &Value) -> &'static str {
    match s.as_i64() {
        Some(1) => "error",
        Some(2) => "warning",
        Some(3) => "info",
        Some(4) => "hint",
        _ => "?",
    }
}

fn render_diagnostics(params: &Value) -> String {
    let mut out = format!(
        "{} (version {}):\n",
        file_of(&params["uri"]),
        params["version"]
    );
    for d in params["diagnostics"].as_array().unwrap() {
        out.push_str(&format!(
            "  {} {} [{}] {}\n",
            range(&d["range"]),
            severity(&d["severity"]),
            d["code"].as_str().unwrap_or("?"),
            d["message"].as_str().unwrap().replace('\n', "\n    | "),
        ));
        assert_eq!(d["source"], "remit");
        // A documentation link only when the build was told where the
        // docs are published (`REMIT_DOCS_URL`); never an invented one.
        match (option_env!("REMIT_DOCS_URL"), d["code"].as_str()) {
            (Some(_), Some(code)) => {
                let href = d["codeDescription"]["href"].as_str().unwrap();
                assert!(href.ends_with(&format!("#{code}")), "{href}");
            }
            _ => assert!(d.get("codeDescription").is_none(), "{d}"),
        }
        if let Some(tags) = d.get("tags") {
            out.push_str(&format!("    tags: {tags}\n"));
        }
        for r in d["relatedInformation"].as_array().into_iter().flatten() {
            out.push_str(&format!(
                "    related: {} {} {}\n",
                file_of(&r["location"]["uri"]),
                range(&r["location"]["range"]),
                r["message"].as_str().unwrap()
            ));
        }
    }
    out
}

fn labels(result: &Value) -> String {
    let items = result
        .as_array()
        .or_else(|| result["items"].as_array())
        .cloned()
        .unwrap_or_default();
    items
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn render_edits(edit: &Value) -> String {
    let mut files: Vec<(String, Vec<Value>)> = edit["changes"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(uri, edits)| (file_of(&json!(uri)), edits.as_array().unwrap().clone()))
        .collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = String::new();
    for (file, edits) in files {
        for e in edits {
            out.push_str(&format!(
                "  {file} {} -> {:?}\n",
                range(&e["range"]),
                e["newText"].as_str().unwrap()
            ));
        }
    }
    out
}

fn render_text_edits(edits: &Value) -> String {
    edits
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} -> {:?}\n",
                range(&e["range"]),
                e["newText"].as_str().unwrap()
            )
        })
        .collect()
}

/// Applies LSP text edits (non-overlapping; ASCII text, so UTF-16 columns
/// are byte columns) to `text`.
fn apply_edits(text: &str, edits: &[Value]) -> String {
    let starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let offset = |p: &Value| {
        let line = p["line"].as_u64().unwrap() as usize;
        starts.get(line).map_or(text.len(), |s| {
            s + p["character"].as_u64().unwrap() as usize
        })
    };
    let mut spans: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| {
            (
                offset(&e["range"]["start"]),
                offset(&e["range"]["end"]),
                e["newText"].as_str().unwrap(),
            )
        })
        .collect();
    spans.sort_by_key(|s| std::cmp::Reverse(s.0));
    let mut out = text.to_string();
    for (start, end, new) in spans {
        out.replace_range(start..end, new);
    }
    out
}

fn render_symbols(symbols: &Value, depth: usize, out: &mut String) {
    for s in symbols.as_array().into_iter().flatten() {
        out.push_str(&format!(
            "{}{} (kind {}){} @ {}\n",
            "  ".repeat(depth),
            s["name"].as_str().unwrap(),
            s["kind"],
            s["detail"]
                .as_str()
                .map(|d| format!(" — {d}"))
                .unwrap_or_default(),
            range(&s["selectionRange"]),
        ));
        render_symbols(&s["children"], depth + 1, out);
    }
}

// ---------------------------------------------------------------------------
// Fixtures.

const SCHEMA: &str = r#"/// Front desk empowerment for service recovery.
policy hotel version "1"

currency USD

/// How much a guest is worth to us.
enum Tier { standard, silver, gold, platinum }
enum Incident { noise, dirty_room, late_checkin, billing_error }

customer {
  tier: Tier
  nights: Int
  flagged: Bool
}

context {
  incident: Incident
  wait: Duration
}

/// Staff at the desk.
role front_desk
role duty_manager extends front_desk

action refund(amount: Money)
action upgrade_room

obligation reason_code "Record a reason code"

segment loyal = customer.tier in {gold, platinum} or customer.nights >= 10
situation service_failure = context.incident in {noise, dirty_room}
"#;

const RULES: &str = r#"/// The everyday box.
rule room_recovery {
  permit front_desk to refund
  for loyal
  when service_failure
  limit amount <= 100 USD
  limit 2 per customer per 30 days
  require reason_code
  otherwise escalate to duty_manager
}

rule manager_refunds {
  permit duty_manager to refund
  for any customer
  limit amount <= 500 USD
  limit total 1000 USD per customer per 90 days
}

rule upgrades {
  permit front_desk to upgrade_room
  for loyal and not customer.flagged
  limit 1 per customer per 30 days
}
"#;

const TESTS: &str = r#"test "gold guest gets 80 back" {
  role front_desk
  action refund { amount: 80 USD }
  customer { tier: gold, nights: 3, flagged: false }
  context { incident: noise, wait: 5 minutes }
  expect permit requiring reason_code
}

test "too much goes up" {
  role front_desk
  action refund { amount: 300 USD }
  customer { tier: gold, nights: 3, flagged: false }
  context { incident: noise, wait: 5 minutes }
  expect escalate to duty_manager
}

test "wrong on purpose" {
  role front_desk
  action upgrade_room
  customer { tier: platinum, nights: 0, flagged: false }
  context { incident: noise, wait: 0 minutes }
  expect deny
}
"#;

/// A temporary policy directory holding `files`.
fn policy(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn hotel() -> tempfile::TempDir {
    policy(&[
        ("schema.remit", SCHEMA),
        ("rules.remit", RULES),
        ("tests.remit", TESTS),
    ])
}

// ---------------------------------------------------------------------------
// Tests.

#[test]
fn initialize_advertises_the_features() {
    let dir = hotel();
    let mut c = Client::start(dir.path());
    let init = c.init.clone();
    let caps = &init["result"]["capabilities"];
    let mut names: Vec<&String> = caps.as_object().unwrap().keys().collect();
    names.sort();
    insta::assert_snapshot!(
        "lsp_capabilities",
        format!(
            "{names:#?}\nserverInfo: {}\nsync: {}\nlegend: {}",
            init["result"]["serverInfo"]["name"],
            caps["textDocumentSync"],
            caps["semanticTokensProvider"]["legend"]
        )
    );
    // A second `initialize` is an error; the server keeps serving.
    let again = c.request("initialize", json!({ "capabilities": {} }));
    assert!(again.get("error").is_some(), "{again}");
    c.shutdown();
}

#[test]
fn the_server_ends_when_its_input_does() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_remit"))
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let body = json!({ "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": { "capabilities": {} } })
        .to_string();
    let mut stdin = child.stdin.take().unwrap();
    write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
    stdin.flush().unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let init = read_message(&mut reader).unwrap();
    assert!(init["result"]["capabilities"].is_object());
    // Standard input closed without `exit`: the server ends by itself.
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

#[test]
fn diagnostics_on_open_then_fixed_by_a_change() {
    let broken = RULES.replace("permit front_desk to refund", "permit front_dsk to refund");
    let dir = policy(&[
        ("schema.remit", SCHEMA),
        ("rules.remit", &broken),
        ("tests.remit", TESTS),
    ]);
    let mut c = Client::start(dir.path());
    c.open("rules.remit", 1);
    let opened = c.diagnostics("rules.remit", Some(1));
    // The closed siblings are published too, without a version.
    let schema = c.diagnostics("schema.remit", None);
    let tests = c.diagnostics("tests.remit", None);
    insta::assert_snapshot!(
        "lsp_diagnostics_on_open",
        [&opened, &schema, &tests].map(render_diagnostics).concat()
    );
    c.change("rules.remit", 2, RULES);
    let fixed = c.diagnostics("rules.remit", Some(2));
    assert_eq!(fixed["diagnostics"], json!([]), "{fixed}");
    c.diagnostics("schema.remit", None);
    c.shutdown();
}

#[test]
fn a_change_republishes_every_file_of_the_policy() {
    let dir = hotel();
    let mut c = Client::start(dir.path());
    c.open("schema.remit", 1);
    c.open("rules.remit", 1);
    assert_eq!(
        c.diagnostics("rules.remit", Some(1))["diagnostics"],
        json!([])
    );
    // Renaming the segment in the schema breaks its uses in the rules.
    let renamed = SCHEMA.replace("segment loyal", "segment valued");
    c.change("schema.remit", 2, &renamed);
    let rules = c.diagnostics("rules.remit", Some(1));
    let schema = c.diagnostics("schema.remit", Some(2));
    insta::assert_snapshot!(
        "lsp_sibling_republish",
        [&schema, &rules].map(render_diagnostics).concat()
    );
    // Undo: the sibling's list is emptied again.
    c.change("schema.remit", 3, SCHEMA);
    assert_eq!(
        c.diagnostics("rules.remit", Some(1))["diagnostics"],
        json!([])
    );
    // Closing the last open file clears the policy's diagnostics.
    c.close("schema.remit");
    c.close("rules.remit");
    let cleared = c.drain_publications(Duration::from_millis(500));
    assert!(
        cleared.iter().all(|p| p["diagnostics"] == json!([])),
        "{cleared:#?}"
    );
    c.shutdown();
}

#[test]
fn edits_are_applied_in_order_and_stale_results_never_published() {
    let dir = hotel();
    let mut c = Client::start(dir.path());
    c.open("rules.remit", 1);
    c.diagnostics("rules.remit", Some(1));
    let broken = RULES.replace("for loyal\n", "for loyl\n");
    for version in 2..=40 {
        let text = if version % 2 == 0 { &broken } else { RULES };
        c.change("rules.remit", version, text);
    }
    // An old version arriving late is ignored.
    c.change("rules.remit", 3, &broken);
    let last = c.diagnostics("rules.remit", Some(40));
    assert_eq!(last["diagnostics"].as_array().unwrap().len(), 1, "{last}");
    let later = c.drain_publications(Duration::from_millis(500));
    let versions: Vec<i64> = later
        .iter()
        .filter(|p| file_of(&p["uri"]) == "rules.remit")
        .map(|p| p["version"].as_i64().unwrap())
        .collect();
    assert!(versions.iter().all(|v| *v == 40), "{versions:?}");
    // Requests see the latest text: the broken `loyl` has no definition.
    let at = c.at("rules.remit", "for loyal", 0, 4);
    assert_eq!(c.result("textDocument/definition", at), Value::Null);
    c.shutdown();
}

#[test]
fn hover_definition_and_references() {
    let dir = hotel();
    let mut c = Client::start(dir.path());
    c.open("rules.remit", 1);
    c.diagnostics("rules.remit", Some(1));
    let mut out = String::new();
    for (file, needle, n, delta) in [
        ("rules.remit", "rule room_recovery", 0, 6),
        ("rules.remit", "for loyal", 0, 5),
        ("rules.remit", "when service_failure", 0, 6),
        ("rules.remit", "customer.flagged", 0, 10),
        ("rules.remit", "limit amount", 0, 7),
        ("rules.remit", "front_desk", 0, 2),
        ("rules.remit", "duty_manager", 0, 2),
        ("rules.remit", "reason_code", 0, 2),
        ("schema.remit", "enum Tier", 0, 5),
        ("schema.remit", "{gold", 0, 2),
        ("schema.remit", "tier: Tier", 0, 0),
        ("schema.remit", "wait: Duration", 0, 0),
        ("tests.remit", "\"wrong on purpose", 0, 3),
    ] {
        let hover = c.result("textDocument/hover", c.at(file, needle, n, delta));
        out.push_str(&format!(
            "## {file} `{needle}`\n{}\n\n",
            hover["contents"]["value"].as_str().unwrap_or("(none)")
        ));
    }
    insta::assert_snapshot!("lsp_hover", out);

    let definition = c.result(
        "textDocument/definition",
        c.at("rules.remit", "for loyal", 0, 5),
    );
    assert_eq!(file_of(&definition["uri"]), "schema.remit");
    assert_eq!(range(&definition["range"]), "29:8-29:13");

    let mut params = c.at("schema.remit", "role front_desk", 0, 6);
    params["context"] = json!({ "includeDeclaration": true });
    let refs = c.result("textDocument/references", params.clone());
    let rendered: Vec<String> = refs
        .as_array()
        .unwrap()
        .iter()
        .map(|l| format!("{} {}", file_of(&l["uri"]), range(&l["range"])))
        .collect();
    insta::assert_snapshot!("lsp_references", rendered.join("\n"));
    params["context"] = json!({ "includeDeclaration": false });
    let without = c.result("textDocument/references", params);
    assert_eq!(without.as_array().unwrap().len(), rendered.len() - 1);
    c.shutdown();
}

#[test]
fn rename_across_files_and_refusals() {
    let dir = hotel();
    let mut c = Client::start(dir.path());
    c.open("rules.remit", 1);
    c.diagnostics("rules.remit", Some(1));
    let at = c.at("rules.remit", "for loyal", 0, 5);
    let prepared = c.result("textDocument/prepareRename", at.clone());
    assert_eq!(prepared["placeholder"], "loyal");
    assert_eq!(range(&prepared["range"]), "3:6-3:11");
    // Nothing to rename on a keyword.
    let keyword = c.result(
        "textDocument/prepareRename",
        c.at("rules.remit", "permit", 0, 1),
    );
    assert_eq!(keyword, Value::Null);

    let mut params = at.clone();
    params["newName"] = json!("valued");
    let edit = c.result("textDocument/rename", params);
    // schema.remit and rules.remit; the schema file is not open.
    insta::assert_snapshot!("lsp_rename", render_edits(&edit));

    let mut refusals = String::new();
    for (needle, delta, name) in [
        ("for loyal", 5, "rule"),
        ("for loyal", 5, "9lives"),
        ("for loyal", 5, "service_failure"),
        ("permit front_desk", 8, "duty_manager"),
    ] {
        let mut params = c.at("rules.remit", needle, 0, delta);
        params["newName"] = json!(name);
        let response = c.request("textDocument/rename", params);
        let error = &response["error"];
        assert_eq!(error["code"], -32803, "{response}");
        refusals.push_str(&format!("{name}: {}\n", error["message"].as_str().unwrap()));
    }
    insta::assert_snapshot!("lsp_rename_refusals", refusals);
    c.shutdown();
}

#[test]
fn completion_by_context() {
    let dir = hotel();
    let mut c = Client::start(dir.path());
    c.open("rules.remit", 1);
    c.diagnostics("rules.remit", Some(1));
    let mut out = String::new();
    let cases: [(&str, &str); 14] = [
        ("top level", "\n"),
        ("rule start", "rule r {\n  "),
        ("roles", "rule r {\n  permit "),
        ("actions", "rule r {\n  permit front_desk to "),
        ("clauses", "rule r {\n  permit front_desk to refund\n  "),
        (
            "customer attributes",
            "rule r {\n  permit front_desk to refund\n  for customer.",
        ),
        (
            "context attributes",
            "rule r {\n  permit front_desk to refund\n  when context.",
        ),
        (
            "enum after in {",
            "rule r {\n  permit front_desk to refund\n  for customer.tier in {",
        ),
        (
            "enum after ==",
            "rule r {\n  permit front_desk to refund\n  when context.incident == ",
        ),
        (
            "when operands",
            "rule r {\n  permit front_desk to refund\n  when ",
        ),
        (
            "obligations",
            "rule r {\n  permit front_desk to refund\n  require ",
        ),
        (
            "otherwise",
            "rule r {\n  permit front_desk to refund\n  otherwise escalate to ",
        ),
        ("allow", "@allow("),
        ("test lines", "test \"t\" {\n  role front_desk\n  "),
    ];
    for (i, (what, tail)) in cases.iter().enumerate() {
        let text = format!("{RULES}{tail}");
        c.change("rules.remit", 2 + i as i64, &text);
        let lines = text.matches('\n').count();
        let column = text.rsplit('\n').next().unwrap().chars().count();
        let result = c.result(
            "textDocument/completion",
            json!({
                "textDocument": { "uri": c.uri("rules.remit") },
                "position": { "line": lines, "character": column },
            }),
        );
        out.push_str(&format!("{what}: {}\n", labels(&result)));
    }
    insta::assert_snapshot!("lsp_completion", out);
    c.shutdown();
}

#[test]
fn document_and_workspace_symbols() {
    let dir = hotel();
    let mut c = Client::start(dir.path());
    c.open("schema.remit", 1);
    c.diagnostics("schema.remit", Some(1));
    let mut out = String::new();
    for file in ["schema.remit", "rules.remit"] {
        out.push_str(&format!("# {file}\n"));
        let symbols = c.result("textDocument/documentSymbol", c.doc(file));
        render_symbols(&symbols, 0, &mut out);
    }
    insta::assert_snapshot!("lsp_document_symbols", out);
    let found = c.result("workspace/symbol", json!({ "query": "recov" }));
    let names: Vec<String> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{} in {}",
                s["name"].as_str().unwrap(),
                file_of(&s["location"]["uri"])
            )
        })
        .collect();
    assert_eq!(names, ["room_recovery in rules.remit"]);
    c.shutdown();
}

#[test]
fn code_actions_for_lints_and_name_errors() {
    // Lints do not run on a policy with errors (docs/language.md), so the
    // lint findings and the name error are in two versions of the policy.
    let lint = "\nrule open_refunds {\n  permit duty_manager to refund\n  limit 1 per customer per 1 day\n}\n";
    let typo = "\nrule typo {\n  permit front_desk to upgrade_room\n  for loyl\n}\n";
    let mut out = String::new();
    for (extra, needle) in [(lint, "rule open_refunds"), (typo, "for loyl")] {
        let rules = format!("{RULES}{extra}");
        let dir = policy(&[("schema.remit", SCHEMA), ("rules.remit", &rules)]);
        let mut c = Client::start(dir.path());
        c.open("rules.remit", 1);
        let diagnostics = c.diagnostics("rules.remit", Some(1));
        out.push_str(&render_diagnostics(&diagnostics));
        let at = c.at("rules.remit", needle, 0, 5);
        let params = json!({
            "textDocument": at["textDocument"],
            "range": { "start": at["position"], "end": at["position"] },
            "context": { "diagnostics": [] },
        });
        let actions = c.result("textDocument/codeAction", params);
        out.push_str(&format!("\n## actions at `{needle}`\n"));
        for a in actions.as_array().unwrap() {
            assert_eq!(a["kind"], "quickfix");
            out.push_str(&format!(
                "{}{}\n{}",
                a["title"].as_str().unwrap(),
                if a["isPreferred"] == json!(true) {
                    " (preferred)"
                } else {
                    ""
                },
                render_edits(&a["edit"])
            ));
        }
        out.push('\n');
        c.shutdown();
    }
    insta::assert_snapshot!("lsp_code_actions", out);
}

#[test]
fn formatting_is_remit_fmt() {
    let messy = "role clerk\naction refund(amount: Money)\ncurrency USD\n\
                 rule r {permit clerk to refund   // the box\nlimit amount <= 10 USD\n   for any customer}\n";
    let dir = policy(&[("p.remit", messy)]);
    let mut c = Client::start(dir.path());
    c.open("p.remit", 1);
    c.diagnostics("p.remit", Some(1));
    let format = |c: &mut Client| {
        let params = json!({
            "textDocument": c.doc("p.remit")["textDocument"],
            "options": { "tabSize": 4, "insertSpaces": true },
        });
        c.result("textDocument/formatting", params)
    };
    let edits = format(&mut c);
    // Applying the edits gives exactly what `remit fmt` writes.
    let formatted = apply_edits(messy, edits.as_array().unwrap());
    let fmt = Command::new(env!("CARGO_BIN_EXE_remit"))
        .args(["fmt", "--stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    fmt.stdin
        .as_ref()
        .unwrap()
        .write_all(messy.as_bytes())
        .unwrap();
    let out = fmt.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(formatted, String::from_utf8(out.stdout).unwrap());
    insta::assert_snapshot!("lsp_formatting", render_text_edits(&edits));
    // Canonical text needs no edits; broken text is left alone.
    c.change("p.remit", 2, &formatted);
    c.diagnostics("p.remit", Some(2));
    assert_eq!(format(&mut c), json!([]));
    c.change("p.remit", 3, "rule r { permit }\n");
    c.diagnostics("p.remit", Some(3));
    assert_eq!(format(&mut c), json!([]));
    c.shutdown();
}

#[test]
fn semantic_tokens_folding_and_code_lenses() {
    let dir = hotel();
    let mut c = Client::start(dir.path());
    c.open("rules.remit", 1);
    c.diagnostics("rules.remit", Some(1));

    let init_legend = {
        // The legend, as advertised, decodes the token types.
        let caps = json!([
            "keyword",
            "type",
            "enum",
            "enumMember",
            "property",
            "parameter",
            "function",
            "class",
            "variable",
            "event",
            "number",
            "string",
            "comment",
            "operator",
            "decorator",
            "interface",
            "namespace"
        ]);
        caps.as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let tokens = c.result("textDocument/semanticTokens/full", c.doc("rules.remit"));
    let data: Vec<u64> = tokens["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    let lines: Vec<&str> = RULES.lines().collect();
    let (mut line, mut col) = (0u64, 0u64);
    let mut rendered = String::new();
    for t in data.chunks(5).take(40) {
        if t[0] > 0 {
            line += t[0];
            col = t[1];
        } else {
            col += t[1];
        }
        let text: String = lines[line as usize]
            .chars()
            .skip(col as usize)
            .take(t[2] as usize)
            .collect();
        rendered.push_str(&format!(
            "{line}:{col} {} {:?} mods={}\n",
            init_legend[t[3] as usize], text, t[4]
        ));
    }
    insta::assert_snapshot!("lsp_semantic_tokens", rendered);

    let mut folds = String::new();
    for file in ["schema.remit", "rules.remit", "tests.remit"] {
        let ranges = c.result("textDocument/foldingRange", c.doc(file));
        for r in ranges.as_array().unwrap() {
            folds.push_str(&format!(
                "{file} {}-{} {}\n",
                r["startLine"],
                r["endLine"],
                r["kind"].as_str().unwrap_or("region")
            ));
        }
    }
    insta::assert_snapshot!("lsp_folding", folds);

    let mut lenses = String::new();
    for file in ["rules.remit", "tests.remit"] {
        let found = c.result("textDocument/codeLens", c.doc(file));
        for lens in found.as_array().unwrap() {
            let resolved = if lens.get("command").is_some() {
                lens.clone()
            } else {
                c.result("codeLens/resolve", lens.clone())
            };
            lenses.push_str(&format!(
                "{file} line {}: {} ({})\n",
                lens["range"]["start"]["line"],
                resolved["command"]["title"].as_str().unwrap(),
                resolved["command"]["command"].as_str().unwrap()
            ));
        }
    }
    insta::assert_snapshot!("lsp_code_lenses", lenses);

    let run = c.result(
        "workspace/executeCommand",
        json!({ "command": "remit.runTest", "arguments": [c.uri("tests.remit"), "wrong on purpose"] }),
    );
    assert_eq!(run["passed"], false);
    assert_eq!(run["actual"], "permit");
    let message = c.wait_for("the test result message", |m| {
        m["method"] == "window/showMessage"
    });
    assert_eq!(
        message["params"]["message"],
        "test \"wrong on purpose\": ✗ expected deny, got permit"
    );
    // A test that does not exist, and one that has errors, say which.
    let missing = c.request(
        "workspace/executeCommand",
        json!({ "command": "remit.runTest", "arguments": [c.uri("tests.remit"), "no such test"] }),
    );
    assert_eq!(
        missing["error"]["message"],
        "there is no test called \"no such test\" in this file"
    );
    let broken = format!(
        "{TESTS}\ntest \"broken\" {{\n  role front_dsk\n  action refund\n  expect deny\n}}\n"
    );
    c.open_text("tests.remit", 2, &broken);
    c.diagnostics("tests.remit", Some(2));
    let errored = c.request(
        "workspace/executeCommand",
        json!({ "command": "remit.runTest", "arguments": [c.uri("tests.remit"), "broken"] }),
    );
    assert_eq!(
        errored["error"]["message"],
        "test \"broken\" has errors, so it cannot run: fix the errors reported on it"
    );
    c.shutdown();
}

#[test]
fn survives_malformed_messages_and_odd_requests() {
    let dir = hotel();
    let mut c = Client::start(dir.path());
    c.open("rules.remit", 1);
    c.diagnostics("rules.remit", Some(1));
    // Malformed JSON-RPC: each gets an error reply, and the server goes on.
    for raw in [
        &b"Content-Length: 6\r\n\r\n{oops}"[..],
        b"Content-Length: 2\r\n\r\n[]",
        b"Content-Length: 17\r\n\r\n{\"jsonrpc\":\"2.0\"}",
        b"this is not a header\r\n\r\n",
        b"Content-Length: lots\r\n\r\n",
        b"Content-Type: text/plain\r\n\r\n",
    ] {
        c.send_raw(raw);
    }
    let hover = c.result("textDocument/hover", c.at("rules.remit", "for loyal", 0, 5));
    assert!(hover["contents"]["value"]
        .as_str()
        .unwrap()
        .contains("segment loyal"));
    let errors: Vec<i64> = c
        .pending
        .iter()
        .filter(|m| m["id"].is_null() && m.get("error").is_some())
        .map(|m| m["error"]["code"].as_i64().unwrap())
        .collect();
    // `{oops}` is not JSON, `[]` not a message; `{"jsonrpc":"2.0"}` is a
    // nameless notification, which is ignored. The three bad headers give
    // two or three parse errors: garbage right after garbage may be skipped
    // in one go, depending on how the bytes arrive.
    assert_eq!(errors[..2], [-32700, -32600], "{errors:?}");
    assert!(
        matches!(errors[2..], [-32700, -32700] | [-32700, -32700, -32700]),
        "{errors:?}"
    );

    // Unknown methods.
    let unknown = c.request("remit/nonsense", json!({}));
    assert_eq!(unknown["error"]["code"], -32601);
    c.notify("remit/unknownNotification", json!({ "x": 1 }));
    // Wrong parameters.
    let bad = c.request("textDocument/hover", json!({ "nope": true }));
    assert_eq!(bad["error"]["code"], -32602);
    // Files that are not open, or do not exist.
    let missing = json!({
        "textDocument": { "uri": c.uri("missing.remit") },
        "position": { "line": 0, "character": 0 },
    });
    assert_eq!(c.result("textDocument/hover", missing.clone()), Value::Null);
    assert_eq!(
        c.result("textDocument/definition", missing.clone()),
        Value::Null
    );
    assert_eq!(c.result("textDocument/completion", missing), Value::Null);
    assert_eq!(
        c.result("textDocument/documentSymbol", c.doc("nowhere/else.remit")),
        Value::Null
    );
    let other_scheme = json!({ "textDocument": { "uri": "untitled:Untitled-1" } });
    assert_eq!(
        c.result("textDocument/foldingRange", other_scheme),
        Value::Null
    );
    // A closed sibling of an open file is still answered from its policy.
    let symbols = c.result("textDocument/documentSymbol", c.doc("tests.remit"));
    assert_eq!(symbols.as_array().unwrap().len(), 3);
    // Positions out of range.
    for (line, character) in [(9999, 0), (0, 9999), (u32::MAX, u32::MAX)] {
        let params = json!({
            "textDocument": { "uri": c.uri("rules.remit") },
            "position": { "line": line, "character": character },
        });
        c.result("textDocument/hover", params.clone());
        c.result("textDocument/definition", params.clone());
        c.result("textDocument/completion", params.clone());
        c.result("textDocument/prepareRename", params);
    }
    let params = json!({
        "textDocument": { "uri": c.uri("rules.remit") },
        "range": { "start": { "line": 500, "character": 3 }, "end": { "line": 2, "character": 0 } },
        "context": { "diagnostics": [] },
    });
    c.result("textDocument/codeAction", params);
    // A lens to resolve that names nothing.
    let lens = json!({ "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 0 } }, "data": { "what": 1 } });
    assert_eq!(c.result("codeLens/resolve", lens.clone()), lens);
    c.shutdown();
}

#[test]
fn broken_documents_keep_being_served() {
    let dir = hotel();
    let mut c = Client::start(dir.path());
    let garbage = "}}}{{{ rule rule @@@ \"unterminated\n€ 😀 é permit to to to\nrule x {\n  permit front_desk to refund\n  for customer.\n  when context.incident in {\n";
    c.open_text("rules.remit", 1, garbage);
    let published = c.diagnostics("rules.remit", Some(1));
    assert!(!published["diagnostics"].as_array().unwrap().is_empty());
    for method in [
        "textDocument/documentSymbol",
        "textDocument/semanticTokens/full",
        "textDocument/foldingRange",
        "textDocument/codeLens",
    ] {
        c.result(method, c.doc("rules.remit"));
    }
    let end = json!({
        "textDocument": { "uri": c.uri("rules.remit") },
        "position": { "line": 5, "character": 29 },
    });
    let completion = c.result("textDocument/completion", end.clone());
    assert!(labels(&completion).contains("noise"), "{completion}");
    c.result("textDocument/hover", end);
    // Every prefix of the text, as fast typing would send it.
    let chars: Vec<char> = garbage.chars().collect();
    for (i, cut) in (0..chars.len()).step_by(7).enumerate() {
        let text: String = chars[..cut].iter().collect();
        c.change("rules.remit", 2 + i as i64, &text);
    }
    c.change("rules.remit", 1000, RULES);
    assert_eq!(
        c.diagnostics("rules.remit", Some(1000))["diagnostics"],
        json!([])
    );
    c.shutdown();
}

#[test]
fn a_one_megabyte_file() {
    let dir = hotel();
    let mut text = String::from(RULES);
    let mut i = 0;
    while text.len() < 1 << 20 {
        text.push_str(&format!(
            "\n/// Rule {i}: ünïcödé prose so the file is large — €, 😀.\n{}rule bulk_{i} {{\n  permit duty_manager to refund\n  for customer.tier in {{gold}}\n  when context.wait >= {} minutes\n  limit amount <= {} USD\n  limit 3 per customer per 30 days\n}}\n",
            format!("// {}\n", "é".repeat(100)).repeat(40),
            i % 90,
            10 + i % 400,
        ));
        i += 1;
    }
    std::fs::write(dir.path().join("rules.remit"), &text).unwrap();
    let mut c = Client::start(dir.path());
    c.open("rules.remit", 1);
    c.diagnostics("rules.remit", Some(1));
    let symbols = c.result("textDocument/documentSymbol", c.doc("rules.remit"));
    assert_eq!(symbols.as_array().unwrap().len(), 3 + i);
    let tokens = c.result("textDocument/semanticTokens/full", c.doc("rules.remit"));
    assert!(tokens["data"].as_array().unwrap().len() > 5 * 20 * i);
    let last = c.at("rules.remit", &format!("rule bulk_{}", i - 1), 0, 6);
    let hover = c.result("textDocument/hover", last);
    assert!(hover["contents"]["value"]
        .as_str()
        .unwrap()
        .contains("duty_manager may refund"));
    text.push_str("\nrule tail {\n  permit front_desk to refund\n");
    c.change("rules.remit", 2, &text);
    let broken = c.diagnostics("rules.remit", Some(2));
    assert!(!broken["diagnostics"].as_array().unwrap().is_empty());
    c.shutdown();
}

/// The data of a semantic tokens answer.
fn token_data(tokens: &Value) -> Vec<u64> {
    tokens["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect()
}

fn hover_value(hover: &Value) -> String {
    hover["contents"]["value"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

#[test]
fn ranged_changes_are_applied_exactly() {
    // CRLF line breaks, and characters of 2, 3 and 4 bytes (1, 1 and 2
    // UTF-16 units) before the edited columns.
    let text =
        "policy p version \"1\"\r\ncurrency USD\r\nrole clerk\r\naction refund(amount: Money)\r\n\
                obligation note \"é😀 x\"\r\n";
    let dir = policy(&[("p.remit", text)]);
    let mut c = Client::start(dir.path());
    c.open_text("p.remit", 1, text);
    c.diagnostics("p.remit", Some(1));
    let symbols = |c: &mut Client| -> Vec<String> {
        let found = c.result("textDocument/documentSymbol", c.doc("p.remit"));
        let mut out = String::new();
        render_symbols(&found, 0, &mut out);
        out.lines().map(str::to_string).collect()
    };
    let before = symbols(&mut c);
    assert_eq!(before.len(), 6, "{before:#?}");
    // The reported bug: an insert at 0:0 was read as the whole text.
    c.change_ranges("p.remit", 2, &[((0, 0, 0, 0), "// top\r\n")]);
    c.diagnostics("p.remit", Some(2));
    let after_insert = symbols(&mut c);
    assert_eq!(after_insert.len(), 6, "{after_insert:#?}");
    assert_eq!(after_insert[5], "note (kind 11) — é😀 x @ 5:11-5:15");
    // Several changes in one notification, each on the previous result:
    // `x` (after `é😀 `, column 17 + 1 + 2 + 1 = 21) becomes `y€`; then
    // `clerk` becomes `teller`; then a CRLF line goes in before the
    // obligation; then line 1's break (`\r\n`) is replaced by a space.
    c.change_ranges(
        "p.remit",
        3,
        &[
            ((5, 21, 5, 22), "y€"),
            ((3, 5, 3, 10), "teller"),
            ((5, 0, 5, 0), "role boss extends teller\r\n"),
            ((1, 20, 2, 0), " "),
        ],
    );
    c.diagnostics("p.remit", Some(3));
    let expected = "// top\r\npolicy p version \"1\" currency USD\r\nrole teller\r\naction refund(amount: Money)\r\n\
                    role boss extends teller\r\nobligation note \"é😀 y€\"\r\n";
    // The obligation's text, as hover shows it, has the exact edit.
    let note = json!({
        "textDocument": { "uri": c.uri("p.remit") },
        "position": { "line": 5, "character": 12 },
    });
    let hover = hover_value(&c.result("textDocument/hover", note));
    assert!(hover.contains("é😀 y€"), "{hover}");
    // And the whole buffer is the expected text: the same tokens and
    // symbols as a fresh open of it.
    let edited_tokens = token_data(&c.result("textDocument/semanticTokens/full", c.doc("p.remit")));
    let edited_symbols = symbols(&mut c);
    c.close("p.remit");
    c.open_text("p.remit", 4, expected);
    c.diagnostics("p.remit", Some(4));
    let fresh_tokens = token_data(&c.result("textDocument/semanticTokens/full", c.doc("p.remit")));
    assert_eq!(edited_tokens, fresh_tokens);
    assert_eq!(edited_symbols, symbols(&mut c));
    assert_eq!(
        edited_symbols,
        [
            "p (kind 3) — version 1 @ 1:7-1:8",
            "USD (kind 14) — currency @ 1:30-1:33",
            "teller (kind 5) @ 2:5-2:11",
            "refund (kind 12) — action @ 3:7-3:13",
            "  amount (kind 8) — Money @ 3:14-3:20",
            "boss (kind 5) — extends teller @ 4:5-4:9",
            "note (kind 11) — é😀 y€ @ 5:11-5:15",
        ]
    );
    c.shutdown();
}

/// Issue 20: a range past the end of the document is no edit of it. The
/// server refuses the notification, says so in the log and on screen, and
/// keeps the last text it could follow until the whole text comes again.
#[test]
fn a_change_past_the_end_is_refused_and_said_so() {
    let text = "role clerk\r\naction refund\r\n// é😀\r\n";
    let dir = policy(&[("p.remit", text)]);
    let mut c = Client::start(dir.path());
    c.open_text("p.remit", 1, text);
    c.diagnostics("p.remit", Some(1));
    c.change_ranges(
        "p.remit",
        2,
        &[((2, 5, 2, 5), "!"), ((9, 0, 9, 0), "role x\r\n")],
    );
    let logged = c.wait_for("the error in the log", |m| {
        m["method"] == "window/logMessage" && m["params"]["type"] == 1
    });
    assert_eq!(
        logged["params"]["message"],
        format!(
            "remit: the change to `{}` (version 2) was not applied: a change's range reaches \
             line 10 (0-based 9:0), past the end of the text, which has 4 lines; the server \
             keeps the file's last text it could follow and ignores ranged changes to it until \
             the editor sends its whole text again: close and reopen the file",
            dir.path().join("p.remit").display()
        )
    );
    let shown = c.wait_for("the error on screen", |m| {
        m["method"] == "window/showMessage" && m["params"]["type"] == 1
    });
    assert_eq!(shown["params"]["message"], logged["params"]["message"]);
    // Neither change went in: the text is the one opened.
    let tokens = token_data(&c.result("textDocument/semanticTokens/full", c.doc("p.remit")));
    // A ranged change now would land on a text the editor no longer has.
    c.change_ranges("p.remit", 3, &[((0, 0, 0, 0), "// x\r\n")]);
    c.wait_for("the second error", |m| {
        m["method"] == "window/logMessage"
            && m["params"]["message"]
                .as_str()
                .is_some_and(|s| s.contains("(version 3) was not applied: an earlier change"))
    });
    // The whole text brings the document back, and it is analysed.
    let whole = "role clerk\r\naction refund\r\n// é😀!\r\nrole boss extends clerk\r\n";
    c.change("p.remit", 4, whole);
    c.diagnostics("p.remit", Some(4));
    c.close("p.remit");
    c.open_text("p.remit", 5, text);
    c.diagnostics("p.remit", Some(5));
    assert_eq!(
        tokens,
        token_data(&c.result("textDocument/semanticTokens/full", c.doc("p.remit")))
    );
    c.shutdown();
}

/// Decodes semantic tokens into absolute (line, column, length, type)
/// rows.
fn token_rows(data: &[u64]) -> Vec<(u64, u64, u64, u64)> {
    let (mut line, mut col) = (0, 0);
    data.chunks(5)
        .map(|t| {
            if t[0] > 0 {
                line += t[0];
                col = t[1];
            } else {
                col += t[1];
            }
            (line, col, t[2], t[3])
        })
        .collect()
}

/// Applies `semanticTokens/full/delta` edits to the previous data, as a
/// client does.
fn apply_token_edits(old: &[u64], edits: &Value) -> Vec<u64> {
    let mut data = old.to_vec();
    let mut edits: Vec<&Value> = edits.as_array().unwrap().iter().collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e["start"].as_u64().unwrap()));
    for e in edits {
        let start = e["start"].as_u64().unwrap() as usize;
        let deleted = e["deleteCount"].as_u64().unwrap() as usize;
        let inserted: Vec<u64> = e["data"]
            .as_array()
            .map(|d| d.iter().map(|v| v.as_u64().unwrap()).collect())
            .unwrap_or_default();
        data.splice(start..start + deleted, inserted);
    }
    data
}

/// Issue 20: semantic tokens for the lines an editor shows, and after an
/// edit only what changed.
#[test]
fn semantic_tokens_by_range_and_by_delta() {
    let dir = hotel();
    let mut c = Client::start(dir.path());
    let caps = &c.init["result"]["capabilities"]["semanticTokensProvider"];
    assert_eq!(caps["range"], true);
    assert_eq!(caps["full"], json!({ "delta": true }));
    c.open("rules.remit", 1);
    c.diagnostics("rules.remit", Some(1));
    let full = c.result("textDocument/semanticTokens/full", c.doc("rules.remit"));
    let old = token_data(&full);
    let old_id = full["resultId"].as_str().unwrap().to_string();

    // A range: exactly the tokens of the full answer on those lines,
    // still encoded from the start of the document.
    let mut ranged = c.doc("rules.remit");
    ranged["range"] =
        json!({ "start": { "line": 11, "character": 0 }, "end": { "line": 15, "character": 0 } });
    let range = c.result("textDocument/semanticTokens/range", ranged);
    let in_range: Vec<_> = token_rows(&old)
        .into_iter()
        .filter(|(line, ..)| (11..15).contains(line))
        .collect();
    assert!(in_range.len() > 10, "{in_range:?}");
    assert_eq!(token_rows(&token_data(&range)), in_range);

    // An edit with non-ASCII text, then a delta from the first result:
    // the edits turn the old tokens into the new ones, and carry fewer.
    c.change_ranges(
        "rules.remit",
        2,
        &[
            ((12, 0, 12, 0), "  // ünïcödé 😀\n"),
            ((1, 5, 1, 18), "desk_recovery"),
        ],
    );
    c.diagnostics("rules.remit", Some(2));
    let mut delta_params = c.doc("rules.remit");
    delta_params["previousResultId"] = json!(old_id);
    let delta = c.result(
        "textDocument/semanticTokens/full/delta",
        delta_params.clone(),
    );
    let edits = &delta["edits"];
    assert!(edits.is_array(), "a delta, not full tokens: {delta}");
    let fresh = token_data(&c.result("textDocument/semanticTokens/full", c.doc("rules.remit")));
    assert_eq!(apply_token_edits(&old, edits), fresh);
    let carried: usize = edits
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["data"].as_array().map_or(0, Vec::len))
        .sum();
    assert!(carried < fresh.len() / 2, "{carried} of {}", fresh.len());
    // The first id is no longer the last result: the whole tokens.
    let stale = c.result("textDocument/semanticTokens/full/delta", delta_params);
    assert_eq!(token_data(&stale), fresh);
    c.shutdown();
}

/// A request's whole response, as the bytes of its JSON, and its result.
fn sized(c: &mut Client, method: &str, params: Value) -> (usize, Value) {
    let response = c.request(method, params);
    assert!(response.get("error").is_none(), "{method}: {response}");
    (response.to_string().len(), response["result"].clone())
}

/// Issue 20: on a 2,000-rule policy (827 KB) no answer the editor asks
/// for on opening a file comes near 1 MB. Sizes, not timings.
#[test]
fn answers_on_a_2000_rule_policy_are_bounded() {
    let text = remit_gen::department_policy(2_000);
    let dir = policy(&[("policy.remit", &text)]);
    let mut c = Client::start(dir.path());
    c.open_text("policy.remit", 1, &text);
    c.diagnostics("policy.remit", Some(1));
    let doc = c.doc("policy.remit");
    let (symbols, outline) = sized(&mut c, "textDocument/documentSymbol", doc.clone());
    assert!(outline.as_array().unwrap().len() > 2_000);
    assert!(symbols < 700_000, "documentSymbol: {symbols} bytes");
    let (lenses, found) = sized(&mut c, "textDocument/codeLens", doc.clone());
    assert!(found.as_array().unwrap().len() >= 2_000);
    assert!(lenses < 400_000, "codeLens: {lenses} bytes");
    let lens = found[0].clone();
    let (resolved, _) = sized(&mut c, "codeLens/resolve", lens);
    assert!(resolved < 2_000, "codeLens/resolve: {resolved} bytes");
    // A screenful of tokens.
    let mut ranged = c.doc("policy.remit");
    ranged["range"] = json!({ "start": { "line": 5000, "character": 0 }, "end": { "line": 5060, "character": 0 } });
    let (range, _) = sized(&mut c, "textDocument/semanticTokens/range", ranged);
    assert!(range < 10_000, "semanticTokens/range: {range} bytes");
    // One keystroke, then the tokens' delta.
    let (_, full) = sized(&mut c, "textDocument/semanticTokens/full", doc.clone());
    // `rule r267 {` becomes `rule xr267 {`.
    c.change_ranges("policy.remit", 2, &[((4002, 5, 4002, 5), "x")]);
    c.diagnostics("policy.remit", Some(2));
    let mut delta = c.doc("policy.remit");
    delta["previousResultId"] = full["resultId"].clone();
    let (size, delta) = sized(&mut c, "textDocument/semanticTokens/full/delta", delta);
    assert_eq!(delta["edits"].as_array().map(Vec::len), Some(1), "{delta}");
    assert!(size < 2_000, "semanticTokens/full/delta: {size} bytes");
    c.shutdown();
}

#[test]
fn a_hover_is_answered_while_a_huge_lines_tokens_are_computed() {
    // A `when` of 100,000 terms on one line.
    let terms = 100_000;
    let mut when = String::from("context.f");
    for _ in 1..terms {
        when.push_str(" and context.f");
    }
    let text = format!(
        "currency USD\nrole clerk\naction refund(amount: Money)\ncontext {{ f: Bool }}\n\
         rule r {{\n  permit clerk to refund\n  for any customer\n  when {when}\n  limit amount <= 5 USD\n}}\n"
    );
    let dir = policy(&[("p.remit", &text)]);
    let mut c = Client::start(dir.path());
    c.open_text("p.remit", 1, &text);
    c.diagnostics("p.remit", Some(1));
    let tokens = c.send_request("textDocument/semanticTokens/full", c.doc("p.remit"));
    let hover = c.send_request(
        "textDocument/hover",
        json!({
            "textDocument": { "uri": c.uri("p.remit") },
            "position": { "line": 1, "character": 6 },
        }),
    );
    let deadline = Instant::now() + TIMEOUT;
    let mut order = Vec::new();
    let mut answers = std::collections::HashMap::new();
    while order.len() < 2 {
        let m = c.receive(deadline).expect("both answers");
        match m["id"].as_i64() {
            Some(id) if (id == tokens || id == hover) && m.get("method").is_none() => {
                order.push(id);
                answers.insert(id, m);
            }
            _ => c.pending.push(m),
        }
    }
    assert_eq!(order, [hover, tokens], "the hover waited for the tokens");
    assert!(hover_value(&answers[&hover]["result"]).contains("role clerk"));
    // `when`, then `context`, `.`-less `f` per term and `and` between:
    // context (keyword) + f (property) per term, and (keyword) between.
    let data = token_data(&answers[&tokens]["result"]);
    let line_7: usize = {
        let mut line = 0;
        data.chunks(5)
            .filter(|t| {
                line += t[0];
                line == 7
            })
            .count()
    };
    assert_eq!(line_7, 1 + 2 * terms + (terms - 1));
    c.shutdown();
}

#[test]
fn shutdown_and_exit_with_empty_params_and_dollar_requests() {
    let dir = hotel();
    let mut c = Client::start(dir.path());
    // A `$/` request is answered (MethodNotFound), not left hanging.
    let dollar = c.request("$/remit/unknown", json!({}));
    assert_eq!(dollar["error"]["code"], -32601, "{dollar}");
    // lsp-mode 8 sends `params: {}` with shutdown and exit.
    let response = c.request("shutdown", json!({}));
    assert!(response.get("error").is_none(), "{response}");
    assert_eq!(response["result"], Value::Null);
    c.notify("exit", json!({}));
    assert_eq!(c.exit_code(), Some(0));
}

#[test]
fn exit_without_shutdown_exits_with_1() {
    let dir = hotel();
    let mut c = Client::start(dir.path());
    c.open("rules.remit", 1);
    c.diagnostics("rules.remit", Some(1));
    c.notify("exit", Value::Null);
    assert_eq!(c.exit_code(), Some(1));
}

#[test]
fn watched_files_are_registered_and_re_analyse() {
    let dir = hotel();
    let caps = json!({
        "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true } },
        "textDocument": { "publishDiagnostics": { "relatedInformation": true } },
    });
    let mut c = Client::start_with(dir.path(), caps);
    c.open("rules.remit", 1);
    assert_eq!(
        c.diagnostics("rules.remit", Some(1))["diagnostics"],
        json!([])
    );
    let registration = c
        .server_requests
        .iter()
        .find(|m| m["method"] == "client/registerCapability")
        .unwrap_or_else(|| panic!("no registration in {:#?}", c.server_requests))
        .clone();
    let r = &registration["params"]["registrations"][0];
    assert_eq!(r["method"], "workspace/didChangeWatchedFiles");
    assert_eq!(
        r["registerOptions"]["watchers"],
        json!([{ "globPattern": "**/*.remit" }])
    );
    // The schema is renamed away on disk: the open rules lose their names.
    std::fs::rename(
        dir.path().join("schema.remit"),
        dir.path().join("schema.remit.bak"),
    )
    .unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": c.uri("schema.remit"), "type": 3 }] }),
    );
    let broken = c.diagnostics("rules.remit", Some(1));
    assert!(
        render_diagnostics(&broken).contains("front_desk"),
        "{broken}"
    );
    // And back.
    std::fs::rename(
        dir.path().join("schema.remit.bak"),
        dir.path().join("schema.remit"),
    )
    .unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": c.uri("schema.remit"), "type": 1 }] }),
    );
    assert_eq!(
        c.diagnostics("rules.remit", Some(1))["diagnostics"],
        json!([])
    );
    c.shutdown();
}

#[test]
fn a_client_that_declares_nothing_gets_plain_text_and_folded_information() {
    let extra = "\nrule typo {\n  permit front_desk to upgrade_room\n  for loyl\n}\n\
                 \nrole front_desk\n";
    let rules = format!("{RULES}{extra}");
    let dir = policy(&[
        ("schema.remit", SCHEMA),
        ("rules.remit", &rules),
        ("tests.remit", TESTS),
    ]);
    let mut c = Client::start_with(dir.path(), json!({}));
    c.open("rules.remit", 1);
    let published = c.diagnostics("rules.remit", Some(1));
    // No registration for a client without dynamic registration.
    assert!(c.server_requests.is_empty(), "{:#?}", c.server_requests);
    // Hover in plain text.
    let hover = c.result("textDocument/hover", c.at("rules.remit", "for loyal", 0, 5));
    assert_eq!(hover["contents"]["kind"], "plaintext");
    assert_eq!(
        hover["contents"]["value"],
        "segment loyal = customer.tier in {gold, platinum} or customer.nights >= 10"
    );
    // Related locations written into the message.
    let all = published["diagnostics"].as_array().unwrap();
    assert!(
        all.iter().all(|d| d.get("relatedInformation").is_none()),
        "{published}"
    );
    // Code actions for the diagnostic the client names, from the start of
    // its line (outside the diagnostic's range).
    let loyl = all
        .iter()
        .find(|d| d["message"].as_str().unwrap().contains("loyl"))
        .unwrap()
        .clone();
    let at = c.at("rules.remit", "  for loyl", 0, 0);
    let ask = |c: &mut Client, diagnostics: Value| {
        let params = json!({
            "textDocument": at["textDocument"],
            "range": { "start": at["position"], "end": at["position"] },
            "context": { "diagnostics": diagnostics },
        });
        c.result("textDocument/codeAction", params)
    };
    assert_eq!(ask(&mut c, json!([])), json!([]));
    let actions = ask(&mut c, json!([loyl]));
    let titles: Vec<&str> = actions
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert!(titles.iter().any(|t| t.contains("`loyal`")), "{titles:?}");
    // The duplicate `front_desk` is reported on the schema (rules.remit
    // comes first), with the first declaration folded into the message.
    let schema = c.diagnostics("schema.remit", None);
    insta::assert_snapshot!(
        "lsp_plain_client_diagnostics",
        [&published, &schema].map(render_diagnostics).concat()
    );
    c.shutdown();
}

#[test]
fn show_tests_runs_on_the_server() {
    let dir = hotel();
    let mut c = Client::start(dir.path());
    let commands = &c.init["result"]["capabilities"]["executeCommandProvider"]["commands"];
    assert_eq!(*commands, json!(["remit.runTest", "remit.showTests"]));
    c.open("rules.remit", 1);
    c.diagnostics("rules.remit", Some(1));
    let lenses = c.result("textDocument/codeLens", c.doc("rules.remit"));
    // Lenses come with their data only; the command is resolved.
    let lens = lenses
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["data"]["lens"] == "rule")
        .unwrap()
        .clone();
    assert_eq!(lens.get("command"), None);
    let lens = c.result("codeLens/resolve", lens);
    assert_eq!(lens["command"]["command"], "remit.showTests");
    // What a client without its own `remit.showTests` does with the lens.
    let locations = c.result(
        "workspace/executeCommand",
        json!({ "command": "remit.showTests", "arguments": lens["command"]["arguments"] }),
    );
    let found: Vec<String> = locations
        .as_array()
        .unwrap()
        .iter()
        .map(|l| format!("{} {}", file_of(&l["uri"]), range(&l["range"])))
        .collect();
    assert_eq!(found, ["tests.remit 0:0-6:1", "tests.remit 8:0-14:1"]);
    let message = c.wait_for("the tests message", |m| m["method"] == "window/showMessage");
    assert_eq!(
        message["params"]["message"],
        "rule `room_recovery` is exercised by 2 tests: \"gold guest gets 80 back\" (tests.remit:1), \
         \"too much goes up\" (tests.remit:9)"
    );
    // Not on a rule: an error that says so.
    let nowhere = c.request(
        "workspace/executeCommand",
        json!({ "command": "remit.showTests", "arguments": [c.uri("rules.remit"), { "line": 10, "character": 0 }] }),
    );
    assert_eq!(
        nowhere["error"]["message"],
        "there is no rule at line 11 of this file"
    );
    c.shutdown();
}

#[test]
fn a_policy_file_that_is_not_utf8_is_reported_in_the_editor() {
    let dir = hotel();
    // Latin-1 `é` in a comment of a file nobody has open.
    std::fs::write(
        dir.path().join("notes.remit"),
        b"// caf\xe9 au lait\nrole night_porter\n",
    )
    .unwrap();
    let mut c = Client::start(dir.path());
    c.open("rules.remit", 1);
    let rules = c.diagnostics("rules.remit", Some(1));
    let notes = c.diagnostics("notes.remit", None);
    insta::assert_snapshot!(
        "lsp_not_utf8",
        [&rules, &notes].map(render_diagnostics).concat()
    );
    // Fixed on disk: the errors go.
    std::fs::write(
        dir.path().join("notes.remit"),
        "// café au lait\nrole night_porter\n",
    )
    .unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": c.uri("notes.remit"), "type": 2 }] }),
    );
    let fixed = c.diagnostics("rules.remit", Some(1));
    assert_eq!(fixed["diagnostics"], json!([]), "{fixed}");
    c.shutdown();
}
