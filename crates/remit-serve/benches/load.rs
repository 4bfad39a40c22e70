//! Load generator for `remit serve`: `POST /v1/decide` and `POST /v1/uses`
//! throughput and p50/p99 latency at 1, 16 and 64 concurrent clients, on
//! SQLite and (with `REMIT_TEST_POSTGRES` set) PostgreSQL with one and two
//! replicas. Prints a Markdown table for docs/performance.md.
//!
//!     cargo bench -p remit-serve --bench load
//!     REMIT_TEST_POSTGRES=postgres://… cargo bench -p remit-serve --bench load

use remit_serve::{ServeOptions, Service};
use serde_json::json;
use std::time::{Duration, Instant};

/// How long each measurement runs.
const RUN: Duration = Duration::from_secs(3);

fn table() -> String {
    json!({
        "format": "remit.table/1",
        "policy": {"name": "shop", "version": null},
        "digest": "sha256:bench",
        "currency": {"code": "USD", "scale": 2},
        "default": {"effect": "deny"},
        "roles": {"clerk": [], "manager": []},
        "actions": {"refund": {"params": {"amount": "money"}}},
        "inputs": {"param.amount": {"type": "money"}, "customer.tier": {"type": "enum", "values": ["gold", "standard"]}},
        "counters": {
            "customer/refund/count/P30D": {"per": "customer", "actions": ["refund"], "measure": "count", "window_minutes": 43200},
            "customer/refund/sum/P30D": {"per": "customer", "actions": ["refund"], "measure": "sum", "window_minutes": 43200}
        },
        "obligations": {},
        "rows": [{
            "rule": "refunds", "effect": "permit", "roles": ["clerk"], "actions": ["refund"],
            "scope": {"customer.tier": {"in": ["gold"]}},
            "limits": {"param.amount": {"max": 10000}, "customer/refund/count/P30D": {"max": 1_000_000}},
            "budgets": [{"counter": "customer/refund/sum/P30D", "param": "param.amount", "max": 1_000_000_000_000i64}],
            "obligations": [], "notify": [],
            "escalation": {"to": "manager", "except_roles": ["manager"]}
        }]
    })
    .to_string()
}

struct Running {
    url: String,
    stop: tokio::sync::oneshot::Sender<()>,
}

async fn start(dir: &std::path::Path, store: String) -> Running {
    let t = dir.join("table.json");
    std::fs::write(&t, table()).unwrap_or_default();
    let options = ServeOptions {
        tables: vec![t],
        store,
        listen: "127.0.0.1:0".into(),
        ..ServeOptions::default()
    };
    let service = match Service::bind(&options).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot start the service: {e}");
            std::process::exit(2);
        }
    };
    let url = format!("http://{}", service.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(service.serve(async move {
        let _ = stopped.await;
    }));
    Running { url, stop }
}

/// Runs `clients` loops against `urls` (round robin) for [`RUN`]; answers
/// requests per second, p50 and p99 in milliseconds.
async fn measure(urls: &[String], path: &str, clients: usize) -> (f64, f64, f64, usize) {
    let deadline = Instant::now() + RUN;
    let mut tasks = Vec::new();
    for n in 0..clients {
        let url = format!("{}{path}", urls[n % urls.len()]);
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut lat = Vec::new();
            let mut errors = 0;
            let mut i = 0u64;
            while Instant::now() < deadline {
                i += 1;
                let body = json!({
                    "policy": "shop", "customer_id": format!("c{}", (n as u64 * 7919 + i) % 1000),
                    "employee_id": format!("e{n}"), "role": "clerk", "action": "refund",
                    "params": {"amount": 1000}, "customer": {"tier": "gold"}
                });
                let t = Instant::now();
                match http.post(&url).json(&body).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        lat.push(t.elapsed());
                    }
                    _ => errors += 1,
                }
            }
            (lat, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        if let Ok((lat, e)) = t.await {
            all.extend(lat);
            errors += e;
        }
    }
    all.sort();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    (
        all.len() as f64 / RUN.as_secs_f64(),
        pct(0.50),
        pct(0.99),
        errors,
    )
}

async fn run(label: &str, urls: &[String]) {
    for path in ["/v1/decide", "/v1/uses"] {
        for clients in [1, 16, 64] {
            let (rps, p50, p99, errors) = measure(urls, path, clients).await;
            println!("| {label} | `POST {path}` | {clients} | {rps:.0} | {p50:.2} | {p99:.2} | {errors} |");
        }
    }
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs it with
    // no such flag, and then it only checks that it starts.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    println!("| ledger | endpoint | clients | requests/s | p50 ms | p99 ms | errors |");
    println!("|---|---|---|---|---|---|---|");
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("no temporary directory: {e}");
            return;
        }
    };
    let sqlite = start(
        dir.path(),
        format!("sqlite:{}", dir.path().join("bench.db").display()),
    )
    .await;
    run("SQLite", std::slice::from_ref(&sqlite.url)).await;
    let _ = sqlite.stop.send(());
    match std::env::var("REMIT_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => {
            let one = start(dir.path(), url.clone()).await;
            run("PostgreSQL, 1 replica", std::slice::from_ref(&one.url)).await;
            let two = start(dir.path(), url).await;
            run(
                "PostgreSQL, 2 replicas",
                &[one.url.clone(), two.url.clone()],
            )
            .await;
            let _ = one.stop.send(());
            let _ = two.stop.send(());
        }
        _ => eprintln!("SKIP PostgreSQL: set REMIT_TEST_POSTGRES to measure it"),
    }
}
