//! Decision latency on a table of about 10,000 rows (a generated policy of
//! 2,000 rules: each expands to about five rows). Target: under 1 µs median
//! per decision.
//!
//! `decide_hot_request` is one request that matches ten permits (a worst
//! case: every matching row must be read for the obligations' union);
//! `decide_mixed_512` decides 512 random requests over the policy's domain
//! per iteration (divide by 512 for the time per decision).

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use remit_analysis::analyze;
use remit_diagnostics::{LintLevels, Sources};
use remit_gen::department_policy;
use remit_table::Evaluator;
use serde_json::{json, Value};
use std::hint::black_box;

/// The allocator the `remit` binary uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn requests(table: &remit_table::Table, n: usize) -> Vec<Value> {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move |m: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % m as u64) as usize
    };
    let roles: Vec<&String> = table.roles.keys().collect();
    let actions: Vec<&String> = table.actions.keys().collect();
    let values = |key: &str| {
        table
            .inputs
            .get(key)
            .and_then(|i| i.values.clone())
            .unwrap_or_default()
    };
    let (tiers, incidents, channels) = (
        values("customer.tier"),
        values("context.incident"),
        values("context.channel"),
    );
    let usage: serde_json::Map<String, Value> = table
        .counters
        .keys()
        .map(|k| (k.clone(), json!(0)))
        .collect();
    (0..n)
        .map(|_| {
            json!({
                "role": roles[next(roles.len())],
                "action": actions[next(actions.len())],
                "params": { "amount": next(200_000) },
                "customer": { "tier": tiers[next(tiers.len())], "tenure_days": next(1000), "flagged": next(10) == 0, "spend": next(1_000_000) },
                "context": { "incident": incidents[next(incidents.len())], "channel": channels[next(channels.len())], "wait": next(120) },
                "usage": usage,
            })
        })
        .collect()
}

fn decide(c: &mut Criterion) {
    let mut sources = Sources::new();
    sources.add("generated.remit", department_policy(2_000));
    let analysis = analyze(sources, "generated", &LintLevels::new());
    let table = analysis
        .lowered
        .format_1
        .unwrap_or_else(|| panic!("a version 1 policy"));
    let evaluator = Evaluator::new(table.clone()).unwrap_or_else(|e| panic!("{e}"));
    let usage: serde_json::Map<String, Value> = table
        .counters
        .keys()
        .map(|k| (k.clone(), json!(0)))
        .collect();
    let hot = json!({
        "role": "d3_lead",
        "action": "act7",
        "params": { "amount": 4000 },
        "customer": { "tier": "gold", "tenure_days": 400, "flagged": false, "spend": 100000 },
        "context": { "incident": "late", "channel": "phone", "wait": 45 },
        "usage": usage,
    });
    let d = evaluator.decide(&hot);
    let candidates = evaluator.explain(&hot).trace.len();
    eprintln!(
        "table: {} rows; hot request: {:?} by {} rules, {candidates} candidate rows",
        table.rows.len(),
        d.decision,
        d.rules.len()
    );
    c.bench_function("decide_hot_request", |b| {
        b.iter(|| evaluator.decide(black_box(&hot)))
    });
    let mix = requests(&table, 512);
    let mut group = c.benchmark_group("decide_mixed");
    group.throughput(Throughput::Elements(mix.len() as u64));
    group.bench_function("512_requests", |b| {
        b.iter(|| {
            mix.iter()
                .filter(|r| evaluator.decide(black_box(r)).errors.is_empty())
                .count()
        })
    });
    group.finish();
}

criterion_group!(benches, decide);
criterion_main!(benches);
