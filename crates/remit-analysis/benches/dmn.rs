//! The shape of the published DMN decision-table analyses (Calvanese et
//! al., Information Systems 2018): one role and one action, 500 to 1,500
//! rules over 3, 7 and 15 attributes, about 10% overlapping. Their
//! JavaScript implementation took ~196 s for 1,514 rules × 15 columns and
//! ~30 s for 1,500 × 9; our target is under 1 s for every size.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use remit_analysis::analyze;
use remit_diagnostics::{LintLevels, Sources};
use remit_gen::overlap_table;
use std::time::Duration;

/// The allocator the `remit` binary uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn dmn(c: &mut Criterion) {
    let mut group = c.benchmark_group("dmn_overlaps");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10))
        .warm_up_time(Duration::from_secs(1));
    for rules in [500, 1_000, 1_500] {
        for attributes in [3, 7, 15] {
            let text = overlap_table(rules, attributes);
            let findings = {
                let mut sources = Sources::new();
                sources.add("dmn.remit", text.clone());
                analyze(sources, "dmn", &LintLevels::new())
                    .diagnostics
                    .iter()
                    .filter(|d| d.code.name == "conflicting_outcomes")
                    .count()
            };
            eprintln!("dmn {rules} rules x {attributes} attributes: {findings} conflicting_outcomes findings");
            group.bench_with_input(
                BenchmarkId::new(format!("{attributes}_attributes"), rules),
                &text,
                |b, text| {
                    b.iter(|| {
                        let mut sources = Sources::new();
                        sources.add("dmn.remit", text.clone());
                        analyze(sources, "dmn", &LintLevels::new())
                            .diagnostics
                            .len()
                    });
                },
            );
        }
    }
    group.finish();
}

criterion_group!(benches, dmn);
criterion_main!(benches);
