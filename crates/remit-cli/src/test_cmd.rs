//! `remit test`

use crate::cli::TestArgs;
use crate::output::{analyze_dir, levels, policy_dirs, print};
use crate::stdio::outln;
use crate::{Outcome, UsageError};
use remit_analysis::testing::run_tests;
use remit_analysis::Analysis;
use remit_diagnostics::Diagnostic;

pub fn run(args: &TestArgs) -> Result<Outcome, UsageError> {
    let levels = levels(&args.diagnostics)?;
    let mut failed = 0;
    let mut broken = 0;
    let mut flagged = 0;
    for dir in policy_dirs(&args.paths)? {
        let analysis = analyze_dir(&dir, &levels)?;
        let (compile_errors, analysis_errors): (Vec<&Diagnostic>, Vec<&Diagnostic>) = analysis
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .partition(|d| !d.code.is_lint());
        if !compile_errors.is_empty() || !analysis_errors.is_empty() {
            print(&[&analysis], &args.diagnostics);
        }
        if !compile_errors.is_empty() {
            outln!(
                "error: `{}` does not compile, so its tests were not run; {} stop{} them:",
                dir.display(),
                count(compile_errors.len(), "error"),
                if compile_errors.len() == 1 { "s" } else { "" },
            );
            list(&analysis, &compile_errors);
            outln!();
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
        outln!(
            "running {} test{} in {}",
            results.len(),
            if results.len() == 1 { "" } else { "s" },
            analysis.checked.model.name
        );
        for r in &results {
            outln!(
                "test {} ... {}",
                r.name,
                if r.passed { "ok" } else { "FAILED" }
            );
        }
        let failures: Vec<_> = results.iter().filter(|r| !r.passed).collect();
        if !failures.is_empty() {
            outln!("\nfailures:");
            for r in &failures {
                let at = analysis.sources.line_col(r.span);
                outln!(
                    "\n---- {} ({}:{}:{}) ----",
                    r.name,
                    analysis.sources.name(r.span.file),
                    at.line,
                    at.column
                );
                outln!("expected: {}", r.expected);
                outln!("  actual: {}", r.actual);
                outln!("explanation:");
                if r.explanation.trace.is_empty() {
                    outln!("  no rule applies to this role and action");
                }
                for t in &r.explanation.trace {
                    outln!(
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
        outln!(
            "\ntest result: {}. {p} passed; {} failed\n",
            if failures.is_empty() { "ok" } else { "FAILED" },
            failures.len()
        );
        failed += failures.len();
        if !analysis_errors.is_empty() {
            // Lint findings do not change the table, so the results above
            // stand; the policy still fails, as `check` and `build` refuse it.
            outln!(
                "error: `{}` has {} from the analysis, so `remit check` and `remit build` refuse it; its tests ran, as the analysis does not change the decision table:",
                dir.display(),
                count(analysis_errors.len(), "error"),
            );
            list(&analysis, &analysis_errors);
            outln!();
            flagged += 1;
        }
    }
    if broken > 0 {
        outln!("{} did not compile", policies(broken));
    }
    if flagged > 0 {
        outln!(
            "{} {} analysis errors",
            policies(flagged),
            if flagged == 1 { "has" } else { "have" }
        );
    }
    Ok(if failed > 0 || broken > 0 || flagged > 0 {
        Outcome::Failed
    } else {
        Outcome::Clean
    })
}

/// One line per error: code, name, place and message.
fn list(analysis: &Analysis, errors: &[&Diagnostic]) {
    for d in errors {
        let at = analysis.sources.line_col(d.primary.span);
        let code = if d.code.is_lint() {
            d.code.name.to_string()
        } else {
            format!("{} {}", d.code.id, d.code.name)
        };
        outln!(
            "  {code} at {}:{}:{}: {}",
            analysis.sources.name(d.primary.span.file),
            at.line,
            at.column,
            d.message
        );
    }
}

/// "1 error", "2 errors"
fn count(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// "1 policy", "2 policies"
fn policies(n: usize) -> String {
    if n == 1 {
        "1 policy".to_string()
    } else {
        format!("{n} policies")
    }
}
