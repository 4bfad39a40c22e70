//! `remit test`

use crate::cli::TestArgs;
use crate::output::{analyze_dir, levels, policy_dirs, print, summary};
use crate::{Outcome, UsageError};
use remit_analysis::testing::run_tests;

pub fn run(args: &TestArgs) -> Result<Outcome, UsageError> {
    let levels = levels(&args.diagnostics)?;
    let mut failed = 0;
    let mut broken = 0;
    for dir in policy_dirs(&args.paths)? {
        let analysis = analyze_dir(&dir, &levels)?;
        let (errors, _, text) = summary(&[&analysis]);
        if errors > 0 {
            print(&[&analysis], &args.diagnostics);
            println!(
                "error: `{}` does not compile ({text}); its tests were not run\n",
                dir.display()
            );
            broken += 1;
            continue;
        }
        let results = run_tests(&analysis.checked.model, &analysis.lowered.table)?;
        let results: Vec<_> = results
            .into_iter()
            .filter(|r| {
                args.filter
                    .as_ref()
                    .is_none_or(|f| r.name.contains(f.as_str()))
            })
            .collect();
        println!(
            "running {} test{} in {}",
            results.len(),
            if results.len() == 1 { "" } else { "s" },
            analysis.checked.model.name
        );
        for r in &results {
            println!(
                "test {} ... {}",
                r.name,
                if r.passed { "ok" } else { "FAILED" }
            );
        }
        let failures: Vec<_> = results.iter().filter(|r| !r.passed).collect();
        if !failures.is_empty() {
            println!("\nfailures:");
            for r in &failures {
                let at = analysis.sources.line_col(r.span);
                println!(
                    "\n---- {} ({}:{}:{}) ----",
                    r.name,
                    analysis.sources.name(r.span.file),
                    at.line,
                    at.column
                );
                println!("expected: {}", r.expected);
                println!("  actual: {}", r.actual);
                println!("explanation:");
                if r.explanation.trace.is_empty() {
                    println!("  no rule applies to this role and action");
                }
                for t in &r.explanation.trace {
                    println!(
                        "  {} (row {}, {}): {}: {}",
                        t.rule,
                        t.row,
                        t.effect.as_str(),
                        t.outcome.as_str(),
                        t.detail
                    );
                }
            }
        }
        let p = results.len() - failures.len();
        println!(
            "\ntest result: {}. {p} passed; {} failed\n",
            if failures.is_empty() { "ok" } else { "FAILED" },
            failures.len()
        );
        failed += failures.len();
    }
    if broken > 0 {
        println!(
            "{broken} {} did not compile",
            if broken == 1 { "policy" } else { "policies" }
        );
    }
    Ok(if failed > 0 || broken > 0 {
        Outcome::Failed
    } else {
        Outcome::Clean
    })
}
