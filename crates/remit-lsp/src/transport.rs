//! The stdio transport: Content-Length framing that survives bad input.
//!
//! tower-lsp stops reading for good after the first message it cannot
//! decode (a malformed header, a body that is not JSON, JSON that is not a
//! JSON-RPC message). So the server never sees raw input: [`sanitize`]
//! frames the client's bytes itself, answers anything malformed with a
//! JSON-RPC error (`-32700` parse error, `-32600` invalid request), skips
//! to the next `Content-Length` header, and hands only well-formed
//! messages on. The server's output and those error responses are merged
//! whole frame by whole frame by one writer.

use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tower_lsp_server::jsonrpc::{Request, Response};

/// The largest message accepted (a header announcing more is garbage).
pub const MAX_MESSAGE: usize = 256 << 20;

/// The largest header block looked at before giving up on it.
const MAX_HEADER: usize = 8 << 10;

const SHUTDOWN: &str = "shutdown";
const EXIT: &str = "exit";

/// How the session ended, for the exit code: LSP says a server exits with
/// 0 after `shutdown` then `exit`, and with 1 on an `exit` that no
/// `shutdown` preceded. Input that simply ends (the client is gone) is a
/// normal end.
#[derive(Debug, Default)]
pub struct Lifecycle {
    shutdown: AtomicBool,
    exit: AtomicBool,
}

impl Lifecycle {
    /// Records that the server answered `shutdown`.
    pub fn shut_down(&self) {
        self.shutdown.store(true, Ordering::SeqCst);
    }

    /// Records that the client sent `exit`.
    pub fn exit(&self) {
        self.exit.store(true, Ordering::SeqCst);
    }

    /// Whether the session ended as LSP asks: no `exit` before `shutdown`.
    pub fn clean(&self) -> bool {
        !self.exit.load(Ordering::SeqCst) || self.shutdown.load(Ordering::SeqCst)
    }
}

/// What the front of a buffer holds.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    /// Not enough bytes yet.
    Incomplete,
    /// One message body (removed from the buffer).
    Frame(Vec<u8>),
    /// Bytes that are not a message (removed from the buffer), and why.
    Garbage(String),
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn find_header(buf: &[u8], from: usize) -> Option<usize> {
    let lower: Vec<u8> = buf.get(from..)?.to_ascii_lowercase();
    find(&lower, b"content-length").map(|i| i + from)
}

/// Drops everything before the next `Content-Length` header after `from`
/// (or everything, when there is none).
fn resync(buf: &mut Vec<u8>, from: usize) {
    let cut = find_header(buf, from.min(buf.len())).unwrap_or(buf.len());
    buf.drain(..cut);
}

/// Takes the next message (or the next piece of garbage) off `buf`.
pub fn next_frame(buf: &mut Vec<u8>) -> Parsed {
    if buf.is_empty() {
        return Parsed::Incomplete;
    }
    let probe = buf.len().min(b"content-".len());
    if !b"content-"[..probe].eq_ignore_ascii_case(&buf[..probe]) {
        let skipped = buf.len();
        resync(buf, 1);
        return Parsed::Garbage(format!(
            "skipped {} bytes that are not a message header",
            skipped - buf.len()
        ));
    }
    if probe < b"content-".len() {
        return Parsed::Incomplete;
    }
    // The header ends within its first MAX_HEADER bytes or is garbage:
    // never scan a large body for it.
    let Some(end) = find(&buf[..buf.len().min(MAX_HEADER + 4)], b"\r\n\r\n") else {
        if buf.len() > MAX_HEADER {
            resync(buf, 1);
            return Parsed::Garbage("a header without an end".to_string());
        }
        return Parsed::Incomplete;
    };
    let header = String::from_utf8_lossy(&buf[..end]).into_owned();
    let length = header.split("\r\n").find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse::<usize>().ok())
    });
    match length {
        Some(Some(n)) if n <= MAX_MESSAGE => {
            let start = end + 4;
            if buf.len() < start + n {
                return Parsed::Incomplete;
            }
            let body = buf[start..start + n].to_vec();
            buf.drain(..start + n);
            Parsed::Frame(body)
        }
        Some(Some(n)) => {
            resync(buf, end + 4);
            Parsed::Garbage(format!("a message of {n} bytes is too large"))
        }
        Some(None) => {
            resync(buf, end + 4);
            Parsed::Garbage("a Content-Length that is not a number".to_string())
        }
        None => {
            resync(buf, end + 4);
            Parsed::Garbage("a header without Content-Length".to_string())
        }
    }
}

/// Frames a body.
pub fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

fn error_response(id: Value, code: i64, message: String) -> Vec<u8> {
    let body = json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": { "code": code, "message": message },
    });
    frame(body.to_string().as_bytes())
}

