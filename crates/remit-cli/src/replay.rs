//! `remit replay LOG --table new.json`: decide each logged request again,
//! with the counters it was decided on, by another table, and report the
//! real decisions that would change, grouped and worded as `remit diff`
//! groups and words its changes (`remit_analysis::diff`).

use crate::cli::{FailOn, ReplayArgs, ReplayFormat};
use crate::diff::{change_count, print_grouped, Shown};
use crate::stdio::outln;
use crate::{Outcome, UsageError};
use remit_analysis::diff::{change_key, describe, ranges, widens, ChangeKey, ChangeKind};
use remit_serve::decision_log::line::{DecisionLine, LogLine};
use remit_table::v2::InputType;
use remit_table::{Constraint, Decision, Evaluator, Interval};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;

/// How many decision ids each group shows.
const EXAMPLES: usize = 3;
/// How many unreadable lines are listed.
const UNREADABLE_SHOWN: usize = 5;

/// The logged decisions one change covers.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// The acting role.
    pub role: String,
    /// The action.
    pub action: String,
    /// How the decisions change.
    pub kind: ChangeKind,
    /// In words, as `remit diff` says it, over the logged parameters.
    pub description: String,
    /// Whether it widens power.
    pub widens: bool,
    /// How many logged decisions change so.
    pub count: usize,
    /// The first decision ids.
    pub examples: Vec<String>,
    /// The rules behind the logged decisions.
    pub old_rules: Vec<String>,
    /// The rules behind the new ones.
    pub new_rules: Vec<String>,
    /// The first example's logged decision.
    pub old: Decision,
    /// The first example's new decision.
    pub new: Decision,
    /// Per integer parameter (`param.amount`), the smallest and largest
    /// logged value.
    #[serde(skip)]
    span: BTreeMap<String, (i64, i64)>,
}

/// Logged requests the new table could not decide, for one reason.
#[derive(Debug, Clone, Serialize)]
pub struct NotRedecided {
    /// Why.
    pub reason: String,
    /// How many.
    pub count: usize,
    /// The first decision ids.
    pub examples: Vec<String>,
}

/// A line that is not a decision-log line.
#[derive(Debug, Clone, Serialize)]
pub struct Unreadable {
    /// Its number, from 1.
    pub line: usize,
    /// Why.
    pub error: String,
}

/// The outcome of a replay.
#[derive(Debug, Clone, Serialize)]
pub struct Replay {
    /// The policy replayed.
    pub policy: String,
    /// The digest of the table the requests were decided again with.
    pub digest: String,
    /// The logged decisions of the policy.
    pub decisions: usize,
    /// How many of them would change.
    pub changed: usize,
    /// Whether every line was read and every decision decided again: when
    /// false, the changes are real but there may be more.
    pub complete: bool,
    /// The changes, by role, action, kind and description.
    pub changes: Vec<Group>,
    /// Requests the new table could not decide.
    pub not_redecided: Vec<NotRedecided>,
    /// Logged decisions that had request errors (never compared).
    pub logged_with_errors: usize,
    /// Decisions of other policies, by policy (skipped).
    pub other_policies: BTreeMap<String, usize>,
    /// Lines that could not be read.
    pub unreadable: Vec<Unreadable>,
}

