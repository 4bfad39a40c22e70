//! Load generator for `remit serve`: `POST /v1/uses` and `POST /v1/decide`
//! throughput and p50/p99 latency at 1, 16 and 64 concurrent clients, on
//! SQLite (`synchronous = NORMAL`, the default, and `FULL`) and, with
//! `REMIT_TEST_POSTGRES` set, on PostgreSQL with one and with two replicas
//! (two service processes sharing the database). Prints a Markdown table
//! per backend for docs/performance.md, with the machine's load averages
//! before and after.
//!
//!     cargo bench -p remit-serve --bench load
//!     bash crates/remit-serve/ci-postgres.sh --run cargo bench -p remit-serve --bench load
//!
//! Each service is a process of its own: this binary started again with
//! `--serve STORE TABLE`, which runs what `remit serve --table TABLE
//! --store STORE` runs (`remit_serve::Service`, a multi-threaded tokio
//! runtime, mimalloc), in the same build profile as the load generator.

use remit_serve::{ServeOptions, Service};
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The allocator of the `remit` binary, so the service measured here is
/// the one `remit serve` runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How long each measurement runs, after its warm-up, unless
/// `REMIT_BENCH_SECONDS` says otherwise (a short run checks the harness;
/// `REMIT_BENCH_ONLY=TEXT` runs only the configurations whose title has
/// TEXT, e.g. to profile one).
const RUN: Duration = Duration::from_secs(4);
/// Requests sent before each measurement, not counted.
const WARMUP: Duration = Duration::from_millis(500);
/// Customers and employees the requests are spread over: enough that each
/// counter scans the few rows a real customer or employee has in a window
/// (a real table's limits bound them), however long the run.
const CUSTOMERS: u64 = 100_000;
const EMPLOYEES: u64 = 1_000;

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
            "customer/refund/sum/P30D": {"per": "customer", "actions": ["refund"], "measure": "sum", "window_minutes": 43200},
            "employee/refund/count/P1D": {"per": "employee", "actions": ["refund"], "measure": "count", "window_minutes": 1440}
        },
        "obligations": {},
        "rows": [{
            "rule": "refunds", "effect": "permit", "roles": ["clerk"], "actions": ["refund"],
            "scope": {"customer.tier": {"in": ["gold"]}},
            "limits": {
                "param.amount": {"max": 10000},
                "customer/refund/count/P30D": {"max": 1_000_000},
                "employee/refund/count/P1D": {"max": 1_000_000}
            },
            "budgets": [{"counter": "customer/refund/sum/P30D", "param": "param.amount", "max": 1_000_000_000_000i64}],
            "obligations": [], "notify": [],
            "escalation": {"to": "manager", "except_roles": ["manager"]}
        }]
    })
    .to_string()
}

/// A service process, killed when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts this binary as a service on `store` and waits until it listens.
fn start(table: &std::path::Path, store: &str) -> Result<Server, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut child = Command::new(exe)
        .arg("--serve")
        .arg(store)
        .arg(table)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start the service: {e}"))?;
    let stderr = child.stderr.take().ok_or("no stderr")?;
    let mut lines = BufReader::new(stderr).lines();
    let url = loop {
        match lines.next() {
            Some(Ok(line)) => {
                if let Some(rest) = line.split("listening on ").nth(1) {
                    break rest
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_string();
                }
                eprintln!("service: {line}");
            }
            _ => return Err(format!("the service on `{store}` exited before listening")),
        }
    };
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            eprintln!("service: {line}");
        }
    });
    Ok(Server { child, url })
}

/// What one measurement found.
struct Stats {
    rps: f64,
    p50: f64,
    p99: f64,
    errors: usize,
}

