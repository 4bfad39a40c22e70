//! Prometheus metrics: decisions by result, latency, holds, store errors,
//! table reloads.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};

/// The service's metrics.
pub struct Metrics {
    registry: Registry,
    /// Decisions by endpoint, policy and result.
    pub decisions: IntCounterVec,
    /// Request latency by route and status.
    pub latency: HistogramVec,
    /// Requests by client name (from `--tokens`; `anonymous` on loopback).
    pub clients: IntCounterVec,
    /// Live holds (read from the ledger at each scrape).
    pub holds: IntGauge,
    /// Ledger errors (each one answered 503).
    pub store_errors: IntCounter,
    /// Table reloads by result (`loaded`, `refused`).
    pub reloads: IntCounterVec,
    /// Idempotency keys forgotten after their retention.
    pub keys_pruned: IntCounter,
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new();
        let decisions = IntCounterVec::new(
            Opts::new(
                "remit_decisions_total",
                "Decisions by endpoint, policy and result",
            ),
            &["endpoint", "policy", "decision"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new("remit_request_duration_seconds", "Request latency").buckets(vec![
                0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0,
            ]),
            &["route", "status"],
        )?;
        let clients = IntCounterVec::new(
            Opts::new("remit_requests_total", "Requests by client name"),
            &["client"],
        )?;
        let holds = IntGauge::new(
            "remit_holds_live",
            "Holds not yet committed, released or expired",
        )?;
        let store_errors = IntCounter::new("remit_store_errors_total", "Ledger errors")?;
        let reloads = IntCounterVec::new(
            Opts::new("remit_table_reloads_total", "Table reloads by result"),
            &["result"],
        )?;
        registry.register(Box::new(decisions.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(clients.clone()))?;
        registry.register(Box::new(holds.clone()))?;
        registry.register(Box::new(store_errors.clone()))?;
        let keys_pruned = IntCounter::new(
            "remit_idempotency_keys_pruned_total",
            "Idempotency keys forgotten after their retention",
        )?;
        registry.register(Box::new(reloads.clone()))?;
        registry.register(Box::new(keys_pruned.clone()))?;
        Ok(Metrics {
            registry,
            decisions,
            latency,
            clients,
            holds,
            store_errors,
            reloads,
            keys_pruned,
        })
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        // Encoding into a Vec cannot fail for well-formed metrics.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}