pub fn run(args: &ReplayArgs) -> Result<Outcome, UsageError> {
    let text = std::fs::read_to_string(&args.table)
        .map_err(|e| UsageError(format!("cannot read `{}`: {e}", args.table.display())))?;
    let evaluator = Evaluator::from_json(&text)
        .map_err(|e| UsageError(format!("cannot load table `{}`: {e}", args.table.display())))?;
    let report = if args.log == Path::new("-") {
        replay(std::io::stdin().lock(), &evaluator)
    } else {
        let file = std::fs::File::open(&args.log).map_err(|e| {
            UsageError(format!(
                "cannot read the decision log `{}`: {e}",
                args.log.display()
            ))
        })?;
        replay(std::io::BufReader::new(file), &evaluator)
    }
    .map_err(|e| UsageError(format!("cannot read `{}`: {e}", args.log.display())))?;
    if report.decisions == 0 {
        let others: Vec<String> = report
            .other_policies
            .keys()
            .map(|p| format!("`{p}`"))
            .collect();
        return Err(UsageError(format!(
            "the log `{}` has no decisions of policy `{}`{}\n  help: replay a log of the service that served this policy (`remit serve --log`)",
            args.log.display(),
            report.policy,
            if others.is_empty() {
                String::new()
            } else {
                format!("; it has decisions of {}", others.join(", "))
            }
        )));
    }
    match args.format {
        ReplayFormat::Json => outln!("{}", serde_json::to_string_pretty(&report)?),
        ReplayFormat::Human => print_human(&report),
    }
    let failing = !report.complete
        || match args.fail_on {
            FailOn::Any => report.changed > 0,
            FailOn::Widen => report.changes.iter().any(|g| g.widens),
        };
    Ok(if failing {
        Outcome::Failed
    } else {
        Outcome::Clean
    })
}

/// Decides every decision line of `log` again with `evaluator`.
pub fn replay(log: impl BufRead, evaluator: &Evaluator) -> std::io::Result<Replay> {
    let table = evaluator.document();
    let mut report = Replay {
        policy: table.policy.name.clone(),
        digest: table.digest.clone(),
        decisions: 0,
        changed: 0,
        complete: true,
        changes: Vec::new(),
        not_redecided: Vec::new(),
        logged_with_errors: 0,
        other_policies: BTreeMap::new(),
        unreadable: Vec::new(),
    };
    let mut groups: BTreeMap<ChangeKey, Group> = BTreeMap::new();
    let mut failed: BTreeMap<String, NotRedecided> = BTreeMap::new();
    for (n, line) in log.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let d = match serde_json::from_str::<LogLine>(&line) {
            Ok(LogLine::Decision(d)) => d,
            Ok(_) => continue,
            Err(e) => {
                report.unreadable.push(Unreadable {
                    line: n + 1,
                    error: e.to_string(),
                });
                continue;
            }
        };
        if d.policy != report.policy {
            *report.other_policies.entry(d.policy.clone()).or_default() += 1;
            continue;
        }
        report.decisions += 1;
        if !d.decision.errors.is_empty() {
            report.logged_with_errors += 1;
            continue;
        }
        let before = d.decision.to_decision();
        let after = evaluator.decide(&d.request.with_usage(&d.usage));
        if let Some(e) = after.errors.first() {
            let reason = match &e.input {
                Some(input) if d.redacted.contains(input) => {
                    format!("`{input}` is redacted in the log, and the new table reads it")
                }
                _ => e.message.clone(),
            };
            let entry = failed
                .entry(reason.clone())
                .or_insert_with(|| NotRedecided {
                    reason,
                    count: 0,
                    examples: Vec::new(),
                });
            entry.count += 1;
            if entry.examples.len() < EXAMPLES {
                entry.examples.push(d.id.clone());
            }
            continue;
        }
        let Some(key) = change_key(&d.request.role, &d.request.action, &before, &after) else {
            continue;
        };
        report.changed += 1;
        let group = groups.entry(key.clone()).or_insert_with(|| Group {
            role: key.role.clone(),
            action: key.action.clone(),
            kind: key.kind,
            description: String::new(),
            widens: widens(key.kind, &before, &after),
            count: 0,
            examples: Vec::new(),
            old_rules: key.old_rules.clone(),
            new_rules: key.new_rules.clone(),
            old: before,
            new: after,
            span: BTreeMap::new(),
        });
        group.count += 1;
        if group.examples.len() < EXAMPLES {
            group.examples.push(d.id.clone());
        }
        widen_span(&mut group.span, &d, table);
    }
    let money = |key: &str| {
        table
            .inputs
            .get(key)
            .is_some_and(|i| i.ty == InputType::Money)
    };
    let mut changes: Vec<Group> = groups
        .into_values()
        .map(|mut g| {
            let region = g
                .span
                .iter()
                .map(|(k, (min, max))| {
                    let i = Interval {
                        min: Some(*min),
                        max: Some(*max),
                    };
                    (k.clone(), Constraint::Interval(i))
                })
                .collect();
            let range = ranges(&region, table.currency.as_ref(), money);
            g.description = describe(g.kind, &g.old, &g.new, &range);
            g
        })
        .collect();
    changes.sort_by(|a, b| {
        (&a.role, &a.action, a.kind, &a.description).cmp(&(
            &b.role,
            &b.action,
            b.kind,
            &b.description,
        ))
    });
    report.changes = changes;
    report.not_redecided = failed.into_values().collect();
    report.complete = report.unreadable.is_empty() && report.not_redecided.is_empty();
    Ok(report)
}

