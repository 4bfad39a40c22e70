//! Bad input: each gets its status and a clear message, never a panic.

use crate::support::*;
use remit_serve::{ServeOptions, Service};
use serde_json::{json, Value};

async fn raw(c: &reqwest::Client, url: &str, body: impl Into<reqwest::Body>) -> (u16, Value) {
    let r = c
        .post(url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

fn problems(v: &Value) -> Vec<String> {
    v["error"]["problems"]
        .as_array()
        .unwrap_or(&vec![])
        .iter()
        .map(|p| p["field"].as_str().unwrap_or("<body>").to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_body_gets_its_status_and_every_problem() {
    let s = InProcess::start(&table("sha256:a", 5000, 10000, 5), None, None).await;
    let c = client();
    let uses = s.url("/v1/uses");

    let (st, r) = raw(&c, &uses, "{\"policy\": ").await;
    assert_eq!(
        (st, r["error"]["code"].as_str()),
        (400, Some("malformed_json")),
        "{r}"
    );
    assert!(
        r["error"]["message"].as_str().unwrap().contains("line 1"),
        "{r}"
    );

    let (st, r) = raw(&c, &uses, "[1, 2]").await;
    assert_eq!(st, 400);
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not an array"),
        "{r}"
    );

    // Missing identities: every one listed.
    let (st, r) = post(&c, &uses, &json!({"role": "clerk", "action": "refund"})).await;
    assert_eq!(st, 400, "{r}");
    assert_eq!(
        problems(&r),
        ["policy", "customer_id", "employee_id"],
        "{r}"
    );
    assert!(r["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("the request has 3 problems"));

    // Wrong types, in the service's fields and in the table's.
    let mut body = refund("c1", "e1", 100);
    body["customer_id"] = json!(42);
    body["hold_seconds"] = json!(1.5);
    body["params"]["amount"] = json!("80");
    body["customer"]["tier"] = json!("diamond");
    body["usage"] = json!({});
    let (st, r) = post(&c, &uses, &body).await;
    assert_eq!(st, 400, "{r}");
    let mut got = problems(&r);
    got.sort();
    assert_eq!(
        got,
        [
            "customer.tier",
            "customer_id",
            "hold_seconds",
            "param.amount",
            "usage"
        ],
        "{r}"
    );
    assert_eq!(
        r["digest"], "sha256:a",
        "the table that found the problems is named"
    );
    let text = r.to_string();
    assert!(
        text.contains("`customer_id` must be a string, not a number"),
        "{text}"
    );
    assert!(text.contains("filled by the service"), "{text}");

    // Unknown policy: 404 with what is served.
    let mut body = refund("c1", "e1", 100);
    body["policy"] = json!("nope");
    let (st, r) = post(&c, &uses, &body).await;
    assert_eq!(
        (st, r["error"]["code"].as_str()),
        (404, Some("unknown_policy")),
        "{r}"
    );
    assert!(r["error"]["help"].as_str().unwrap().contains("`shop`"));

    // Unknown role and a decide body with use fields.
    let mut body = refund("c1", "e1", 100);
    body["role"] = json!("ceo");
    body["commit"] = json!(true);
    let (st, r) = post(&c, &s.url("/v1/decide"), &body).await;
    assert_eq!(st, 400, "{r}");
    let mut got = problems(&r);
    got.sort();
    assert_eq!(got, ["commit", "role"], "{r}");

    // Over 1 MiB, declared and streamed.
    let big = format!("{{\"policy\": \"{}\"}}", "x".repeat(1 << 20));
    let (st, r) = raw(&c, &uses, big.clone()).await;
    assert_eq!(
        (st, r["error"]["code"].as_str()),
        (413, Some("body_too_large")),
        "{r}"
    );
    let (status, out) = chunked(s.addr, "/v1/uses", &big).await;
    assert!(status.contains("413"), "{out}");
    assert!(out.contains("body_too_large"), "{out}");

    // Commit bodies.
    let (st, r) = post(&c, &s.url("/v1/uses/x/commit"), &json!({"amount": -5})).await;
    assert_eq!(st, 400, "{r}");
    let (_, h) = post(&c, &uses, &refund("c1", "e1", 100)).await;
    let id = h["use_id"].as_str().unwrap();
    let (st, r) = post(
        &c,
        &s.url(&format!("/v1/uses/{id}/commit")),
        &json!({"amount": 101}),
    )
    .await;
    assert_eq!(st, 400, "{r}");
    assert!(
        r["error"]["message"].as_str().unwrap().contains("1.01 USD"),
        "{r}"
    );

    // Usage parameters.
    let (st, r) = get(&c, &s.url("/v1/usage?customer_id=c1&colour=red")).await;
    assert_eq!(st, 400, "{r}");
    assert_eq!(problems(&r), ["colour", "policy"]);
    s.stop().await.unwrap();
}

/// POSTs `text` chunked (no `Content-Length`) over a raw connection;
/// answers the status line and the body.
async fn chunked(addr: std::net::SocketAddr, path: &str, text: &str) -> (String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!("POST {path} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    for chunk in text.as_bytes().chunks(64 * 1024) {
        // The server may answer 413 and close before every chunk is sent.
        if stream
            .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .await
            .is_err()
            || stream.write_all(chunk).await.is_err()
            || stream.write_all(b"\r\n").await.is_err()
        {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out).await;
    let out = String::from_utf8_lossy(&out).to_string();
    let status = out.lines().next().unwrap_or("").to_string();
    (status, out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_required_when_given() {
    let tokens = "crm:0123456789abcdef0123456789\n";
    let s = InProcess::start(&table("sha256:a", 5000, 10000, 5), None, Some(tokens)).await;
    let c = client();
    let url = s.url("/v1/decide");
    let r = c
        .post(&url)
        .json(&refund("c1", "e1", 1))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let v: Value = r.json().await.unwrap();
    assert!(
        v["error"]["help"]
            .as_str()
            .unwrap()
            .contains("Authorization: Bearer"),
        "{v}"
    );
    let r = c
        .post(&url)
        .bearer_auth("0123456789abcdef012345678X")
        .json(&refund("c1", "e1", 1))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let r = c
        .post(&url)
        .bearer_auth("0123456789abcdef0123456789")
        .json(&refund("c1", "e1", 1))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // Probes are open; metrics count requests by client name.
    assert_eq!(get(&c, &s.url("/healthz")).await.0, 200);
    assert_eq!(get(&c, &s.url("/metrics")).await.0, 401);
    let text = metrics(&c, &s.url("/metrics"), Some("0123456789abcdef0123456789")).await;
    assert!(
        text.contains(r#"remit_requests_total{client="crm"}"#),
        "{text}"
    );
    s.stop().await.unwrap();
}

#[tokio::test]
async fn listening_beyond_loopback_needs_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("t.json");
    std::fs::write(&t, table("sha256:a", 1, 1, 1)).unwrap();
    let options = ServeOptions {
        tables: vec![t],
        store: format!("sqlite:{}", dir.path().join("u.db").display()),
        listen: "0.0.0.0:0".into(),
        ..ServeOptions::default()
    };
    let e = Service::bind(&options).await.err().unwrap();
    assert!(
        e.starts_with("refusing to listen on `0.0.0.0:0` without `--tokens`"),
        "{e}"
    );
    assert!(e.contains("help: pass `--tokens FILE`"), "{e}");

    let mut bad = options.clone();
    bad.listen = "127.0.0.1:0".into();
    std::fs::write(&bad.tables[0], "{\"format\": \"remit.table/9\"}").unwrap();
    let e = Service::bind(&bad).await.err().unwrap();
    assert!(
        e.contains("unsupported table format `remit.table/9`"),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_store_is_a_503_deny_never_a_permit() {
    // Nothing listens on port 1: the ledger cannot be read.
    let s = InProcess::start(
        &table("sha256:a", 5000, 10000, 5),
        Some("postgres://remit@127.0.0.1:1/remit".into()),
        None,
    )
    .await;
    let c = client();
    for path in ["/v1/uses", "/v1/decide"] {
        let (st, r) = post(&c, &s.url(path), &refund("c1", "e1", 100)).await;
        assert_eq!(st, 503, "{r}");
        assert_eq!(r["decision"], "deny");
        assert_eq!(r["error"]["code"], "store_unavailable");
    }
    assert_eq!(get(&c, &s.url("/readyz")).await.0, 503);
    let (_, status) = get(&c, &s.url("/v1/status")).await;
    assert_eq!(status["store"]["reachable"], false);
    assert_eq!(
        status["store"]["location"],
        "postgres://remit@127.0.0.1:1/remit"
    );
    s.stop().await.unwrap();
}