/// What to do with one well-framed body.
#[derive(Debug, PartialEq, Eq)]
pub enum Checked {
    /// Hand it to the server, as it is.
    Forward,
    /// Hand this body to the server instead: a `shutdown` or `exit` whose
    /// empty `params` (`{}`, `[]`, as lsp-mode 8 sends) are dropped, since
    /// tower-lsp answers any `params` on them with "Unexpected params".
    Rewrite(Vec<u8>),
    /// Answer the client with this frame, and do not pass the body on.
    Reply(Vec<u8>),
}

/// Checks a body: whether it is a JSON-RPC message tower-lsp can decode
/// and should see, else the response to send back. Malformed JSON is a
/// parse error, other JSON an invalid request, and a request (not a
/// notification) for a `$/` method MethodNotFound, which tower-lsp would
/// never send (it swallows every answer to a `$/` method).
pub fn check(body: &[u8]) -> Checked {
    // One parse straight from the bytes for the well-formed case (a
    // `didChange` may carry a megabyte of text); a `Value` only for errors.
    if let Ok(request) = serde_json::from_slice::<Request>(body) {
        return check_request(request);
    }
    if serde_json::from_slice::<Response>(body).is_ok() {
        return Checked::Forward;
    }
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return Checked::Reply(error_response(
                Value::Null,
                -32700,
                format!("Parse error: {e}"),
            ))
        }
    };
    let id = match value.get("id") {
        Some(id @ (Value::Number(_) | Value::String(_))) => id.clone(),
        _ => Value::Null,
    };
    Checked::Reply(error_response(
        id,
        -32600,
        "Invalid request: not a JSON-RPC 2.0 request, notification or response".to_string(),
    ))
}

fn check_request(request: Request) -> Checked {
    let method = request.method();
    if let (true, Some(id)) = (method.starts_with("$/"), request.id()) {
        let id = serde_json::to_value(id).unwrap_or(Value::Null);
        return Checked::Reply(error_response(
            id,
            -32601,
            format!("Method not found: `{method}` is not a request this server answers"),
        ));
    }
    let empty = match request.params() {
        Some(Value::Object(map)) => map.is_empty(),
        Some(Value::Array(list)) => list.is_empty(),
        _ => false,
    };
    if empty && (method == SHUTDOWN || method == EXIT) {
        let (method, id, _) = request.into_parts();
        let mut bare = Request::build(method);
        if let Some(id) = id {
            bare = bare.id(id);
        }
        return match serde_json::to_vec(&bare.finish()) {
            Ok(body) => Checked::Rewrite(body),
            Err(_) => Checked::Forward,
        };
    }
    Checked::Forward
}

/// Whether a body is the `exit` notification.
fn is_exit(body: &[u8]) -> bool {
    serde_json::from_slice::<Request>(body).is_ok_and(|r| r.method() == EXIT)
}

/// Reads the client's bytes, forwards well-formed messages to `server`,
/// and sends error responses for the rest to `replies`; notes an `exit`
/// in `lifecycle`. Ends when the input ends or the server stops reading.
pub async fn sanitize<I, W>(
    mut input: I,
    mut server: W,
    replies: UnboundedSender<Vec<u8>>,
    lifecycle: Arc<Lifecycle>,
) where
    I: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 64 << 10];
    loop {
        loop {
            match next_frame(&mut buf) {
                Parsed::Incomplete => break,
                Parsed::Garbage(why) => {
                    let _ = replies.send(error_response(
                        Value::Null,
                        -32700,
                        format!("Parse error: {why}"),
                    ));
                }
                Parsed::Frame(body) => {
                    let body = match check(&body) {
                        Checked::Forward => body,
                        Checked::Rewrite(body) => body,
                        Checked::Reply(reply) => {
                            let _ = replies.send(reply);
                            continue;
                        }
                    };
                    // Small bodies only: `exit` has no payload to speak of.
                    if body.len() < 256 && is_exit(&body) {
                        lifecycle.exit();
                    }
                    if server.write_all(&frame(&body)).await.is_err() {
                        return;
                    }
                    if server.flush().await.is_err() {
                        return;
                    }
                }
            }
        }
        match input.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let _ = server.shutdown().await;
}

