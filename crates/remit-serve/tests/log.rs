//! The decision log of the real `remit serve` process: every field of its
//! lines checked against the answers, redaction, rotation, and drops
//! counted when the log falls behind.

use crate::support::*;
use remit_serve::decision_log::line::{schema, LogLine};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;

fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// Every line is valid against `remit schema --log` and reads back as the
/// crate's own type.
fn check_format(line: &Value) {
    let validator = jsonschema::validator_for(&schema()).unwrap();
    let errors: Vec<String> = validator.iter_errors(line).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}\n{line}");
    serde_json::from_value::<LogLine>(line.clone()).unwrap();
}

fn shop(dir: &Path, table_json: &str) -> String {
    let path = dir.join("table.json");
    std::fs::write(&path, table_json).unwrap();
    path.display().to_string()
}

fn with_email(mut body: Value) -> Value {
    body["customer"]["email"] = json!("ann@example.com");
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_decision_is_one_line_with_what_it_was_decided_on() {
    let dir = tempfile::tempdir().unwrap();
    let table = shop(dir.path(), &table("sha256:log", 5000, 10000, 3));
    let log = dir.path().join("decisions.log");
    let store = format!("sqlite:{}", dir.path().join("usage.db").display());
    let mut p = spawn_serve(
        &[
            "--table",
            &table,
            "--store",
            &store,
            "--log",
            &log.display().to_string(),
            "--redact",
            "customer.email",
        ],
        "127.0.0.1:0",
    );
    let base = format!("http://{}", p.addr);
    let c = client();
    let started = chrono::Utc::now();

    let mut held = with_email(refund("c1", "e1", 4000));
    held["idempotency_key"] = json!("k-1");
    let (st, a1) = post(&c, &format!("{base}/v1/uses"), &held).await;
    assert_eq!((st, a1["decision"].as_str()), (200, Some("permit")), "{a1}");
    // The replay of an idempotency key decides nothing: no line.
    let (st, replayed) = post(&c, &format!("{base}/v1/uses"), &held).await;
    assert_eq!((st, &replayed["decision_id"]), (200, &a1["decision_id"]));
    let use_id = a1["use_id"].as_str().unwrap();
    let (st, _) = post(
        &c,
        &format!("{base}/v1/uses/{use_id}/commit"),
        &json!({"amount": 2500}),
    )
    .await;
    assert_eq!(st, 200);
    // A repeated commit records nothing more.
    let (st, _) = post(&c, &format!("{base}/v1/uses/{use_id}/commit"), &json!({})).await;
    assert_eq!(st, 200);
    let (st, a2) = post(
        &c,
        &format!("{base}/v1/decide"),
        &with_email(refund("c1", "e2", 8000)),
    )
    .await;
    assert_eq!(
        (st, a2["decision"].as_str()),
        (200, Some("escalate")),
        "{a2}"
    );
    let (_, a3) = post(&c, &format!("{base}/v1/uses"), &refund("c2", "e1", 100)).await;
    let hold = a3["use_id"].as_str().unwrap();
    let (st, _) = post(&c, &format!("{base}/v1/uses/{hold}/release"), &json!({})).await;
    assert_eq!(st, 200);
    let (_, status) = get(&c, &format!("{base}/v1/status")).await;
    terminate(&mut p);
    let ended = chrono::Utc::now();

    let got = lines(&log);
    assert_eq!(
        got.iter()
            .map(|l| l["kind"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["decision", "commit", "decision", "decision", "release"],
        "{got:#?}"
    );
    for line in &got {
        check_format(line);
        assert_eq!(line["log"], "remit.log/1");
        assert_eq!(line["client"], "anonymous");
        let at = chrono::DateTime::parse_from_rfc3339(line["at"].as_str().unwrap()).unwrap();
        assert!(
            started - chrono::Duration::seconds(1) <= at && at <= ended,
            "{line}"
        );
    }
    let status_log = &status["log"];
    assert_eq!(status_log["target"], log.display().to_string());
    assert_eq!(status_log["dropped"], 0);

    // The held use: every field, checked against the answer.
    let d = &got[0];
    assert_eq!(d["id"], a1["decision_id"]);
    assert_eq!(d["endpoint"], "uses");
    assert_eq!(d["policy"], "shop");
    assert_eq!(d["digest"], "sha256:log");
    assert_eq!(
        (&d["customer_id"], &d["employee_id"]),
        (&json!("c1"), &json!("e1"))
    );
    assert_eq!(
        d["request"],
        json!({"role": "clerk", "action": "refund", "params": {"amount": 4000},
               "customer": {"tier": "gold", "email": "[redacted]"}, "context": {}})
    );
    assert_eq!(d["redacted"], json!(["customer.email"]));
    assert_eq!(d["usage"], a1["usage"]);
    assert_eq!(
        d["usage"],
        json!({"customer/refund/count/P1D": 0, "customer/refund/sum/P1D": 0, "employee/refund/count/P1D": 0})
    );
    assert_eq!(
        d["decision"],
        json!({"decision": "permit", "escalate_to": [], "obligations": ["reason_code"],
               "notify": [], "rules": ["refunds"], "errors": []})
    );
    assert_eq!(d["use_id"], a1["use_id"]);
    assert_eq!(d.get("committed"), None, "a hold is not committed at once");
    assert_eq!(d["idempotency_key"], "k-1");
    assert!(!d.to_string().contains("ann@example.com"));

    let commit = &got[1];
    assert_eq!(commit["use_id"], a1["use_id"]);
    assert_eq!(commit["amount"], 2500);
    assert_eq!(
        (&commit["customer_id"], &commit["action"]),
        (&json!("c1"), &json!("refund"))
    );

    // The escalation read the committed 25.00.
    let e = &got[2];
    assert_eq!(e["id"], a2["decision_id"]);
    assert_eq!(e["endpoint"], "decide");
    assert_eq!(e["usage"]["customer/refund/sum/P1D"], 2500);
    assert_eq!(e["usage"]["customer/refund/count/P1D"], 1);
    assert_eq!(
        e["usage"]["employee/refund/count/P1D"], 0,
        "employee e2 had none"
    );
    assert_eq!(e["decision"]["decision"], "escalate");
    assert_eq!(e["decision"]["escalate_to"], json!(["manager"]));
    assert_eq!(e["use_id"], Value::Null);
    assert!(e.get("idempotency_key").is_none());

    // Nothing to redact: no `redacted`.
    assert!(got[3].get("redacted").is_none(), "{}", got[3]);
    assert_eq!(got[4]["use_id"], a3["use_id"]);
    assert_eq!(got[4]["amount"], 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_files_rotate_by_size_and_keep_the_newest() {
    let dir = tempfile::tempdir().unwrap();
    let table = shop(dir.path(), &table("sha256:rot", 5000, 1_000_000, 1000));
    let log = dir.path().join("d.log");
    let store = format!("sqlite:{}", dir.path().join("usage.db").display());
    let mut p = spawn_serve(
        &[
            "--table",
            &table,
            "--store",
            &store,
            "--log",
            &log.display().to_string(),
            "--log-max-bytes",
            "2000",
            "--log-keep",
            "2",
        ],
        "127.0.0.1:0",
    );
    let base = format!("http://{}", p.addr);
    let c = client();
    let mut ids = Vec::new();
    for i in 0..40 {
        let (st, a) = post(
            &c,
            &format!("{base}/v1/decide"),
            &refund(&format!("c{i}"), "e", 100),
        )
        .await;
        assert_eq!(st, 200);
        ids.push(a["decision_id"].as_str().unwrap().to_string());
    }
    // Lines are written in the background: wait until the last one is.
    let mut metrics_text = String::new();
    for _ in 0..100 {
        metrics_text = metrics(&c, &format!("{base}/metrics"), None).await;
        if sample(&metrics_text, "remit_log_lines_written_total") == 40.0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(sample(&metrics_text, "remit_log_lines_written_total"), 40.0);
    let rotations = sample(&metrics_text, "remit_log_rotations_total");
    assert!(rotations >= 3.0, "{metrics_text}");
    terminate(&mut p);

    let file = |n: usize| match n {
        0 => log.clone(),
        n => dir.path().join(format!("d.log.{n}")),
    };
    assert!(file(1).exists() && file(2).exists());
    assert!(!file(3).exists(), "only two rotated files are kept");
    // Oldest first: PATH.2, PATH.1, PATH — one unbroken run of the newest
    // decisions, each file within the limit.
    let mut kept = Vec::new();
    for n in [2, 1, 0] {
        let size = std::fs::metadata(file(n)).unwrap().len();
        assert!(size <= 2000, "{} is {size} bytes", file(n).display());
        for line in lines(&file(n)) {
            check_format(&line);
            kept.push(line["id"].as_str().unwrap().to_string());
        }
    }
    assert!(kept.len() >= 3 && kept.len() < 40, "{}", kept.len());
    assert_eq!(kept, ids[ids.len() - kept.len()..]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_that_falls_behind_drops_lines_and_counts_them_without_slowing_decisions() {
    let dir = tempfile::tempdir().unwrap();
    let table = shop(dir.path(), &table("sha256:drop", 5000, 1_000_000, 1000));
    let store = format!("sqlite:{}", dir.path().join("usage.db").display());
    // The log goes to a pipe nobody reads yet: once the pipe's buffer is
    // full the writer waits, and with room for one line in the channel
    // every further line is dropped.
    let mut p = spawn_serve_with(
        &[
            "--table",
            &table,
            "--store",
            &store,
            "--log",
            "-",
            "--log-buffer",
            "1",
        ],
        "127.0.0.1:0",
        Stdio::piped(),
    );
    let stdout = p.child.stdout.take().unwrap();
    let base = format!("http://{}", p.addr);
    let c = client();
    const N: usize = 400;
    let start = std::time::Instant::now();
    for i in 0..N {
        let (st, _) = post(
            &c,
            &format!("{base}/v1/decide"),
            &refund(&format!("c{i}"), "e", 100),
        )
        .await;
        assert_eq!(st, 200);
    }
    let elapsed = start.elapsed();
    assert!(
        elapsed.as_secs() < 60,
        "decisions waited for the log: {elapsed:?}"
    );
    let text = metrics(&c, &format!("{base}/metrics"), None).await;
    let dropped = sample(&text, r#"remit_log_lines_dropped_total{reason="full"}"#);
    assert!(dropped > 0.0, "nothing was dropped:\n{text}");
    assert_eq!(
        sample(
            &text,
            r#"remit_log_lines_dropped_total{reason="write_error"}"#
        ),
        0.0
    );
    let (_, status) = get(&c, &format!("{base}/v1/status")).await;
    assert_eq!(status["log"]["dropped"].as_f64(), Some(dropped), "{status}");
    assert_eq!(status["log"]["dropped_full"].as_f64(), Some(dropped));
    assert_eq!(status["log"]["target"], "-");

    // Now read the pipe: every line not dropped arrives, and is a line.
    let reader = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map(|l| serde_json::from_str::<Value>(&l.unwrap()).unwrap())
            .collect::<Vec<_>>()
    });
    terminate(&mut p);
    let written = reader.join().unwrap();
    assert_eq!(written.len() + dropped as usize, N);
    for line in &written {
        assert_eq!(line["kind"], "decision");
    }
}

#[test]
fn bad_log_options_are_refused_with_a_fix() {
    let dir = tempfile::tempdir().unwrap();
    let table = shop(dir.path(), &table("sha256:bad", 5000, 10000, 3));
    for (args, says) in [
        (
            vec!["--log", "-", "--log-max-bytes", "100"],
            "`--log-max-bytes` rotates a log file",
        ),
        (
            vec!["--log", "x.log", "--redact", "email"],
            "`--redact email` does not name an attribute",
        ),
        (
            vec!["--log", "/nonexistent/dir/x.log"],
            "cannot open the decision log `/nonexistent/dir/x.log`",
        ),
    ] {
        let out = std::process::Command::new(remit_bin())
            .args(["serve", "--table", &table, "--listen", "127.0.0.1:0"])
            .args([
                "--store",
                &format!("sqlite:{}", dir.path().join("u.db").display()),
            ])
            .args(&args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(err.contains("help: "), "{args:?}: {err}");
    }
}

#[test]
fn remit_schema_log_prints_the_line_schema() {
    let out = std::process::Command::new(remit_bin())
        .args(["schema", "--log"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed, schema());
    assert_eq!(printed["title"], "Remit decision log line (remit.log/1)");
}
