//! `kill -9` of the real `remit serve` at random moments under load, on
//! SQLite and on PostgreSQL: after each restart every acknowledged commit
//! is there, every acknowledged release stays released, no hold outlives
//! its expiry, and the budget holds.

use crate::support::*;
use rand::RngExt;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const KILLS: usize = 20;
/// 40.00 USD a day per customer, refunds of up to 20.00 USD: each life's
/// regular guest reaches it within the life, so the budget is pressed on
/// either backend, while walk-in guests keep the writes going.
const BUDGET: i64 = 4_000;
/// Clients hammering the service between kills.
const CLIENTS: usize = 8;
const HOLD_MS: i64 = 1_000;

#[derive(Default, Clone)]
struct Acked {
    /// Use id → committed amount.
    commits: BTreeMap<String, i64>,
    released: Vec<String>,
    /// Requests answered with something other than a permit (the budget
    /// was reached).
    refused: usize,
}

/// A use as the ledger stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    customer: String,
    state: String,
    amount: i64,
    created_at: i64,
    expires_at: Option<i64>,
}

/// The ledger a crashing service writes, read behind its back.
enum Store {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Store {
    /// The `--store` argument.
    fn arg(&self) -> String {
        match self {
            Store::Sqlite(path) => format!("sqlite:{}", path.display()),
            Store::Postgres(url) => url.clone(),
        }
    }

