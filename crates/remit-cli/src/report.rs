//! `remit report LOG --policy PATH -o DIR`: the decision log measured
//! against the policy's outcomes, per rule and per role, as Markdown
//! (`report.md`) and a self-contained HTML page with SVG charts
//! (`report.html`), in words and units a service manager reads
//! (docs/cli.md, "remit report").
//!
//! The log is read with the service's own line types
//! (`remit_serve::decision_log::line`). Every figure belongs to the period
//! of the decision that made it: a use, its money and its outcomes count
//! where the use was decided, whenever they were committed or recorded.

use crate::atomic_write::write_atomically;
use crate::cli::ReportArgs;
use crate::output::{analyze_dir, policy_dirs};
use crate::stdio::errln;
use crate::{Outcome, UsageError};
use jiff::{civil::Date, tz::TimeZone, Timestamp};
use remit_analysis::describe::humanize;
use remit_diagnostics::LintLevels;
use remit_sema::model::Currency;
use remit_sema::units::format_money;
use remit_serve::decision_log::line::{DecisionLine, LogLine, OutcomeLine, UseLine};
use remit_table::v2::{InputType, Table};
use remit_table::Outcome as Effect;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::BufRead;
use std::path::Path;

mod chart;

/// How many unreadable lines are named on standard error and in the report.
const UNREADABLE_SHOWN: usize = 5;

/// The key of the decisions no rule made (the table's default).
const DEFAULT_RULE: &str = "";

pub fn run(args: &ReportArgs) -> Result<Outcome, UsageError> {
    let period = Period::parse(args.from.as_deref(), args.to.as_deref())?;
    let policy = load_policy(&args.policy)?;
    let figures = if args.log == Path::new("-") {
        tally(std::io::stdin().lock(), &policy.table, &period)
    } else {
        let file = std::fs::File::open(&args.log).map_err(|e| {
            UsageError(format!(
                "cannot read the decision log `{}`: {e}\n  help: give the file `remit serve --log PATH` writes, or `-` for standard input",
                args.log.display()
            ))
        })?;
        tally(std::io::BufReader::new(file), &policy.table, &period)
    }
    .map_err(|e| UsageError(format!("cannot read `{}`: {e}", args.log.display())))?;
    for u in figures.unreadable.iter().take(UNREADABLE_SHOWN) {
        errln!(
            "warning: line {} of `{}` is not a decision-log line and is skipped: {}",
            u.0,
            args.log.display(),
            u.1
        );
    }
    if figures.unreadable.len() > UNREADABLE_SHOWN {
        errln!(
            "warning: and {} more unreadable lines",
            figures.unreadable.len() - UNREADABLE_SHOWN
        );
    }
    if figures.decisions == 0 {
        let mut why = String::new();
        if figures.outside_period > 0 {
            let _ = write!(
                why,
                "; {} of its decisions are outside the period",
                figures.outside_period
            );
        }
        let others: Vec<String> = figures
            .other_policies
            .keys()
            .map(|p| format!("`{p}`"))
            .collect();
        if !others.is_empty() {
            let _ = write!(why, "; it has decisions of {}", others.join(", "));
        }
        return Err(UsageError(format!(
            "the log `{}` has no decisions of policy `{}` to report{why}\n  help: report on a log of the service that served this policy (`remit serve --log`), over a period that has decisions (`--from`, `--to`)",
            args.log.display(),
            policy.table.policy.name
        )));
    }
    let log_name = if args.log == Path::new("-") {
        "the decision log on standard input".to_string()
    } else {
        let name = args.log.file_name().map_or_else(
            || args.log.display().to_string(),
            |n| n.to_string_lossy().into(),
        );
        format!("the decision log `{name}`")
    };
    let doc = Document {
        policy: &policy,
        figures: &figures,
        period: &period,
        log_name: &log_name,
    };
    std::fs::create_dir_all(&args.output)
        .map_err(|e| UsageError(format!("cannot create `{}`: {e}", args.output.display())))?;
    let md = args.output.join("report.md");
    let html = args.output.join("report.html");
    write_atomically(&md, &doc.markdown())?;
    write_atomically(&html, &doc.html()?)?;
    errln!("wrote {} and {}", md.display(), html.display());
    if !figures.unreadable.is_empty() {
        errln!(
            "incomplete: {} of `{}` could not be read and are not counted (`remit schema --log` describes a line)",
            lines(figures.unreadable.len()),
            args.log.display()
        );
        return Ok(Outcome::Failed);
    }
    Ok(Outcome::Clean)
}

