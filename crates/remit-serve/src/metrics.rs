//! Prometheus metrics: decisions by policy, result and rule, latency,
//! holds, store errors, outcomes, table reloads and the decision log.

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
    /// Decisions by policy, result and deciding rule (a decision with two
    /// rules counts once for each; the table's default is rule `""`).
    pub rules: IntCounterVec,
    /// The time from a request's arrival to its decision (ledger reads and
    /// evaluation), by endpoint and policy.
    pub decision_latency: HistogramVec,
    /// Outcomes recorded, by policy, outcome and whether achieved.
    pub outcomes: IntCounterVec,
    /// Decision-log lines written.
    pub log_lines: IntCounter,
    /// Decision-log lines dropped, by reason (`full`: the writer was
    /// behind; `write_error`: the file could not be written).
    pub log_dropped: IntCounterVec,
    /// Decision-log files rotated.
    pub log_rotations: IntCounter,
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
        let rules = IntCounterVec::new(
            Opts::new(
                "remit_decision_rules_total",
                "Decisions by policy, result and deciding rule (\"\" for the default)",
            ),
            &["policy", "decision", "rule"],
        )?;
        let decision_latency = HistogramVec::new(
            HistogramOpts::new(
                "remit_decision_duration_seconds",
                "From a request's arrival to its decision, ledger included",
            )
            .buckets(vec![
                0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
            ]),
            &["endpoint", "policy"],
        )?;
        let outcomes = IntCounterVec::new(
            Opts::new(
                "remit_outcomes_total",
                "Outcomes recorded, by policy, outcome and whether achieved",
            ),
            &["policy", "outcome", "achieved"],
        )?;
        let log_lines = IntCounter::new(
            "remit_log_lines_written_total",
            "Decision-log lines written",
        )?;
        let log_dropped = IntCounterVec::new(
            Opts::new(
                "remit_log_lines_dropped_total",
                "Decision-log lines dropped, by reason (full, write_error)",
            ),
            &["reason"],
        )?;
        // Both reasons are exported from the start, at 0: an alert on
        // them needs the series before the first drop.
        for reason in ["full", "write_error"] {
            log_dropped.with_label_values(&[reason]);
        }
        let log_rotations =
            IntCounter::new("remit_log_rotations_total", "Decision-log files rotated")?;
        registry.register(Box::new(rules.clone()))?;
        registry.register(Box::new(decision_latency.clone()))?;
        registry.register(Box::new(outcomes.clone()))?;
        registry.register(Box::new(log_lines.clone()))?;
        registry.register(Box::new(log_dropped.clone()))?;
        registry.register(Box::new(log_rotations.clone()))?;
        Ok(Metrics {
            registry,
            decisions,
            latency,
            clients,
            holds,
            store_errors,
            reloads,
            keys_pruned,
            rules,
            decision_latency,
            outcomes,
            log_lines,
            log_dropped,
            log_rotations,
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
