//! Test support: tables, an in-process service, the real `remit` binary.

use remit_serve::{ServeOptions, Service};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio::sync::oneshot;

/// A table of policy `shop`: clerks refund up to `max_amount` minor units,
/// within a per-customer daily budget of `budget` and at most `count`
/// refunds a day; past a limit the request escalates to `manager`.
pub fn table(digest: &str, max_amount: i64, budget: i64, count: i64) -> String {
    json!({
        "format": "remit.table/1",
        "policy": {"name": "shop", "version": null},
        "digest": digest,
        "currency": {"code": "USD", "scale": 2},
        "default": {"effect": "deny"},
        "roles": {"clerk": [], "manager": []},
        "actions": {"refund": {"params": {"amount": "money"}}, "note": {"params": {}}},
        "inputs": {
            "param.amount": {"type": "money"},
            "customer.tier": {"type": "enum", "values": ["gold", "standard"]}
        },
        "counters": {
            "customer/refund/count/P1D": {"per": "customer", "actions": ["refund"], "measure": "count", "window_minutes": 1440},
            "customer/refund/sum/P1D": {"per": "customer", "actions": ["refund"], "measure": "sum", "window_minutes": 1440},
            "employee/refund/count/P1D": {"per": "employee", "actions": ["refund"], "measure": "count", "window_minutes": 1440}
        },
        "obligations": {"reason_code": "Record a reason code"},
        "rows": [{
            "rule": "refunds",
            "effect": "permit",
            "roles": ["clerk"],
            "actions": ["refund"],
            "scope": {"customer.tier": {"in": ["gold", "standard"]}},
            "limits": {
                "param.amount": {"max": max_amount},
                "customer/refund/count/P1D": {"max": count - 1}
            },
            "budgets": [{"counter": "customer/refund/sum/P1D", "param": "param.amount", "max": budget}],
            "obligations": ["reason_code"],
            "notify": [],
            "escalation": {"to": "manager", "except_roles": ["manager"]}
        }]
    })
    .to_string()
}

/// [`table`] in format 2, declaring the outcomes `guest_retained` and
/// `complaint_closed`; its one rule aims at `guest_retained`.
pub fn table_v2(digest: &str, max_amount: i64, budget: i64, count: i64) -> String {
    let mut t: Value = serde_json::from_str(&table(digest, max_amount, budget, count)).unwrap();
    t["format"] = json!("remit.table/2");
    t["timezone"] = json!("UTC");
    t["outcomes"] = json!({
        "guest_retained": "The guest stays with us",
        "complaint_closed": "The complaint is closed"
    });
    for (_, c) in t["counters"].as_object_mut().unwrap() {
        let minutes = c["window_minutes"].take();
        let per = c["per"].take();
        let c = c.as_object_mut().unwrap();
        c.remove("window_minutes");
        c.insert("window".into(), json!({"sliding_minutes": minutes}));
        c.insert("per".into(), json!([per]));
    }
    let row = &mut t["rows"][0];
    let budget = row.as_object_mut().unwrap().remove("budgets").unwrap();
    row["scope_relations"] = json!([]);
    row["limit_relations"] = json!([{
        "terms": {budget[0]["counter"].as_str().unwrap(): 1, "param.amount": 1},
        "max": budget[0]["max"]
    }]);
    row["aims"] = json!(["guest_retained"]);
    t.to_string()
}

/// A request body for `customer` by `employee` refunding `amount`.
pub fn refund(customer: &str, employee: &str, amount: i64) -> Value {
    json!({
        "policy": "shop",
        "customer_id": customer,
        "employee_id": employee,
        "role": "clerk",
        "action": "refund",
        "params": {"amount": amount},
        "customer": {"tier": "gold"}
    })
}

/// Writes `text` to `path` atomically (temporary file, then rename).
pub fn write_atomic(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// A service running inside the test process.
pub struct InProcess {
    pub addr: SocketAddr,
    pub dir: tempfile::TempDir,
    pub table: PathBuf,
    stop: Option<oneshot::Sender<()>>,
    done: Option<tokio::task::JoinHandle<Result<(), String>>>,
}

impl InProcess {
    /// Starts a service on `table_json` with `store` (`None`: a fresh
    /// SQLite file) and optional tokens.
    pub async fn start(table_json: &str, store: Option<String>, tokens: Option<&str>) -> InProcess {
        InProcess::start_with(table_json, store, tokens, |_| {}).await
    }

    /// [`InProcess::start`], with `adjust` changing the options first.
    pub async fn start_with(
        table_json: &str,
        store: Option<String>,
        tokens: Option<&str>,
        adjust: impl FnOnce(&mut ServeOptions),
    ) -> InProcess {
        let dir = tempfile::tempdir().unwrap();
        let table = dir.path().join("table.json");
        std::fs::write(&table, table_json).unwrap();
        let tokens = tokens.map(|t| {
            let p = dir.path().join("tokens");
            std::fs::write(&p, t).unwrap();
            p
        });
        let store =
            store.unwrap_or_else(|| format!("sqlite:{}", dir.path().join("usage.db").display()));
        let mut options = ServeOptions {
            tables: vec![table.clone()],
            store,
            listen: "127.0.0.1:0".into(),
            tokens,
            reload_every: Duration::from_millis(50),
            ..ServeOptions::default()
        };
        adjust(&mut options);
        let service = Service::bind(&options).await.unwrap();
        let addr = service.local_addr();
        let (stop, stopped) = oneshot::channel::<()>();
        let done = tokio::spawn(service.serve(async move {
            let _ = stopped.await;
        }));
        InProcess {
            addr,
            dir,
            table,
            stop: Some(stop),
            done: Some(done),
        }
    }

    /// The URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Stops it, draining, and says whether it stopped cleanly.
    pub async fn stop(self) -> Result<(), String> {
        self.shutdown().await.0
    }

    /// Stops it and keeps its directory (the ledger file).
    pub async fn shutdown(mut self) -> (Result<(), String>, tempfile::TempDir) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        let result = match self.done.take() {
            Some(d) => d.await.unwrap(),
            None => Ok(()),
        };
        (result, self.dir)
    }
}