fn lines(n: usize) -> String {
    count(n as u64, "line")
}

/// `1 decision`, `2 decisions`.
fn count(n: u64, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// The period reported: `from` included, `to` excluded.
#[derive(Debug, Clone, Default)]
pub struct Period {
    from: Option<Timestamp>,
    to: Option<Timestamp>,
}

impl Period {
    fn parse(from: Option<&str>, to: Option<&str>) -> Result<Period, UsageError> {
        let period = Period {
            from: from.map(|s| instant("--from", s, false)).transpose()?,
            to: to.map(|s| instant("--to", s, true)).transpose()?,
        };
        if let (Some(f), Some(t)) = (period.from, period.to) {
            if f >= t {
                return Err(UsageError(format!(
                    "`--from {}` is not before `--to {}`, so the period is empty\n  help: give `--from` the first day and `--to` the last (a date includes the whole day)",
                    from.unwrap_or_default(),
                    to.unwrap_or_default()
                )));
            }
        }
        Ok(period)
    }

    fn contains(&self, at: Timestamp) -> bool {
        self.from.is_none_or(|f| at >= f) && self.to.is_none_or(|t| at < t)
    }

    fn words(&self) -> String {
        let show = |t: Timestamp| t.strftime("%Y-%m-%d %H:%M UTC").to_string();
        match (self.from, self.to) {
            (None, None) => "every decision in the log".into(),
            (Some(f), None) => format!("decisions from {}", show(f)),
            (None, Some(t)) => format!("decisions before {}", show(t)),
            (Some(f), Some(t)) => format!("decisions from {} until {}", show(f), show(t)),
        }
    }
}

/// An RFC 3339 datetime, or a date: its first moment in UTC, or for `--to`
/// the first moment of the next day (a date includes the whole day).
fn instant(flag: &str, text: &str, end: bool) -> Result<Timestamp, UsageError> {
    if let Ok(t) = text.parse::<Timestamp>() {
        return Ok(t);
    }
    let bad = |why: String| {
        UsageError(format!(
            "`{flag} {text}` is not a date or an RFC 3339 time: {why}\n  help: write a date such as `2026-12-01` or a time with its offset such as `2026-12-01T09:00:00Z`"
        ))
    };
    let date = text.parse::<Date>().map_err(|e| bad(e.to_string()))?;
    let day = if end {
        date.tomorrow().map_err(|e| bad(e.to_string()))?
    } else {
        date
    };
    day.to_zoned(TimeZone::UTC)
        .map(|z| z.timestamp())
        .map_err(|e| bad(e.to_string()))
}

/// The policy the log was served with, and the words for its names.
pub struct Policy {
    table: Table,
    /// Rule name → its doc comment's first line.
    rule_docs: BTreeMap<String, String>,
    /// The policy's doc comment's first line.
    doc: Option<String>,
}

/// A compiled table (`.json`), or a policy's sources, compiled here (then
/// the rules' doc comments describe them).
fn load_policy(path: &Path) -> Result<Policy, UsageError> {
    if path.extension().is_some_and(|e| e == "json") {
        let text = std::fs::read_to_string(path)
            .map_err(|e| UsageError(format!("cannot read `{}`: {e}", path.display())))?;
        let evaluator = remit_table::Evaluator::from_json(&text)
            .map_err(|e| UsageError(format!("cannot load table `{}`: {e}", path.display())))?;
        return Ok(Policy {
            table: evaluator.document().clone(),
            rule_docs: BTreeMap::new(),
            doc: None,
        });
    }
    let dirs = policy_dirs(std::slice::from_ref(&path.to_path_buf()))?;
    let [dir] = dirs.as_slice() else {
        return Err(UsageError(format!(
            "`{}` holds {} policies; `remit report` reports on one\n  help: name its directory with `--policy`",
            path.display(),
            dirs.len()
        )));
    };
    let analysis = analyze_dir(dir, &LintLevels::new())?;
    if analysis.checked.has_errors() {
        return Err(UsageError(format!(
            "`{}` does not compile\n  help: run `remit check` on it, or give the table the service served (`--policy table.json`)",
            dir.display()
        )));
    }
    let model = &analysis.checked.model;
    Ok(Policy {
        table: (*analysis.lowered.table).clone(),
        rule_docs: model
            .rules
            .iter()
            .filter_map(|r| Some((r.name.clone(), first_line(r.doc.as_deref())?)))
            .collect(),
        doc: first_line(model.doc.as_deref()),
    })
}

fn first_line(doc: Option<&str>) -> Option<String> {
    let first = doc?.lines().next()?.trim().trim_end_matches('.').trim();
    (!first.is_empty()).then(|| first.to_string())
}

/// What one rule or role did in the period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Decisions it made.
    pub decisions: u64,
    /// Permits.
    pub permits: u64,
    /// Committed uses.
    pub uses: u64,
    /// Money of the committed uses, minor units.
    pub money: i64,
    /// Escalations.
    pub escalations: u64,
    /// Escalation target → how many.
    pub targets: BTreeMap<String, u64>,
    /// Denials.
    pub denials: u64,
}

