//! `remit diff`

use crate::cli::{DiffArgs, DiffFormat, FailOn};
use crate::output::{analyze_dir, policy_dirs, print};
use crate::stdio::outln;
use crate::{Outcome, UsageError};
use remit_analysis::diff::{diff, Change, Diff};
use remit_diagnostics::LintLevels;
use remit_table::{Evaluator, Table};
use std::path::Path;

pub fn run(args: &DiffArgs) -> Result<Outcome, UsageError> {
    let old = load(&args.old)?;
    let new = load(&args.new)?;
    let report = diff(&old, &new).map_err(|e| UsageError(e.to_string()))?;
    match args.format {
        DiffFormat::Json => outln!("{}", serde_json::to_string_pretty(&report)?),
        DiffFormat::Human => print_human(&report),
    }
    // An incomplete diff cannot show that nothing (widening) changed.
    let failing = !report.complete
        || match args.fail_on {
            FailOn::Any => !report.changes.is_empty(),
            FailOn::Widen => report.changes.iter().any(Change::widens),
        };
    Ok(if failing {
        Outcome::Failed
    } else {
        Outcome::Clean
    })
}

/// A compiled table (`.json`) or a policy, compiled here.
fn load(path: &Path) -> Result<Table, UsageError> {
    if path.extension().is_some_and(|e| e == "json") {
        let text = std::fs::read_to_string(path)
            .map_err(|e| UsageError(format!("cannot read `{}`: {e}", path.display())))?;
        let evaluator = Evaluator::from_json(&text)
            .map_err(|e| UsageError(format!("cannot load table `{}`: {e}", path.display())))?;
        return evaluator
            .table()
            .cloned()
            .or_else(|| evaluator.document().to_format_1())
            .ok_or_else(|| {
                UsageError(format!(
                    "`{}` uses version 1.1 forms (relations, keyed or calendar counters, optional facts, dates or times), which `remit diff` does not compare yet",
                    path.display()
                ))
            });
    }
    let dirs = policy_dirs(std::slice::from_ref(&path.to_path_buf()))?;
    let [dir] = dirs.as_slice() else {
        return Err(UsageError(format!(
            "`{}` holds {} policies; `remit diff` compares one with one",
            path.display(),
            dirs.len()
        )));
    };
    let analysis = analyze_dir(dir, &LintLevels::new())?;
    if analysis.checked.has_errors() {
        print(
            &[&analysis],
            &crate::cli::DiagnosticArgs {
                format: crate::cli::Format::Human,
                color: crate::cli::Color::Never,
                deny: vec![],
                warn: vec![],
                allow: vec![],
            },
        );
        return Err(UsageError(format!(
            "`{}` does not compile; fix it before comparing",
            path.display()
        )));
    }
    analysis
        .lowered
        .format_1
        .as_deref()
        .cloned()
        .ok_or_else(|| {
            UsageError(format!(
                "`{}` uses version 1.1 forms (relations, keyed or calendar counters, optional facts, dates or times), which `remit diff` does not compare yet",
                path.display()
            ))
        })
}

fn print_human(report: &Diff) {
    let changes = &report.changes;
    if changes.is_empty() && report.complete {
        outln!("no decision changes");
        return;
    }
    let shown: Vec<Shown<'_>> = changes
        .iter()
        .map(|c| Shown {
            role: &c.role,
            action: &c.action,
            description: &c.description,
            evidence: format!("witness: {}", c.witness),
        })
        .collect();
    print_grouped(&shown);
    let widening = changes.iter().filter(|c| c.widens()).count();
    if !changes.is_empty() {
        outln!("\n{}", change_count(changes.len(), widening));
    }
    if !report.complete {
        const SHOWN: usize = 5;
        let pairs: Vec<String> = report
            .unexamined
            .iter()
            .take(SHOWN)
            .map(|p| format!("{} · {}", p.role, p.action))
            .collect();
        let more = report.unexamined.len().saturating_sub(SHOWN);
        outln!(
            "\nincomplete: the diff stopped at its work bound of {} steps; not compared to the end: {}{}",
            report.budget,
            pairs.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        );
        outln!("the changes above are real, but there may be others; split the policy or compare fewer changed rules at a time");
    }
}

/// One change as `remit diff` and `remit replay` print it: under its role
/// and action, its description, then what shows it (a witness request, or
/// the logged decisions it changes).
pub(crate) struct Shown<'a> {
    /// The acting role.
    pub role: &'a str,
    /// The action.
    pub action: &'a str,
    /// The change in words ([`remit_analysis::diff::describe`]).
    pub description: &'a str,
    /// What shows it.
    pub evidence: String,
}

/// Prints changes under a `role · action` line per group (they come
/// sorted by role and action).
pub(crate) fn print_grouped(changes: &[Shown<'_>]) {
    let mut group: Option<(&str, &str)> = None;
    for c in changes {
        if group != Some((c.role, c.action)) {
            outln!("{} · {}", c.role, c.action);
            group = Some((c.role, c.action));
        }
        outln!("  {}", c.description);
        outln!("    {}", c.evidence);
    }
}

/// "3 changes, 1 widening power".
pub(crate) fn change_count(changes: usize, widening: usize) -> String {
    format!(
        "{changes} {}, {widening} widening power",
        if changes == 1 { "change" } else { "changes" }
    )
}