/// An HTTP client with a pool big enough for the concurrency tests.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(128)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// POSTs JSON; answers the status and body.
pub async fn post(c: &reqwest::Client, url: &str, body: &Value) -> (u16, Value) {
    let r = c.post(url).json(body).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// GETs JSON.
pub async fn get(c: &reqwest::Client, url: &str) -> (u16, Value) {
    let r = c.get(url).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// The Prometheus text of `GET /metrics`, with a bearer token if given.
pub async fn metrics(c: &reqwest::Client, url: &str, token: Option<&str>) -> String {
    let mut request = c.get(url);
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    request.send().await.unwrap().text().await.unwrap()
}

/// The PostgreSQL URL for tests, or a SKIP message and `None`; in CI
/// (`CI=true`) a missing PostgreSQL fails the test instead.
pub fn postgres(test: &str) -> Option<String> {
    match std::env::var("REMIT_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => panic!(
            "{test} needs PostgreSQL, and with CI=true it may not be skipped: set REMIT_TEST_POSTGRES (crates/remit-serve/ci-postgres.sh starts a throwaway cluster and does)"
        ),
        _ => {
            eprintln!("SKIP {test}: set REMIT_TEST_POSTGRES to a PostgreSQL URL to run it (crates/remit-serve/ci-postgres.sh starts a throwaway cluster and does)");
            None
        }
    }
}

/// A fresh, empty database on the test cluster, so tests running at the
/// same time never share a ledger.
pub async fn fresh_database(url: &str, name: &str) -> String {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    client
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .unwrap();
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let base = match url.rfind('/') {
        Some(i) if i > url.find("://").map_or(0, |s| s + 2) => &url[..i],
        _ => url,
    };
    let (base, query) = match url.find('?') {
        Some(q) => (&base[..base.len().min(q)], &url[q..]),
        None => (base, ""),
    };
    format!("{base}/{name}{query}")
}

/// The `remit` binary built beside this test binary (`cargo test
/// --workspace` builds it; so does `cargo build -p remit-cli`).
pub fn remit_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(Path::parent).unwrap();
    let bin = dir.join(format!("remit{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "the `remit` binary is not built at `{}`: run `cargo build -p remit-cli` (or `cargo test --workspace`) first",
        bin.display()
    );
    bin
}

/// A `remit serve` process, killed when dropped (a failing test leaves
/// none behind).
pub struct Process {
    pub child: Child,
    pub addr: SocketAddr,
}

impl Drop for Process {
    fn drop(&mut self) {
        // Already reaped when the test stopped it itself.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `remit serve ARGS --listen 127.0.0.1:PORT` and waits until it
/// says where it listens.
pub fn spawn_serve(args: &[&str], listen: &str) -> Process {
    spawn_serve_with(args, listen, Stdio::null())
}

/// [`spawn_serve`] with its standard output going to `stdout`.
pub fn spawn_serve_with(args: &[&str], listen: &str, stdout: Stdio) -> Process {
    let mut child = Command::new(remit_bin())
        .arg("serve")
        .args(args)
        .args(["--listen", listen])
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let addr = loop {
        let line = lines
            .next()
            .unwrap_or_else(|| panic!("`remit serve` exited before listening"))
            .unwrap();
        if let Some(rest) = line.split("listening on http://").nth(1) {
            let addr = rest.split_whitespace().next().unwrap();
            break addr.parse().unwrap();
        }
    };
    // Keep draining its stderr so it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Process { child, addr }
}

/// Sends SIGTERM and waits for a clean exit (the service drains and
/// flushes its decision log first).
pub fn terminate(p: &mut Process) {
    let term = Command::new("kill")
        .args(["-TERM", &p.child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let status = p.child.wait().unwrap();
    assert!(
        status.success(),
        "`remit serve` exited with {status} on SIGTERM"
    );
}

/// The value of the Prometheus sample `name` (with its labels, as
/// exported: `remit_x_total{reason="full"}`), or 0 when it is absent.
pub fn sample(metrics: &str, name: &str) -> f64 {
    metrics
        .lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            (series == name).then(|| value.parse().unwrap())
        })
        .unwrap_or(0.0)
}