/// One rule's uses measured against one outcome it aims at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Aim {
    /// Committed uses that aimed at it.
    pub uses: u64,
    /// Their money, minor units.
    pub money: i64,
    /// Uses with the outcome recorded.
    pub recorded: u64,
    /// Of those, achieved.
    pub achieved: u64,
}

/// A permitted use, followed through the log.
#[derive(Debug, Clone)]
struct Use {
    rules: Vec<String>,
    role: String,
    aims: Vec<String>,
    /// The decided amount (the money parameter), minor units.
    decided: i64,
    /// The commit's final amount.
    committed: Option<i64>,
    released: bool,
    /// Outcome → achieved (the first record stands).
    outcomes: BTreeMap<String, bool>,
}

/// The figures of a log.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    /// Decisions of the policy in the period.
    pub decisions: u64,
    /// Of which permits, escalations, denials.
    pub total: Tally,
    /// Per rule (`""`: the default).
    pub rules: BTreeMap<String, Tally>,
    /// Per acting role.
    pub roles: BTreeMap<String, Tally>,
    /// Per (rule, outcome).
    pub aims: BTreeMap<(String, String), Aim>,
    /// Decisions with request errors (denied).
    pub with_errors: u64,
    /// Permitted uses neither committed nor released in the log.
    pub open: u64,
    /// Released holds.
    pub released: u64,
    /// Decisions of the policy outside the period.
    pub outside_period: u64,
    /// Decisions of other policies.
    pub other_policies: BTreeMap<String, u64>,
    /// Commit, release or outcome lines for uses whose decision is not in
    /// the log (an earlier, rotated file).
    pub orphans: u64,
    /// Tables (digests) that decided, and how many decisions each.
    pub digests: BTreeMap<String, u64>,
    /// Line number and why, for lines that are not log lines.
    pub unreadable: Vec<(usize, String)>,
}

