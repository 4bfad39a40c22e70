//! 64 clients hammer `POST /v1/uses` for one customer: the committed and
//! held total never exceeds the budget, nor the count its limit. On
//! SQLite with one service; on PostgreSQL with two `remit serve`
//! processes sharing the database.

use crate::support::*;
use rand::RngExt;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

const CLIENTS: usize = 64;
const ROUNDS: usize = 6;
const BUDGET: i64 = 20_000;
const COUNT: i64 = 25;
const MAX_AMOUNT: i64 = 1_500;

/// What the clients were told: every acknowledged permit with the amount
/// it finally counts for (0 once released).
#[derive(Default)]
struct Acks {
    /// Per permit: the amount it counts for, and whether it still counts
    /// as a use (not released).
    counted: Vec<(i64, bool)>,
    answers: usize,
    refused: usize,
}

async fn hammer(urls: Vec<String>) -> Acks {
    let acks = Arc::new(Mutex::new(Acks::default()));
    let mut tasks = Vec::new();
    for n in 0..CLIENTS {
        let base = urls[n % urls.len()].clone();
        let acks = acks.clone();
        tasks.push(tokio::spawn(async move {
            let c = client();
            for _ in 0..ROUNDS {
                let (amount, after) = {
                    let mut rng = rand::rng();
                    (rng.random_range(1..=MAX_AMOUNT), rng.random_range(0..4u8))
                };
                let (st, r) = post(
                    &c,
                    &format!("{base}/v1/uses"),
                    &refund("guest", &format!("e{n}"), amount),
                )
                .await;
                assert_eq!(st, 200, "{r}");
                acks.lock().unwrap().answers += 1;
                let Some(id) = r["use_id"].as_str().map(str::to_string) else {
                    assert_eq!(r["decision"], "escalate", "{r}");
                    acks.lock().unwrap().refused += 1;
                    continue;
                };
                assert_eq!(r["decision"], "permit");
                // Commit, commit smaller, release, or leave it held.
                let counted = match after {
                    0 => {
                        let (st, _) =
                            post(&c, &format!("{base}/v1/uses/{id}/commit"), &json!({})).await;
                        assert_eq!(st, 200);
                        (amount, true)
                    }
                    1 => {
                        let (st, _) = post(
                            &c,
                            &format!("{base}/v1/uses/{id}/commit"),
                            &json!({"amount": amount / 2}),
                        )
                        .await;
                        assert_eq!(st, 200);
                        (amount / 2, true)
                    }
                    2 => {
                        let (st, _) =
                            post(&c, &format!("{base}/v1/uses/{id}/release"), &json!({})).await;
                        assert_eq!(st, 200);
                        (0, false)
                    }
                    _ => (amount, true),
                };
                acks.lock().unwrap().counted.push(counted);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    Arc::try_unwrap(acks).ok().unwrap().into_inner().unwrap()
}

fn check(acks: &Acks, usage: &Value) {
    assert_eq!(acks.answers, CLIENTS * ROUNDS);
    // What the clients were promised and still count: never more than
    // the budget, nor more uses than the limit.
    let uses = acks.counted.iter().filter(|(_, counts)| *counts).count() as i64;
    let total: i64 = acks.counted.iter().map(|(a, _)| a).sum();
    assert!(uses <= COUNT, "{uses} uses for a limit of {COUNT}");
    assert!(total <= BUDGET, "{total} promised for a budget of {BUDGET}");
    // The ledger agrees with the clients exactly.
    let counted = &usage["counters"];
    assert_eq!(
        counted["customer/refund/sum/P1D"].as_i64(),
        Some(total),
        "{usage}"
    );
    assert_eq!(
        counted["customer/refund/count/P1D"].as_i64(),
        Some(uses),
        "{usage}"
    );
    // The test means something only if the clients pressed on a limit.
    assert!(
        acks.refused > 0,
        "no request was ever refused: the load never reached a limit"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_clients_never_overspend_on_sqlite() {
    let s = InProcess::start(&table("sha256:a", MAX_AMOUNT, BUDGET, COUNT), None, None).await;
    let acks = hammer(vec![s.url("")]).await;
    let (_, usage) = get(&client(), &s.url("/v1/usage?policy=shop&customer_id=guest")).await;
    check(&acks, &usage);
    s.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_clients_on_two_replicas_never_overspend_on_postgres() {
    let Some(url) = postgres("sixty_four_clients_on_two_replicas_never_overspend_on_postgres")
    else {
        return;
    };
    let db = fresh_database(&url, "remit_concurrency").await;
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("t.json");
    std::fs::write(&t, table("sha256:a", MAX_AMOUNT, BUDGET, COUNT)).unwrap();
    let args = ["--table", t.to_str().unwrap(), "--store", &db];
    let a = spawn_serve(&args, "127.0.0.1:0");
    let b = spawn_serve(&args, "127.0.0.1:0");
    let (a_url, b_url) = (format!("http://{}", a.addr), format!("http://{}", b.addr));
    let acks = hammer(vec![a_url, b_url.clone()]).await;
    let (_, usage) = get(
        &client(),
        &format!("{b_url}/v1/usage?policy=shop&customer_id=guest"),
    )
    .await;
    check(&acks, &usage);
}
