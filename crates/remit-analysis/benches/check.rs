//! `remit check` (parse, check, lower, every lint) on generated policies of
//! 1k, 10k and 50k rules. Target: 10k rules under 1 s on 2 cores.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use remit_analysis::analyze;
use remit_diagnostics::{LintLevels, Sources};
use remit_gen::department_policy;
use std::time::Duration;

/// The allocator the `remit` binary uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn check(c: &mut Criterion) {
    let mut group = c.benchmark_group("check");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20))
        .warm_up_time(Duration::from_secs(2));
    for rules in [1_000, 10_000, 50_000] {
        let text = department_policy(rules);
        group.bench_with_input(BenchmarkId::from_parameter(rules), &text, |b, text| {
            b.iter(|| {
                let mut sources = Sources::new();
                sources.add("generated.remit", text.clone());
                let a = analyze(sources, "generated", &LintLevels::new());
                assert!(!a.has_errors());
                a.diagnostics.len()
            });
        });
    }
    group.finish();
}

criterion_group!(benches, check);
criterion_main!(benches);
