//! `remit replay` of a log the real `remit serve` wrote: its counts equal
//! deciding each logged request again with `remit eval`.

use crate::support::*;
use rand::{RngExt, SeedableRng};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

/// `remit eval --table TABLE --request -` of `request`.
fn eval(table: &str, request: &Value) -> Value {
    let mut child = Command::new(remit_bin())
        .args(["eval", "--table", table, "--request", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_counts_equal_remit_eval_of_each_logged_line() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.json");
    std::fs::write(&old, table("sha256:old", 5000, 10000, 3)).unwrap();
    // Tightened: a lower cap, a smaller budget, fewer refunds a day.
    let tight = dir.path().join("tight.json");
    std::fs::write(&tight, table("sha256:tight", 3000, 6000, 2)).unwrap();
    let log = dir.path().join("d.log");
    let store = format!("sqlite:{}", dir.path().join("usage.db").display());
    let mut p = spawn_serve(
        &[
            "--table",
            &old.display().to_string(),
            "--store",
            &store,
            "--log",
            &log.display().to_string(),
        ],
        "127.0.0.1:0",
    );
    let base = format!("http://{}", p.addr);
    let c = client();
    let mut rng = rand::rngs::StdRng::seed_from_u64(19);
    for _ in 0..60 {
        let customer = format!("c{}", rng.random_range(0..6));
        let employee = format!("e{}", rng.random_range(0..3));
        let mut body = refund(&customer, &employee, rng.random_range(1..70) * 100);
        if rng.random_bool(0.2) {
            body["role"] = json!("manager");
        }
        let endpoint = if rng.random_bool(0.7) {
            body["commit"] = json!(true);
            "uses"
        } else {
            "decide"
        };
        let (st, _) = post(&c, &format!("{base}/v1/{endpoint}"), &body).await;
        assert_eq!(st, 200);
    }
    terminate(&mut p);

    let out = Command::new(remit_bin())
        .arg("replay")
        .arg(&log)
        .arg("--table")
        .arg(&tight)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();

    // Each logged request, with its logged counters, through `remit eval`.
    let tight = tight.display().to_string();
    let mut expected: BTreeMap<(String, String, String), u64> = BTreeMap::new();
    let mut lines = 0;
    for line in std::fs::read_to_string(&log).unwrap().lines() {
        let l: Value = serde_json::from_str(line).unwrap();
        if l["kind"] != "decision" {
            continue;
        }
        lines += 1;
        let mut request = l["request"].clone();
        request["usage"] = l["usage"].clone();
        let after = eval(&tight, &request);
        let before = &l["decision"];
        let same = ["decision", "escalate_to", "obligations", "notify"]
            .iter()
            .all(|k| after[k] == before[k]);
        if !same {
            let key = (
                l["request"]["role"].as_str().unwrap().to_string(),
                before["decision"].as_str().unwrap().to_string(),
                after["decision"].as_str().unwrap().to_string(),
            );
            *expected.entry(key).or_default() += 1;
        }
    }
    let mut got: BTreeMap<(String, String, String), u64> = BTreeMap::new();
    for g in report["changes"].as_array().unwrap() {
        let key = (
            g["role"].as_str().unwrap().to_string(),
            g["old"]["decision"].as_str().unwrap().to_string(),
            g["new"]["decision"].as_str().unwrap().to_string(),
        );
        *got.entry(key).or_default() += g["count"].as_u64().unwrap();
        assert!(!g["examples"].as_array().unwrap().is_empty());
    }
    assert_eq!(report["decisions"], lines);
    assert_eq!(report["changed"], expected.values().sum::<u64>());
    assert_eq!(got, expected);
    assert!(
        expected.values().sum::<u64>() > 0,
        "the tightened table changes nothing: the test shows nothing"
    );
    assert_eq!(report["complete"], true);
}