    /// Every use in the ledger, by id.
    async fn rows(&self) -> BTreeMap<String, Row> {
        const SQL: &str = "SELECT id, customer_id, state, amount, created_at, expires_at FROM uses";
        match self {
            Store::Sqlite(path) => {
                let conn = rusqlite::Connection::open(path).unwrap();
                let mut stmt = conn.prepare(SQL).unwrap();
                stmt.query_map([], |r| {
                    Ok((
                        r.get(0)?,
                        Row {
                            customer: r.get(1)?,
                            state: r.get(2)?,
                            amount: r.get(3)?,
                            created_at: r.get(4)?,
                            expires_at: r.get(5)?,
                        },
                    ))
                })
                .unwrap()
                .map(Result::unwrap)
                .collect()
            }
            Store::Postgres(url) => {
                let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                    .await
                    .unwrap();
                tokio::spawn(conn);
                let rows = client.query(SQL, &[]).await.unwrap();
                rows.iter()
                    .map(|r| {
                        (
                            r.get(0),
                            Row {
                                customer: r.get(1),
                                state: r.get(2),
                                amount: r.get(3),
                                created_at: r.get(4),
                                expires_at: r.get(5),
                            },
                        )
                    })
                    .collect()
            }
        }
    }
}

/// The regular guest of life `life`: half the requests are theirs.
fn regular(life: usize) -> String {
    format!("guest-{life}")
}

/// One client: holds refunds of random amounts, for the life's regular
/// guest or a new walk-in, then commits, commits less, or releases each,
/// until the service dies.
async fn load(base: String, life: usize, client_no: usize, acked: Arc<Mutex<Acked>>) {
    let c = client();
    for n in 0.. {
        let (amount, after, walk_in) = {
            let mut rng = rand::rng();
            (
                rng.random_range(1..=2_000),
                rng.random_range(0..3u8),
                rng.random_bool(0.5),
            )
        };
        let customer = if walk_in {
            format!("walk-in-{life}-{client_no}-{n}")
        } else {
            regular(life)
        };
        let mut body = refund(&customer, &format!("e{client_no}"), amount);
        body["hold_seconds"] = json!(HOLD_MS / 1000);
        let Ok(r) = c.post(format!("{base}/v1/uses")).json(&body).send().await else {
            return;
        };
        let Ok(r) = r.json::<serde_json::Value>().await else {
            return;
        };
        let Some(id) = r["use_id"].as_str() else {
            if r["decision"] == "escalate" {
                acked.lock().unwrap().refused += 1;
            }
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

/// Per customer: the sum of the holds live at `now`, and of the committed
/// uses.
fn held_and_committed(rows: &BTreeMap<String, Row>, now: i64) -> BTreeMap<&str, (i64, i64)> {
    let mut sums = BTreeMap::new();
    for r in rows.values() {
        let (held, committed) = sums.entry(r.customer.as_str()).or_insert((0, 0));
        match r.state.as_str() {
            "held" if r.expires_at.is_some_and(|e| e > now) => *held += r.amount,
            "committed" => *committed += r.amount,
            _ => {}
        }
    }
    sums
}

/// The counter `customer/refund/sum/P1D` of `customer`, as the service
/// at `base` reads it.
async fn counted(base: &str, customer: &str) -> i64 {
    let (_, usage) = get(
        &client(),
        &format!("{base}/v1/usage?policy=shop&customer_id={customer}"),
    )
    .await;
    usage["counters"]["customer/refund/sum/P1D"]
        .as_i64()
        .unwrap_or_else(|| panic!("no counter in {usage}"))
}

/// The four checks after the restart that began life `lives` (no load is
/// running), against the ledger and against the restarted service at
/// `base`.
async fn check(store: &Store, base: &str, acked: &Acked, lives: usize) {
    // A transaction the killed process had sent may still commit for a
    // moment (PostgreSQL finishes it): read until the ledger is still.
    let (rows, before, counts, after) = loop {
        let rows = store.rows().await;
        let before = now_ms();
        let mut counts = Vec::new();
        for life in 0..lives {
            counts.push((regular(life), counted(base, &regular(life)).await));
        }
        let after = now_ms();
        if store.rows().await == rows {
            break (rows, before, counts, after);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // Every acknowledged commit is there, with its amount.
    for (id, amount) in &acked.commits {
        let row = rows
            .get(id)
            .unwrap_or_else(|| panic!("acknowledged commit `{id}` is gone"));
        assert_eq!(
            (row.state.as_str(), row.amount),
            ("committed", *amount),
            "use `{id}`"
        );
    }
    // Every acknowledged release stays released.
    for id in &acked.released {
        let row = rows
            .get(id)
            .unwrap_or_else(|| panic!("acknowledged release `{id}` is gone"));
        assert_eq!(
            row.state, "released",
            "acknowledged release `{id}` came back"
        );
    }
    // No hold outlives its expiry: none is stored longer than it was
    // asked for, and the restarted service counts the committed uses and
    // only the holds still live while it read them.
    for (id, r) in &rows {
        if r.state == "held" {
            let e = r.expires_at.unwrap();
            assert!(e <= r.created_at + HOLD_MS, "hold `{id}` outlives its 1 s");
        }
    }
    let sums_before = held_and_committed(&rows, before);
    let sums_after = held_and_committed(&rows, after);
    for (customer, counted) in &counts {
        let (held_before, committed) = sums_before
            .get(customer.as_str())
            .copied()
            .unwrap_or_default();
        let (held_after, _) = sums_after
            .get(customer.as_str())
            .copied()
            .unwrap_or_default();
        assert!(
            committed + held_after <= *counted && *counted <= committed + held_before,
            "the restarted service counts {counted} for `{customer}`: {committed} committed, {held_after}..{held_before} held"
        );
    }
    // The budget still holds, for every customer.
    for (customer, (held, committed)) in &sums_before {
        assert!(
            committed + held <= BUDGET,
            "`{customer}`: {committed} committed and {held} held for a budget of {BUDGET}"
        );
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Starts `remit serve` on `store`, checks, loads it, kills it at a random
/// moment, [`KILLS`] times; then, once every hold has expired, the
/// service counts exactly the committed uses.
async fn kill_9_under_load(store: Store) {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("t.json");
    std::fs::write(&t, table("sha256:a", 2_000, BUDGET, 100_000)).unwrap();
    let store_arg = store.arg();
    let args = ["--table", t.to_str().unwrap(), "--store", &store_arg];
    let acked = Arc::new(Mutex::new(Acked::default()));
    for life in 0..KILLS {
        // Blocks briefly until the process says where it listens.
        let mut p = spawn_serve(&args, "127.0.0.1:0");
        let base = format!("http://{}", p.addr);
        let seen = acked.lock().unwrap().clone();
        check(&store, &base, &seen, life).await;
        let tasks: Vec<_> = (0..CLIENTS)
            .map(|n| tokio::spawn(load(base.clone(), life, n, acked.clone())))
            .collect();
        let wait = rand::rng().random_range(150..450);
        tokio::time::sleep(Duration::from_millis(wait)).await;
        p.child.kill().unwrap(); // SIGKILL
        p.child.wait().unwrap();
        for task in tasks {
            task.await.unwrap();
        }
    }
    let (commits, released, refused) = {
        let a = acked.lock().unwrap();
        (a.commits.len(), a.released.len(), a.refused)
    };
    assert!(
        commits > 20 && released > 0 && refused > 0,
        "too little load to mean anything: {commits} commits, {released} releases, {refused} refused",
    );
    tokio::time::sleep(Duration::from_millis(HOLD_MS as u64 + 100)).await;
    let mut p = spawn_serve(&args, "127.0.0.1:0");
    let base = format!("http://{}", p.addr);
    let seen = acked.lock().unwrap().clone();
    check(&store, &base, &seen, KILLS).await;
    // Once every hold has expired, the service counts exactly the
    // committed uses.
    let rows = store.rows().await;
    for (customer, (held, committed)) in held_and_committed(&rows, now_ms()) {
        assert_eq!(held, 0, "`{customer}`");
        if customer.starts_with("guest-") {
            assert_eq!(counted(&base, customer).await, committed, "`{customer}`");
        }
    }
    p.child.kill().unwrap();
    p.child.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_at_random_moments_loses_nothing_acknowledged_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    kill_9_under_load(Store::Sqlite(dir.path().join("usage.db"))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_at_random_moments_loses_nothing_acknowledged_on_postgres() {
    let Some(url) = postgres("kill_9_at_random_moments_loses_nothing_acknowledged_on_postgres")
    else {
        return;
    };
    kill_9_under_load(Store::Postgres(fresh_database(&url, "remit_crash").await)).await;
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