/// Reads `log` and counts every figure of the report.
pub fn tally(log: impl BufRead, table: &Table, period: &Period) -> std::io::Result<Figures> {
    let mut f = Figures::default();
    let mut uses: BTreeMap<String, Use> = BTreeMap::new();
    // Uses decided outside the period: their commits and outcomes are
    // not counted, and not orphans either.
    let mut outside: BTreeSet<String> = BTreeSet::new();
    let policy = &table.policy.name;
    for (n, line) in log.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let parsed = match serde_json::from_str::<LogLine>(&line) {
            Ok(l) => l,
            Err(e) => {
                f.unreadable.push((n + 1, e.to_string()));
                continue;
            }
        };
        let line_policy = match &parsed {
            LogLine::Decision(d) => &d.policy,
            LogLine::Commit(u) | LogLine::Release(u) => &u.policy,
            LogLine::Outcome(o) => &o.policy,
        };
        if line_policy != policy {
            if let LogLine::Decision(d) = &parsed {
                *f.other_policies.entry(d.policy.clone()).or_default() += 1;
            }
            continue;
        }
        match parsed {
            LogLine::Decision(d) => match d.at.parse::<Timestamp>() {
                Ok(at) if period.contains(at) => decision(&mut f, &mut uses, &d, table),
                Ok(_) => {
                    f.outside_period += 1;
                    outside.extend(d.use_id.clone());
                }
                Err(e) => f
                    .unreadable
                    .push((n + 1, format!("`at` is not an RFC 3339 time: {e}"))),
            },
            LogLine::Commit(u) | LogLine::Release(u) if outside.contains(&u.use_id) => {}
            LogLine::Outcome(o) if outside.contains(&o.use_id) => {}
            LogLine::Commit(u) => follow(&mut f, &mut uses, &u, |s| s.committed = Some(u.amount)),
            LogLine::Release(u) => follow(&mut f, &mut uses, &u, |s| s.released = true),
            LogLine::Outcome(o) => outcome(&mut f, &mut uses, &o),
        }
    }
    for u in uses.values() {
        // An outcome is accepted for a committed use only, so one recorded
        // shows the commit even when the log has no commit line.
        let amount = match (u.committed, u.outcomes.is_empty()) {
            (Some(a), _) => a,
            (None, false) => u.decided,
            (None, true) => {
                if u.released {
                    f.released += 1;
                } else {
                    f.open += 1;
                }
                continue;
            }
        };
        let add = |t: &mut Tally| {
            t.uses += 1;
            t.money = t.money.saturating_add(amount);
        };
        add(&mut f.total);
        add(f.roles.entry(u.role.clone()).or_default());
        for r in &u.rules {
            add(f.rules.entry(r.clone()).or_default());
            for o in u
                .aims
                .iter()
                .filter(|o| aims_at(table, r, o, u.rules.len()))
            {
                let a = f.aims.entry((r.clone(), o.clone())).or_default();
                a.uses += 1;
                a.money = a.money.saturating_add(amount);
                if let Some(achieved) = u.outcomes.get(o) {
                    a.recorded += 1;
                    a.achieved += u64::from(*achieved);
                }
            }
        }
    }
    Ok(f)
}

/// Whether rule `r`, one of `of` rules behind a decision, aims at `o`: a
/// decision's aims are those of all its rules, and each rule is measured
/// against its own. A rule the table does not know (the log is of another
/// version) is taken to aim at its decision's aims when it decided alone.
fn aims_at(table: &Table, r: &str, o: &str, of: usize) -> bool {
    let mut rows = table.rows.iter().filter(|row| row.rule == r).peekable();
    if rows.peek().is_none() {
        return of == 1;
    }
    rows.any(|row| row.aims.iter().any(|a| a == o))
}

fn decision(f: &mut Figures, uses: &mut BTreeMap<String, Use>, d: &DecisionLine, table: &Table) {
    f.decisions += 1;
    *f.digests.entry(d.digest.clone()).or_default() += 1;
    let dec = &d.decision;
    if !dec.errors.is_empty() {
        f.with_errors += 1;
    }
    let rules: Vec<String> = if dec.rules.is_empty() {
        vec![DEFAULT_RULE.to_string()]
    } else {
        dec.rules.clone()
    };
    let count = |t: &mut Tally| {
        t.decisions += 1;
        match dec.decision {
            Effect::Permit => t.permits += 1,
            Effect::Deny | Effect::Forbid => t.denials += 1,
            Effect::Escalate => {
                t.escalations += 1;
                for to in &dec.escalate_to {
                    *t.targets.entry(to.clone()).or_default() += 1;
                }
            }
        }
    };
    count(&mut f.total);
    count(f.roles.entry(d.request.role.clone()).or_default());
    for r in &rules {
        count(f.rules.entry(r.clone()).or_default());
    }
    let (Some(id), Effect::Permit) = (&d.use_id, dec.decision) else {
        return;
    };
    let decided = table
        .actions
        .get(&d.request.action)
        .and_then(|a| a.params.iter().find(|(_, ty)| **ty == InputType::Money))
        .and_then(|(name, _)| d.request.params.get(name))
        .and_then(Value::as_i64)
        .unwrap_or(0);
    // The commit of an expired hold is decided again: the last decision
    // of a use is the one that made it.
    uses.insert(
        id.clone(),
        Use {
            rules: dec.rules.clone(),
            role: d.request.role.clone(),
            aims: dec.aims.clone(),
            decided,
            // Committed at once: its amount is the decided one.
            committed: d.committed.then_some(decided),
            released: false,
            outcomes: BTreeMap::new(),
        },
    );
}

fn follow(
    f: &mut Figures,
    uses: &mut BTreeMap<String, Use>,
    line: &UseLine,
    change: impl FnOnce(&mut Use),
) {
    match uses.get_mut(&line.use_id) {
        Some(u) => change(u),
        None => f.orphans += 1,
    }
}

