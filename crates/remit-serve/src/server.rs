//! Starting, serving and draining.

use crate::api::{self, AppState};
use crate::auth::Tokens;
use crate::decision_log::{DecisionLog, LogOptions};
use crate::ledger;
use crate::metrics::Metrics;
use crate::prune;
use crate::tables::Tables;
use axum::serve::ListenerExt;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// How `remit serve` was started.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// One table per policy.
    pub tables: Vec<PathBuf>,
    /// `sqlite:PATH` or `postgres://…`.
    pub store: String,
    /// The address to listen on.
    pub listen: String,
    /// `name:token` lines; required beyond loopback.
    pub tokens: Option<PathBuf>,
    /// How often table files are checked for changes.
    pub reload_every: Duration,
    /// How long an idempotency key is remembered (24 hours).
    pub idempotency_retention: Duration,
    /// How often forgotten keys are pruned (every minute).
    pub prune_every: Duration,
    /// The decision log (`--log`), if any.
    pub log: Option<LogOptions>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            tables: Vec::new(),
            store: "sqlite:remit-usage.db".into(),
            listen: "127.0.0.1:7878".into(),
            tokens: None,
            reload_every: Duration::from_millis(500),
            idempotency_retention: prune::IDEMPOTENCY_RETENTION,
            prune_every: prune::PRUNE_EVERY,
            log: None,
        }
    }
}

/// A bound service, ready to serve.
pub struct Service {
    listener: TcpListener,
    addr: SocketAddr,
    state: Arc<AppState>,
    reload_every: Duration,
    idempotency_retention: Duration,
    prune_every: Duration,
}

impl Service {
    /// Loads the tables and tokens, opens (and migrates) the ledger and
    /// binds the address. Refuses to listen beyond loopback without
    /// tokens.
    pub async fn bind(options: &ServeOptions) -> Result<Service, String> {
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host(&options.listen)
            .await
            .map_err(|e| {
                format!(
                    "cannot listen on `{}`: {e}\n  help: give `--listen HOST:PORT`, e.g. `127.0.0.1:7878`",
                    options.listen
                )
            })?
            .collect();
        let Some(addr) = addrs.first().copied() else {
            return Err(format!("`{}` names no address", options.listen));
        };
        let tokens = options.tokens.as_deref().map(Tokens::load).transpose()?;
        if tokens.is_none() {
            if let Some(open) = addrs.iter().find(|a| !a.ip().is_loopback()) {
                return Err(format!(
                    "refusing to listen on `{open}` without `--tokens`: anyone who can reach it could spend every budget\n  help: pass `--tokens FILE` (one `name:token` a line), or listen on loopback (`--listen 127.0.0.1:7878`)"
                ));
            }
        }
        let tables = Arc::new(Tables::load(&options.tables)?);
        let ledger = ledger::open(&options.store)
            .await
            .map_err(|e| format!("cannot open the usage ledger `{}`: {e}", options.store))?;
        let metrics = Metrics::new().map_err(|e| format!("cannot register metrics: {e}"))?;
        let log = options
            .log
            .as_ref()
            .map(|l| DecisionLog::open(l, &metrics))
            .transpose()?;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| format!("cannot listen on `{addr}`: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        Ok(Service {
            listener,
            addr,
            state: Arc::new(AppState {
                tables,
                ledger,
                tokens,
                metrics,
                log,
            }),
            reload_every: options.reload_every,
            idempotency_retention: options.idempotency_retention,
            prune_every: options.prune_every,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until `shutdown` completes, then drains in-flight requests.
    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), String> {
        let s = &self.state;
        let policies: Vec<String> = s
            .tables
            .all()
            .iter()
            .map(|p| format!("`{}` {}", p.name, p.digest))
            .collect();
        eprintln!(
            "remit serve: listening on http://{} ({}; ledger {} {}{}{})",
            self.addr,
            policies.join(", "),
            s.ledger.kind(),
            s.ledger.location(),
            match &s.log {
                Some(log) => format!("; decision log {}", log.status()["target"]),
                None => String::new(),
            },
            if s.tokens.is_some() {
                ""
            } else {
                "; no `--tokens`, so loopback only"
            }
        );
        let watcher = {
            let state = s.clone();
            let every = self.reload_every;
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(every);
                loop {
                    tick.tick().await;
                    let tables = state.tables.clone();
                    if let Ok(r) = tokio::task::spawn_blocking(move || tables.poll()).await {
                        state
                            .metrics
                            .reloads
                            .with_label_values(&["loaded"])
                            .inc_by(r.loaded);
                        state
                            .metrics
                            .reloads
                            .with_label_values(&["refused"])
                            .inc_by(r.refused);
                    }
                }
            })
        };
        let pruner = tokio::spawn(prune::keep_pruning(
            s.clone(),
            self.idempotency_retention,
            self.prune_every,
        ));
        let app = api::router(self.state.clone());
        // Answers are small and latency matters: no Nagle delay.
        let listener = self.listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await;
        watcher.abort();
        pruner.abort();
        let state = self.state.clone();
        // Every line of a drained request is written before the exit.
        let _ = tokio::task::spawn_blocking(move || {
            if let Some(log) = &state.log {
                log.close();
            }
        })
        .await;
        served.map_err(|e| format!("the server stopped: {e}"))?;
        eprintln!("remit serve: drained, stopped");
        Ok(())
    }
}

/// Completes on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// `remit serve`: bind, serve until SIGTERM, drain.
pub async fn run(options: ServeOptions) -> Result<(), String> {
    Service::bind(&options)
        .await?
        .serve(shutdown_signal())
        .await
}