/// Runs `clients` loops against `urls` (round robin) for `run`.
async fn measure(urls: &[String], path: &str, clients: usize, run: Duration) -> Stats {
    let deadline = Instant::now() + run;
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
                    "policy": "shop",
                    "customer_id": format!("c{}", (n as u64 * 7919 + i) % CUSTOMERS),
                    "employee_id": format!("e{}", (n as u64 * 31 + i) % EMPLOYEES),
                    "role": "clerk", "action": "refund",
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
    // Nearest rank.
    let pct = |p: f64| {
        let rank = ((all.len() as f64 * p).ceil() as usize).max(1);
        all.get(rank - 1).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    Stats {
        rps: all.len() as f64 / run.as_secs_f64(),
        p50: pct(0.50),
        p99: pct(0.99),
        errors,
    }
}

/// Measures every endpoint and concurrency against `urls`; `POST
/// /v1/uses` first, so `decide` reads a ledger with rows in it.
async fn run(title: &str, urls: &[String], run_for: Duration) {
    if let Ok(only) = std::env::var("REMIT_BENCH_ONLY") {
        if !title.contains(&only) {
            return;
        }
    }
    println!("\n### {title}\n");
    println!("| endpoint | clients | requests/s | p50 ms | p99 ms | errors |");
    println!("|---|---:|---:|---:|---:|---:|");
    for path in ["/v1/uses", "/v1/decide"] {
        for clients in [1, 16, 64] {
            measure(urls, path, clients, WARMUP).await;
            let s = measure(urls, path, clients, run_for).await;
            println!(
                "| `POST {path}` | {clients} | {:.0} | {:.2} | {:.2} | {} |",
                s.rps, s.p50, s.p99, s.errors
            );
        }
    }
}

fn load_averages() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(", "))
        .unwrap_or_else(|_| "unknown".into())
}

/// Drops the ledger's tables, so the next service starts on an empty,
/// freshly migrated schema.
async fn empty_postgres(url: &str) -> Result<(), String> {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .map_err(|e| format!("cannot reach `REMIT_TEST_POSTGRES`: {e}"))?;
    tokio::spawn(conn);
    client
        .batch_execute("DROP TABLE IF EXISTS uses, idempotency, remit_schema")
        .await
        .map_err(|e| e.to_string())
}

/// The service side: `--serve STORE TABLE`. It drains and stops when its
/// standard input closes, so it never outlives the load generator.
async fn serve(store: String, table: String) -> Result<(), String> {
    let service = Service::bind(&ServeOptions {
        tables: vec![table.into()],
        store,
        listen: "127.0.0.1:0".into(),
        ..ServeOptions::default()
    })
    .await?;
    service
        .serve(async {
            let mut sink = Vec::new();
            let _ = tokio::io::AsyncReadExt::read_to_end(&mut tokio::io::stdin(), &mut sink).await;
        })
        .await
}

async fn bench() -> Result<(), String> {
    let run_for =
        match std::env::var("REMIT_BENCH_SECONDS") {
            Ok(s) => Duration::from_secs(s.parse().map_err(|_| {
                format!("`REMIT_BENCH_SECONDS={s}` is not a whole number of seconds")
            })?),
            Err(_) => RUN,
        };
    let dir = tempfile::tempdir().map_err(|e| format!("no temporary directory: {e}"))?;
    let t = dir.path().join("table.json");
    std::fs::write(&t, table()).map_err(|e| e.to_string())?;
    println!(
        "{} s per measurement after a {} ms warm-up; {CUSTOMERS} customers, {EMPLOYEES} employees; load averages before: {}",
        run_for.as_secs(),
        WARMUP.as_millis(),
        load_averages()
    );
    let store =
        |name: &str, query: &str| format!("sqlite:{}{query}", dir.path().join(name).display());
    {
        let s = start(&t, &store("normal.db", ""))?;
        run(
            "SQLite, `synchronous = NORMAL` (the default)",
            std::slice::from_ref(&s.url),
            run_for,
        )
        .await;
    }
    {
        let s = start(&t, &store("full.db", "?synchronous=full"))?;
        run(
            "SQLite, `synchronous = FULL` (`--store sqlite:PATH?synchronous=full`)",
            std::slice::from_ref(&s.url),
            run_for,
        )
        .await;
    }
    match std::env::var("REMIT_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => {
            empty_postgres(&url).await?;
            {
                let one = start(&t, &url)?;
                run(
                    "PostgreSQL, one replica",
                    std::slice::from_ref(&one.url),
                    run_for,
                )
                .await;
            }
            empty_postgres(&url).await?;
            let a = start(&t, &url)?;
            let b = start(&t, &url)?;
            run(
                "PostgreSQL, two replicas (two processes, one database)",
                &[a.url.clone(), b.url.clone()],
                run_for,
            )
            .await;
        }
        _ => eprintln!("SKIP PostgreSQL: set REMIT_TEST_POSTGRES to measure it"),
    }
    println!("\nload averages after: {}", load_averages());
    Ok(())
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let result = match args.as_slice() {
        [_, flag, store, table] if flag == "--serve" => serve(store.clone(), table.clone()).await,
        // `cargo bench` passes `--bench`; `cargo test --benches` runs it
        // without, and then it only checks that it starts.
        _ if args.iter().any(|a| a == "--bench") => bench().await,
        _ => Ok(()),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(2);
    }
}