/// Widens the span of each integer parameter of `table` to `d`'s value.
fn widen_span(
    span: &mut BTreeMap<String, (i64, i64)>,
    d: &DecisionLine,
    table: &remit_table::v2::Table,
) {
    let Some(action) = table.actions.get(&d.request.action) else {
        return;
    };
    for (name, ty) in &action.params {
        if !ty.is_integer() {
            continue;
        }
        let Some(v) = d.request.params.get(name).and_then(Value::as_i64) else {
            continue;
        };
        let e = span.entry(format!("param.{name}")).or_insert((v, v));
        e.0 = e.0.min(v);
        e.1 = e.1.max(v);
    }
}

fn decisions(n: usize) -> String {
    format!("{n} {}", if n == 1 { "decision" } else { "decisions" })
}

fn print_human(report: &Replay) {
    let evidence = |count: usize, examples: &[String]| {
        let more = if count > examples.len() { ", …" } else { "" };
        format!("{}, e.g. {}{more}", decisions(count), examples.join(", "))
    };
    let shown: Vec<Shown<'_>> = report
        .changes
        .iter()
        .map(|g| Shown {
            role: &g.role,
            action: &g.action,
            description: &g.description,
            evidence: evidence(g.count, &g.examples),
        })
        .collect();
    print_grouped(&shown);
    let widening = report.changes.iter().filter(|g| g.widens).count();
    let digest = &report.digest;
    if report.changes.is_empty() {
        outln!(
            "no decision changes: {} of policy `{}` replayed against {digest}",
            decisions(report.decisions),
            report.policy
        );
    } else {
        outln!(
            "\n{} of {} would change against {digest}: {}",
            report.changed,
            decisions(report.decisions),
            change_count(report.changes.len(), widening)
        );
    }
    if report.logged_with_errors > 0 {
        outln!(
            "{} had request errors when logged and are not compared",
            decisions(report.logged_with_errors)
        );
    }
    for (policy, n) in &report.other_policies {
        outln!("skipped {} of policy `{policy}`", decisions(*n));
    }
    if !report.not_redecided.is_empty() {
        outln!("\nincomplete: the new table cannot decide some logged requests again:");
        for f in &report.not_redecided {
            outln!("  {}", f.reason);
            outln!("    {}", evidence(f.count, &f.examples));
        }
    }
    if !report.unreadable.is_empty() {
        outln!(
            "\nincomplete: {} (`remit schema --log`):",
            if report.unreadable.len() == 1 {
                "1 line is not a decision-log line".to_string()
            } else {
                format!(
                    "{} lines are not decision-log lines",
                    report.unreadable.len()
                )
            }
        );
        for u in report.unreadable.iter().take(UNREADABLE_SHOWN) {
            outln!("  line {}: {}", u.line, u.error);
        }
        let more = report.unreadable.len().saturating_sub(UNREADABLE_SHOWN);
        if more > 0 {
            outln!("  and {more} more");
        }
    }
}
