//! `kill -9` of the real `remit serve` at random moments under load: after
//! each restart every acknowledged commit is there, every acknowledged
//! release stays released, no hold outlives its expiry, and the budget
//! holds.

use crate::support::*;
use rand::RngExt;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const KILLS: usize = 20;
const BUDGET: i64 = 150_000;

#[derive(Default)]
struct Acked {
    /// Use id → committed amount.
    commits: BTreeMap<String, i64>,
    released: Vec<String>,
}

/// Every row of the ledger file: id → (state, amount, created_at, expires_at).
fn rows(db: &std::path::Path) -> BTreeMap<String, (String, i64, i64, Option<i64>)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT id, state, amount, created_at, expires_at FROM uses")
        .unwrap();
    stmt.query_map([], |r| {
        Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

async fn load(base: String, acked: Arc<Mutex<Acked>>) {
    let c = client();
    loop {
        let (amount, after) = {
            let mut rng = rand::rng();
            (rng.random_range(1..=2_000), rng.random_range(0..3u8))
        };
        let mut body = refund("guest", "e1", amount);
        body["hold_seconds"] = json!(1);
        let Ok(r) = c.post(format!("{base}/v1/uses")).json(&body).send().await else {
            return;
        };
        let Ok(r) = r.json::<serde_json::Value>().await else {
            return;
        };
        let Some(id) = r["use_id"].as_str() else {
            continue;
        };
        let (path, final_amount) = match after {
            0 => ("commit", amount),
            1 => ("commit", amount / 2),
            _ => ("release", 0),
        };
        let body = if after == 1 {
            json!({"amount": final_amount})
        } else {
            json!({})
        };
        let Ok(r) = c
            .post(format!("{base}/v1/uses/{id}/{path}"))
            .json(&body)
            .send()
            .await
        else {
            return;
        };
        if r.status().as_u16() != 200 {
            // A hold that expired before its commit is re-decided; that
            // answer may refuse it.
            continue;
        }
        let mut a = acked.lock().unwrap();
        if path == "commit" {
            a.commits.insert(id.to_string(), final_amount);
        } else {
            a.released.push(id.to_string());
        }
    }
}

fn check(db: &std::path::Path, acked: &Acked, now: i64) {
    let rows = rows(db);
    for (id, amount) in &acked.commits {
        let row = rows
            .get(id)
            .unwrap_or_else(|| panic!("acknowledged commit `{id}` is gone"));
        assert_eq!(
            (row.0.as_str(), row.1),
            ("committed", *amount),
            "use `{id}`"
        );
    }
    for id in &acked.released {
        let row = rows
            .get(id)
            .unwrap_or_else(|| panic!("acknowledged release `{id}` is gone"));
        assert_eq!(row.0, "released", "acknowledged release `{id}` came back");
    }
    let mut counted = 0;
    for (id, (state, amount, created_at, expires_at)) in &rows {
        if state == "held" {
            let e = expires_at.unwrap();
            assert!(e <= created_at + 1_000, "hold `{id}` outlives its 1 s");
            if e > now {
                counted += amount;
            }
        } else if state == "committed" {
            counted += amount;
        }
    }
    assert!(
        counted <= BUDGET,
        "{counted} counted for a budget of {BUDGET}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_at_random_moments_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("t.json");
    std::fs::write(&t, table("sha256:a", 2_000, BUDGET, 100_000)).unwrap();
    let db = dir.path().join("usage.db");
    let store = format!("sqlite:{}", db.display());
    let acked = Arc::new(Mutex::new(Acked::default()));
    for _ in 0..KILLS {
        let args = ["--table", t.to_str().unwrap(), "--store", &store];
        // Blocks briefly until the process says where it listens.
        let mut p = spawn_serve(&args, "127.0.0.1:0");
        let base = format!("http://{}", p.addr);
        let tasks: Vec<_> = (0..8)
            .map(|_| tokio::spawn(load(base.clone(), acked.clone())))
            .collect();
        let wait = rand::rng().random_range(150..450);
        tokio::time::sleep(Duration::from_millis(wait)).await;
        p.child.kill().unwrap(); // SIGKILL
        p.child.wait().unwrap();
        for task in tasks {
            task.await.unwrap();
        }
        let now = chrono::Utc::now().timestamp_millis();
        check(&db, &acked.lock().unwrap(), now);
    }
    let (commits, released) = {
        let a = acked.lock().unwrap();
        (a.commits.len(), a.released.len())
    };
    assert!(
        commits > 20 && released > 0,
        "too little load to mean anything: {commits} commits",
    );
    // After the last crash, once every hold has expired, the service
    // counts exactly the committed uses.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let args = ["--table", t.to_str().unwrap(), "--store", &store];
    let mut p = spawn_serve(&args, "127.0.0.1:0");
    let (_, usage) = get(
        &client(),
        &format!("http://{}/v1/usage?policy=shop&customer_id=guest", p.addr),
    )
    .await;
    let committed: i64 = rows(&db)
        .values()
        .filter(|r| r.0 == "committed")
        .map(|r| r.1)
        .sum();
    assert_eq!(
        usage["counters"]["customer/refund/sum/P1D"].as_i64(),
        Some(committed),
        "{usage}"
    );
    p.child.kill().unwrap();
    p.child.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("t.json");
    std::fs::write(&t, table("sha256:a", 2_000, BUDGET, 100)).unwrap();
    let store = format!("sqlite:{}", dir.path().join("usage.db").display());
    let mut p = spawn_serve(
        &["--table", t.to_str().unwrap(), "--store", &store],
        "127.0.0.1:0",
    );
    let c = client();
    let url = format!("http://{}/v1/uses", p.addr);
    // Requests in flight when SIGTERM arrives must not keep it from
    // draining and exiting 0.
    let inflight: Vec<_> = (0..8)
        .map(|i| {
            let (c, url) = (c.clone(), url.clone());
            tokio::spawn(async move { post(&c, &url, &refund(&format!("g{i}"), "e", 100)).await.0 })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let term = std::process::Command::new("kill")
        .args(["-TERM", &p.child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let status = p.child.wait().unwrap();
    assert!(
        status.success(),
        "`remit serve` exited with {status} on SIGTERM"
    );
    for r in inflight {
        // Answered if sent before the signal, refused after it.
        let _ = r.await;
    }
}