fn outcome(f: &mut Figures, uses: &mut BTreeMap<String, Use>, line: &OutcomeLine) {
    match uses.get_mut(&line.use_id) {
        Some(u) => {
            u.outcomes
                .entry(line.outcome.clone())
                .or_insert(line.achieved);
        }
        None => f.orphans += 1,
    }
}

/// The report of one log, in words.
struct Document<'a> {
    policy: &'a Policy,
    figures: &'a Figures,
    period: &'a Period,
    log_name: &'a str,
}

/// One row of a table in the report.
type Row = Vec<String>;

/// A section: its title, its introduction, its table.
struct Section {
    title: &'static str,
    intro: String,
    head: Row,
    rows: Vec<Row>,
    /// The columns of words (the others are figures, aligned right).
    text: &'static [usize],
}

impl Section {
    fn is_text(&self, column: usize) -> bool {
        self.text.contains(&column)
    }
}

impl Document<'_> {
    fn money(&self, minor: i64) -> String {
        let currency = self.policy.table.currency.as_ref().map(|c| Currency {
            code: c.code.clone(),
            scale: c.scale,
            span: Default::default(),
        });
        format_money(minor, currency.as_ref())
    }

    /// The rules' figures, by name, the default's last.
    fn rules(&self) -> Vec<(&String, &Tally)> {
        let mut rules: Vec<(&String, &Tally)> = self.figures.rules.iter().collect();
        rules.sort_by_key(|(r, _)| r.as_str() == DEFAULT_RULE);
        rules
    }

    fn title(&self) -> String {
        format!(
            "{}: decisions and outcomes",
            capitalise(&humanize(&self.policy.table.policy.name))
        )
    }

    fn rule_name(&self, rule: &str) -> String {
        if rule == DEFAULT_RULE {
            "No rule applies".into()
        } else {
            capitalise(&humanize(rule))
        }
    }

    fn targets(&self, t: &Tally) -> String {
        if t.targets.is_empty() {
            return "—".into();
        }
        t.targets
            .iter()
            .map(|(to, n)| format!("{} ({n})", humanize(to)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn outcome_name(&self, o: &str) -> String {
        match self.policy.table.outcomes.get(o) {
            Some(d) if !d.is_empty() => format!("{}: {d}", capitalise(&humanize(o))),
            _ => capitalise(&humanize(o)),
        }
    }

    /// The summary sentences.
    fn summary(&self) -> Vec<String> {
        let f = self.figures;
        let t = &f.total;
        let mut out = vec![
            format!(
                "{} decisions: {} permitted, {} escalated, {} denied.",
                f.decisions, t.permits, t.escalations, t.denials
            ),
            format!(
                "{} uses committed, giving {} in all.",
                t.uses,
                self.money(t.money)
            ),
        ];
        let recorded: u64 = f.aims.values().map(|a| a.recorded).sum();
        let achieved: u64 = f.aims.values().map(|a| a.achieved).sum();
        if recorded > 0 {
            out.push(format!(
                "{recorded} outcomes recorded for the goals the rules aim at, {achieved} achieved ({}).",
                share(achieved, recorded)
            ));
        }
        out
    }

    fn sections(&self) -> Vec<Section> {
        let f = self.figures;
        let rule_rows = self
            .rules()
            .into_iter()
            .map(|(r, t)| {
                vec![
                    self.rule_name(r),
                    t.decisions.to_string(),
                    t.uses.to_string(),
                    self.money(t.money),
                    t.escalations.to_string(),
                    self.targets(t),
                    t.denials.to_string(),
                ]
            })
            .collect();
        let role_rows = f
            .roles
            .iter()
            .map(|(r, t)| {
                vec![
                    capitalise(&humanize(r)),
                    t.decisions.to_string(),
                    t.uses.to_string(),
                    self.money(t.money),
                    t.escalations.to_string(),
                    self.targets(t),
                    t.denials.to_string(),
                ]
            })
            .collect();
        let head = |first: &str| {
            [
                first,
                "Decisions",
                "Uses",
                "Money given",
                "Escalations",
                "Escalated to",
                "Denials",
            ]
            .map(String::from)
            .to_vec()
        };
        let aim_rows = f
            .aims
            .iter()
            .map(|((r, o), a)| {
                vec![
                    self.rule_name(r),
                    self.outcome_name(o),
                    a.uses.to_string(),
                    a.recorded.to_string(),
                    a.achieved.to_string(),
                    if a.recorded == 0 {
                        "—".into()
                    } else {
                        share(a.achieved, a.recorded)
                    },
                    if a.achieved == 0 {
                        "—".into()
                    } else {
                        self.money(per(a.money, a.achieved))
                    },
                ]
            })
            .collect();
        vec![
            Section {
                title: "By rule",
                intro: "What each rule of the policy decided. A use is a permitted request that was carried out (committed); money given is what those uses gave, at their final amounts. A decision several rules made counts for each of them.".into(),
                head: head("Rule"),
                rows: rule_rows,
                text: &[0, 5],
            },
            Section {
                title: "By role",
                intro: "The same decisions by the role of the employee who asked.".into(),
                head: head("Role"),
                rows: role_rows,
                text: &[0, 5],
            },
            Section {
                title: "Outcomes",
                intro: "For each goal a rule aims at: of the uses that rule made, how many had the outcome recorded, how many achieved it, and the money given per outcome achieved (all the money of those uses, divided by the outcomes achieved).".into(),
                head: [
                    "Rule",
                    "Goal",
                    "Uses",
                    "Outcomes recorded",
                    "Achieved",
                    "Share achieved",
                    "Money per achieved outcome",
                ]
                .map(String::from)
                .to_vec(),
                rows: aim_rows,
                text: &[0, 1],
            },
        ]
    }

    /// Notes on how the figures were read.
    fn notes(&self) -> Vec<String> {
        let f = self.figures;
        let mut out = vec![format!(
            "Read from {}: {}. Times are UTC; a use, its money and its outcomes count in the period its decision was made.",
            self.log_name,
            self.period.words()
        )];
        let described: Vec<String> = f
            .rules
            .keys()
            .filter_map(|r| {
                let doc = self.policy.rule_docs.get(r)?;
                Some(format!("{}: {doc}.", self.rule_name(r)))
            })
            .collect();
        out.extend(described);
        if f.rules.contains_key(DEFAULT_RULE) {
            out.push(
                "No rule applies: requests no rule covers, denied by the policy's default.".into(),
            );
        }
        if f.with_errors > 0 {
            out.push(format!(
                "{} of the denials were requests with missing or wrong details.",
                f.with_errors
            ));
        }
        if f.open > 0 {
            out.push(format!(
                "{} permitted uses have no commit in the log and are not counted as uses: still held, or expired.",
                f.open
            ));
        }
        if f.released > 0 {
            out.push(format!(
                "{} permitted uses were released (the employee did not act) and are not counted.",
                f.released
            ));
        }
        if f.outside_period > 0 {
            out.push(format!(
                "{} outside the period {} not counted.",
                count(f.outside_period, "decision"),
                if f.outside_period == 1 { "is" } else { "are" }
            ));
        }
        for (p, n) in &f.other_policies {
            out.push(format!(
                "{} of policy `{p}` {} not counted.",
                count(*n, "decision"),
                if *n == 1 { "is" } else { "are" }
            ));
        }
        if f.orphans > 0 {
            out.push(format!(
                "{} commits, releases or outcomes are for uses whose decision is not in this log (an earlier file) and are not counted.",
                f.orphans
            ));
        }
        let digest = &self.policy.table.digest;
        let others: u64 = f
            .digests
            .iter()
            .filter(|(d, _)| *d != digest)
            .map(|(_, n)| n)
            .sum();
        if others > 0 {
            out.push(format!(
                "{others} decisions were made by another version of the policy than the one given ({digest}); the names and descriptions here are this version's."
            ));
        }
        if !f.unreadable.is_empty() {
            let shown: Vec<String> = f
                .unreadable
                .iter()
                .take(UNREADABLE_SHOWN)
                .map(|(n, why)| format!("line {n}: {why}"))
                .collect();
            let more = f.unreadable.len().saturating_sub(UNREADABLE_SHOWN);
            out.push(format!(
                "Incomplete: {} could not be read and are not counted ({}{}).",
                lines(f.unreadable.len()),
                shown.join("; "),
                if more > 0 {
                    format!("; and {more} more")
                } else {
                    String::new()
                }
            ));
        }
        out
    }

    fn markdown(&self) -> String {
        let mut s = format!("# {}\n\n", self.title());
        if let Some(doc) = &self.policy.doc {
            let _ = writeln!(s, "{doc}.\n");
        }
        for line in self.summary() {
            let _ = writeln!(s, "- {line}");
        }
        for sec in self.sections() {
            let _ = writeln!(s, "\n## {}\n\n{}\n", sec.title, sec.intro);
            if sec.rows.is_empty() {
                let _ = writeln!(s, "None in this period.");
                continue;
            }
            let cells = |r: &Row| {
                r.iter()
                    .map(|c| c.replace('|', "\\|"))
                    .collect::<Vec<_>>()
                    .join(" | ")
            };
            let _ = writeln!(s, "| {} |", cells(&sec.head));
            let align: Vec<&str> = (0..sec.head.len())
                .map(|c| if sec.is_text(c) { "---" } else { "---:" })
                .collect();
            let _ = writeln!(s, "|{}|", align.join("|"));
            for r in &sec.rows {
                let _ = writeln!(s, "| {} |", cells(r));
            }
        }
        let _ = writeln!(s, "\n## About these figures\n");
        for n in self.notes() {
            let _ = writeln!(s, "- {n}");
        }
        s
    }

    fn html(&self) -> Result<String, UsageError> {
        let f = self.figures;
        let mut s = String::new();
        let _ = write!(
            s,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n<h1>{}</h1>\n",
            esc(&self.title()),
            esc(&self.title())
        );
        if let Some(doc) = &self.policy.doc {
            let _ = writeln!(s, "<p class=\"lead\">{}.</p>", esc(doc));
        }
        s.push_str("<ul class=\"summary\">\n");
        for line in self.summary() {
            let _ = writeln!(s, "<li>{}</li>", esc(&line));
        }
        s.push_str("</ul>\n");
        let rules: Vec<(String, &Tally)> = self
            .rules()
            .into_iter()
            .map(|(r, t)| (self.rule_name(r), t))
            .collect();
        let money_chart = chart::bars(
            "Money given by rule",
            &rules
                .iter()
                .map(|(n, t)| (n.clone(), vec![self.major(t.money)]))
                .collect::<Vec<_>>(),
            &[("money given", chart::BLUE)],
            &self.currency_code(),
        )?;
        let decision_chart = chart::bars(
            "Decisions by rule",
            &rules
                .iter()
                .map(|(n, t)| {
                    (
                        n.clone(),
                        vec![t.uses as f64, t.escalations as f64, t.denials as f64],
                    )
                })
                .collect::<Vec<_>>(),
            &[
                ("uses", chart::BLUE),
                ("escalations", chart::ORANGE),
                ("denials", chart::RED),
            ],
            "decisions",
        )?;
        let sections = self.sections();
        for (i, sec) in sections.iter().enumerate() {
            let _ = writeln!(
                s,
                "<section>\n<h2>{}</h2>\n<p>{}</p>",
                sec.title,
                esc(&sec.intro)
            );
            if i == 0 {
                let _ = writeln!(
                    s,
                    "<div class=\"charts\"><figure>{money_chart}</figure><figure>{decision_chart}</figure></div>"
                );
            }
            if i == 2 && !f.aims.is_empty() {
                let shares = f
                    .aims
                    .iter()
                    .map(|((r, o), a)| {
                        let pct = if a.recorded == 0 {
                            0.0
                        } else {
                            100.0 * a.achieved as f64 / a.recorded as f64
                        };
                        (
                            format!("{}: {}", self.rule_name(r), capitalise(&humanize(o))),
                            vec![pct],
                        )
                    })
                    .collect::<Vec<_>>();
                let chart = chart::bars(
                    "Share of recorded outcomes achieved",
                    &shares,
                    &[("achieved", chart::GREEN)],
                    "%",
                )?;
                let _ = writeln!(s, "<div class=\"charts\"><figure>{chart}</figure></div>");
            }
            if sec.rows.is_empty() {
                s.push_str("<p>None in this period.</p>\n</section>\n");
                continue;
            }
            s.push_str("<table>\n<thead><tr>");
            for (c, h) in sec.head.iter().enumerate() {
                let class = if sec.is_text(c) { "" } else { " class=\"n\"" };
                let _ = write!(s, "<th{class}>{}</th>", esc(h));
            }
            s.push_str("</tr></thead>\n<tbody>\n");
            for r in &sec.rows {
                s.push_str("<tr>");
                for (c, cell) in r.iter().enumerate() {
                    let class = if sec.is_text(c) { "" } else { " class=\"n\"" };
                    let _ = write!(s, "<td{class}>{}</td>", esc(cell));
                }
                s.push_str("</tr>\n");
            }
            s.push_str("</tbody>\n</table>\n</section>\n");
        }
        s.push_str("<section>\n<h2>About these figures</h2>\n<ul>\n");
        for n in self.notes() {
            let _ = writeln!(s, "<li>{}</li>", code_spans(&esc(&n)));
        }
        s.push_str("</ul>\n</section>\n</main>\n</body>\n</html>\n");
        Ok(s)
    }

    /// Minor units as the currency's major units (for charts).
    fn major(&self, minor: i64) -> f64 {
        let scale = self.policy.table.currency.as_ref().map_or(0, |c| c.scale);
        minor as f64 / 10f64.powi(scale.min(18) as i32)
    }

    fn currency_code(&self) -> String {
        self.policy
            .table
            .currency
            .as_ref()
            .map_or_else(|| "amount".into(), |c| c.code.clone())
    }
}

/// `n` of `of` as a percentage with one decimal.
fn share(n: u64, of: u64) -> String {
    format!("{:.1}%", 100.0 * n as f64 / of.max(1) as f64)
}

/// `money / n`, rounded to the nearest minor unit.
fn per(money: i64, n: u64) -> i64 {
    let n = i128::from(n.max(1));
    let m = i128::from(money);
    let q = (2 * m + n).div_euclid(2 * n);
    i64::try_from(q).unwrap_or(i64::MAX)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Markdown's `code` as `<code>` in escaped text.
fn code_spans(s: &str) -> String {
    let mut out = String::new();
    for (i, part) in s.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{part}</code>");
        } else {
            out.push_str(part);
        }
    }
    out
}

/// The page's style: no external resources.
const CSS: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;color:#1f2328;background:#fff;margin:0}main{max-width:1100px;margin:0 auto;padding:24px}h1{font-size:1.7em;margin:0 0 .3em}h2{margin-top:1.6em;border-bottom:1px solid #d0d7de;padding-bottom:.2em}.lead{color:#57606a}.summary li{margin:.2em 0;font-size:1.05em}table{border-collapse:collapse;width:100%;margin:.8em 0}th,td{border:1px solid #d0d7de;padding:6px 10px;text-align:left;vertical-align:top}th{background:#f6f8fa}.n{text-align:right;font-variant-numeric:tabular-nums}.charts{display:flex;flex-wrap:wrap;gap:16px}figure{margin:0}svg{max-width:100%;height:auto}code{background:#f6f8fa;padding:0 3px;border-radius:3px}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_include_the_whole_day_and_bad_ones_say_how_to_write_them() {
        let p = Period::parse(Some("2026-12-01"), Some("2026-12-07")).unwrap();
        let t = |s: &str| s.parse::<Timestamp>().unwrap();
        assert!(p.contains(t("2026-12-01T00:00:00Z")));
        assert!(p.contains(t("2026-12-07T23:59:59.999Z")));
        assert!(!p.contains(t("2026-12-08T00:00:00Z")));
        assert!(!p.contains(t("2026-11-30T23:59:59Z")));
        let p = Period::parse(Some("2026-12-01T09:00:00+01:00"), None).unwrap();
        assert!(p.contains(t("2026-12-01T08:00:00Z")));
        assert!(!p.contains(t("2026-12-01T07:59:59Z")));
        let e = Period::parse(Some("yesterday"), None).unwrap_err().0;
        assert!(e.starts_with("`--from yesterday` is not a date"), "{e}");
        assert!(e.contains("help: "), "{e}");
        let e = Period::parse(Some("2026-12-02"), Some("2026-12-01"))
            .unwrap_err()
            .0;
        assert!(e.contains("is not before"), "{e}");
    }

    #[test]
    fn money_per_outcome_rounds_to_the_nearest_minor_unit() {
        assert_eq!(per(1000, 3), 333);
        assert_eq!(per(1001, 2), 501);
        assert_eq!(per(0, 0), 0);
        assert_eq!(share(2, 3), "66.7%");
    }
}