/// Reads the server's framed output and hands each whole frame to
/// `frames`.
pub async fn split<R>(mut output: R, frames: UnboundedSender<Vec<u8>>)
where
    R: AsyncRead + Unpin,
{
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 64 << 10];
    loop {
        while let Some(body) = whole_frame(&mut buf) {
            if frames.send(frame(&body)).is_err() {
                return;
            }
        }
        match output.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

fn whole_frame(buf: &mut Vec<u8>) -> Option<Vec<u8>> {
    loop {
        match next_frame(buf) {
            Parsed::Incomplete => return None,
            Parsed::Frame(body) => return Some(body),
            Parsed::Garbage(_) => continue,
        }
    }
}

/// Writes frames to the client, one whole frame at a time.
pub async fn write<O>(mut frames: UnboundedReceiver<Vec<u8>>, mut output: O)
where
    O: AsyncWrite + Unpin,
{
    while let Some(f) = frames.recv().await {
        if output.write_all(&f).await.is_err() || output.flush().await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(input: &[u8]) -> Vec<Parsed> {
        let mut buf = input.to_vec();
        let mut out = Vec::new();
        loop {
            match next_frame(&mut buf) {
                Parsed::Incomplete => return out,
                p => out.push(p),
            }
        }
    }

    #[test]
    fn frames_and_resynchronises() {
        let good = frame(b"{}");
        let mut input = b"garbage".to_vec();
        input.extend_from_slice(&good);
        input.extend_from_slice(b"Content-Length: abc\r\n\r\n{junk}");
        input.extend_from_slice(&good);
        input.extend_from_slice(b"content-type: x\r\n\r\n");
        input.extend_from_slice(&good);
        input.extend_from_slice(b"Content-Length: 10\r\n\r\n{\"a\"");
        let parsed = parse_all(&input);
        assert_eq!(
            parsed,
            [
                Parsed::Garbage("skipped 7 bytes that are not a message header".into()),
                Parsed::Frame(b"{}".to_vec()),
                Parsed::Garbage("a Content-Length that is not a number".into()),
                Parsed::Frame(b"{}".to_vec()),
                Parsed::Garbage("a header without Content-Length".into()),
                Parsed::Frame(b"{}".to_vec()),
            ]
        );
    }

    #[test]
    fn a_partial_header_waits() {
        assert_eq!(parse_all(b"Cont"), []);
        assert_eq!(parse_all(b"Content-Length: 5\r\n"), []);
    }

    #[test]
    fn checks_json_rpc_shape() {
        let reply = |c: Checked| match c {
            Checked::Reply(r) => String::from_utf8(r).unwrap(),
            other => panic!("expected a reply, got {other:?}"),
        };
        assert_eq!(
            check(br#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#),
            Checked::Forward
        );
        assert_eq!(
            check(br#"{"jsonrpc":"2.0","id":3,"result":null}"#),
            Checked::Forward
        );
        let parse = reply(check(b"{oops"));
        assert!(parse.contains("-32700"), "{parse}");
        let invalid = reply(check(br#"{"id":7}"#));
        assert!(
            invalid.contains("-32600") && invalid.contains("\"id\":7"),
            "{invalid}"
        );
        assert!(matches!(check(b"[]"), Checked::Reply(_)));
        assert!(matches!(check(b"null"), Checked::Reply(_)));
    }

    #[test]
    fn dollar_requests_are_method_not_found_but_notifications_pass() {
        let Checked::Reply(r) = check(br#"{"jsonrpc":"2.0","id":"x1","method":"$/remit/custom"}"#)
        else {
            panic!("a `$/` request must be answered here");
        };
        let r: Value =
            serde_json::from_slice(&r[r.iter().position(|b| *b == b'{').unwrap()..]).unwrap();
        assert_eq!(r["id"], "x1");
        assert_eq!(r["error"]["code"], -32601);
        assert_eq!(
            check(br#"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":1}}"#),
            Checked::Forward
        );
        assert_eq!(
            check(br#"{"jsonrpc":"2.0","method":"$/setTrace","params":{"value":"off"}}"#),
            Checked::Forward
        );
    }

    #[test]
    fn empty_params_of_shutdown_and_exit_are_dropped() {
        for (body, want) in [
            (
                &br#"{"jsonrpc":"2.0","id":9,"method":"shutdown","params":{}}"#[..],
                json!({ "jsonrpc": "2.0", "id": 9, "method": "shutdown" }),
            ),
            (
                br#"{"jsonrpc":"2.0","method":"exit","params":[]}"#,
                json!({ "jsonrpc": "2.0", "method": "exit" }),
            ),
        ] {
            let Checked::Rewrite(out) = check(body) else {
                panic!("not rewritten: {}", String::from_utf8_lossy(body));
            };
            assert_eq!(serde_json::from_slice::<Value>(&out).unwrap(), want);
        }
        // Anything else keeps its params.
        assert_eq!(
            check(br#"{"jsonrpc":"2.0","id":1,"method":"shutdown","params":{"x":1}}"#),
            Checked::Forward
        );
        assert_eq!(
            check(br#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#),
            Checked::Forward
        );
    }

    #[test]
    fn exit_without_shutdown_is_not_clean() {
        let l = Lifecycle::default();
        assert!(l.clean(), "input that ends is a normal end");
        l.exit();
        assert!(!l.clean());
        l.shut_down();
        assert!(l.clean());
    }
}
