//! Change impact between two tables: which requests get a different
//! decision, each with a witness request decided by both tables.
//!
//! Candidate regions come from the rows: what a new permit allows that no
//! old permit did (or an old forbid stopped), what an old permit allowed
//! that no new one does (or a new forbid stops), escalations that appear or
//! change target, and overlapping permits whose obligations differ. Each
//! candidate becomes a concrete request; only requests that the two tables
//! really decide differently are reported, once per role, action, kind and
//! rules involved.
//!
//! A row found unchanged in the other table (same effect, box, limits,
//! obligations and escalation) cannot be where a decision changes, so it
//! only serves as cover: a policy with one threshold moved costs about as
//! much as the rules that moved. The whole comparison has a work bound,
//! [`DIFF_BUDGET`], like the lints' coverage questions; past it the diff
//! stops and says which roles and actions it did not finish
//! ([`Diff::complete`] is false) rather than run on.

use crate::region::{disjoint, limit_broken, meet, subtract, Region};
use crate::witness::Point;
use remit_sema::model::Currency;
use remit_sema::units::format_money;
use remit_table::{Constraint, CurrencyInfo, Decision, Evaluator, InputType, Outcome, Row, Table};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// How much work one diff may do: region steps (a coverage test of one
/// row, a subtraction) plus [`REQUEST_COST`] for each witness request
/// decided by both tables.
pub const DIFF_BUDGET: usize = 5_000_000;

/// What deciding one candidate request by both tables costs, in steps.
pub const REQUEST_COST: usize = 20;

/// How a decision changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Now permitted, was denied or escalated: power widened.
    Widened,
    /// Was permitted, now denied or escalated.
    Narrowed,
    /// Escalated elsewhere, or escalated instead of denied (or the reverse).
    Rerouted,
    /// Permitted both times, with different obligations.
    Obligations,
    /// The same decision, telling different roles (`notify`).
    Notifications,
}

/// One change, with the request that shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// The acting role.
    pub role: String,
    /// The action.
    pub action: String,
    /// What kind of change.
    pub kind: ChangeKind,
    /// In words: "now permits amount 50.01–100.00 USD (was escalate to duty_manager)".
    pub description: String,
    /// The request, in the policy's terms.
    pub witness: String,
    /// The request itself.
    pub request: Value,
    /// The old table's decision.
    pub old: Decision,
    /// The new table's decision.
    pub new: Decision,
}

impl Change {
    /// Whether the change widens power: a new permit, fewer obligations,
    /// or fewer roles told (less oversight).
    pub fn widens(&self) -> bool {
        widens(self.kind, &self.old, &self.new)
    }
}

/// Whether a change of `kind` from `old` to `new` widens power (see
/// [`Change::widens`]).
pub fn widens(kind: ChangeKind, old: &Decision, new: &Decision) -> bool {
    let dropped = |old: &[String], new: &[String]| !old.iter().all(|o| new.contains(o));
    match kind {
        ChangeKind::Widened => true,
        ChangeKind::Narrowed | ChangeKind::Rerouted => false,
        ChangeKind::Obligations => dropped(&old.obligations, &new.obligations),
        ChangeKind::Notifications => dropped(&old.notify, &new.notify),
    }
}

/// What makes changes one: they are reported once per role, action, kind
/// and rules involved (`remit diff` keeps one witness per key, `remit
/// replay` counts the logged decisions of each).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ChangeKey {
    /// The acting role.
    pub role: String,
    /// The action.
    pub action: String,
    /// How the decision changed.
    pub kind: ChangeKind,
    /// The rules behind the old decision.
    pub old_rules: Vec<String>,
    /// The rules behind the new decision.
    pub new_rules: Vec<String>,
}

/// How a request of `role` and `action` decided `before` by one table and
/// `after` by another changed, as the key that groups it; `None` when the
/// decision is the same. Decisions with errors are never compared.
pub fn change_key(
    role: &str,
    action: &str,
    before: &Decision,
    after: &Decision,
) -> Option<ChangeKey> {
    if !before.errors.is_empty() || !after.errors.is_empty() {
        return None;
    }
    Some(ChangeKey {
        role: role.to_string(),
        action: action.to_string(),
        kind: classify(before, after)?,
        old_rules: before.rules.clone(),
        new_rules: after.rules.clone(),
    })
}

/// A role and an action.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct RoleAction {
    /// The role.
    pub role: String,
    /// The action.
    pub action: String,
}

/// The outcome of a diff.
#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    /// Whether every role and action was compared within [`DIFF_BUDGET`].
    /// When false, `changes` are real but there may be more.
    pub complete: bool,
    /// The changes found, grouped by role and action.
    pub changes: Vec<Change>,
    /// When incomplete: the roles and actions not compared to the end.
    pub unexamined: Vec<RoleAction>,
    /// The work bound the diff ran under.
    pub budget: usize,
    /// How much of it the diff used.
    pub steps: usize,
}

/// The work bound ran out.
struct Exhausted;

/// What is left of the work bound.
struct Budget(usize);

impl Budget {
    fn spend(&mut self, steps: usize) -> Result<(), Exhausted> {
        match self.0.checked_sub(steps) {
            Some(left) => {
                self.0 = left;
                Ok(())
            }
            None => {
                self.0 = 0;
                Err(Exhausted)
            }
        }
    }
}

/// The changes from `old` to `new`, within [`DIFF_BUDGET`].
pub fn diff(old: &Table, new: &Table) -> Result<Diff, remit_table::TableError> {
    diff_within(old, new, DIFF_BUDGET)
}

/// The changes from `old` to `new`, within `budget` steps: every role and
/// action both tables know is compared in turn until the budget runs out.
pub fn diff_within(
    old: &Table,
    new: &Table,
    budget: usize,
) -> Result<Diff, remit_table::TableError> {
    let old_eval = Evaluator::new(old.clone())?;
    let new_eval = Evaluator::new(new.clone())?;
    let domain = witness_domain(old, new);
    let mut run = Run {
        old,
        new,
        old_eval: &old_eval,
        new_eval: &new_eval,
        domain: &domain,
        old_changed: changed_rows(old, new),
        new_changed: changed_rows(new, old),
        budget: Budget(budget),
        changes: Vec::new(),
        seen: BTreeSet::new(),
    };
    let unexamined = run.compare_all(&shared_pairs(old, new));
    let steps = budget - run.budget.0;
    let mut changes = run.changes;
    changes.sort_by(|a, b| {
        (&a.role, &a.action, a.kind, &a.description).cmp(&(
            &b.role,
            &b.action,
            b.kind,
            &b.description,
        ))
    });
    Ok(Diff {
        complete: unexamined.is_empty(),
        changes,
        unexamined,
        budget,
        steps,
    })
}

/// One domain for witnesses: every input, counter and action of either
/// table (the new table's where both have one).
fn witness_domain(old: &Table, new: &Table) -> Table {
    let mut domain = new.clone();
    for (k, v) in &old.inputs {
        domain.inputs.entry(k.clone()).or_insert_with(|| v.clone());
    }
    for (k, v) in &old.counters {
        domain
            .counters
            .entry(k.clone())
            .or_insert_with(|| v.clone());
    }
    for (k, v) in &old.actions {
        domain.actions.entry(k.clone()).or_insert_with(|| v.clone());
    }
    domain
}

/// Every (role, action) that both tables declare, in order.
fn shared_pairs<'t>(old: &Table, new: &'t Table) -> Vec<(&'t String, &'t String)> {
    new.roles
        .keys()
        .filter(|r| old.roles.contains_key(*r))
        .flat_map(|role| {
            new.actions
                .keys()
                .filter(|a| old.actions.contains_key(*a))
                .map(move |action| (role, action))
        })
        .collect()
}

/// One diff in progress.
struct Run<'a> {
    old: &'a Table,
    new: &'a Table,
    old_eval: &'a Evaluator,
    new_eval: &'a Evaluator,
    domain: &'a Table,
    /// For each row of each table, whether the other table lacks it (as
    /// it decides: rule names and sources left out).
    old_changed: Vec<bool>,
    new_changed: Vec<bool>,
    budget: Budget,
    changes: Vec<Change>,
    seen: BTreeSet<ChangeKey>,
}

/// A row as it decides: everything but its rule's name and source.
fn decides_as(row: &Row) -> String {
    let mut row = row.clone();
    row.rule.clear();
    row.source = None;
    serde_json::to_string(&row).unwrap_or_default()
}

/// For each row of `t`, whether `other` has no row that decides alike.
fn changed_rows(t: &Table, other: &Table) -> Vec<bool> {
    let others: HashSet<String> = other.rows.iter().map(decides_as).collect();
    t.rows
        .iter()
        .map(|r| !others.contains(&decides_as(r)))
        .collect()
}

/// The rows of one effect for one role and action, each with its region
/// and whether the other table lacks it (`changed`, by row index).
fn rows_of<'t>(
    t: &'t Table,
    changed: &[bool],
    effect: Outcome,
    role: &str,
    action: &str,
) -> Vec<(&'t Row, Region, bool)> {
    t.rows
        .iter()
        .zip(changed)
        .filter(|(r, _)| {
            r.effect == effect
                && r.roles.iter().any(|x| x == role)
                && r.actions.iter().any(|x| x == action)
        })
        .filter_map(|(r, c)| {
            let region = if effect == Outcome::Permit {
                meet(&r.scope, &r.limits)?
            } else {
                r.scope.clone()
            };
            Some((r, region, *c))
        })
        .collect()
}

fn regions<'r>(rows: &'r [(&Row, Region, bool)]) -> Vec<&'r Region> {
    rows.iter().map(|(_, r, _)| r).collect()
}

fn changed<'r>(rows: &'r [(&Row, Region, bool)]) -> Vec<&'r Region> {
    rows.iter()
        .filter(|(_, _, c)| *c)
        .map(|(_, r, _)| r)
        .collect()
}

/// One table's rows for one role and action, by effect (see [`rows_of`]).
struct Rows<'t> {
    permit: Vec<(&'t Row, Region, bool)>,
    forbid: Vec<(&'t Row, Region, bool)>,
    escalate: Vec<(&'t Row, Region, bool)>,
}

impl<'t> Rows<'t> {
    fn of(t: &'t Table, changed: &[bool], role: &str, action: &str) -> Self {
        Rows {
            permit: rows_of(t, changed, Outcome::Permit, role, action),
            forbid: rows_of(t, changed, Outcome::Forbid, role, action),
            escalate: rows_of(t, changed, Outcome::Escalate, role, action),
        }
    }
}

impl Run<'_> {
    /// Compares each pair in turn; when the budget runs out, the pairs not
    /// compared to the end (the one it ran out on included).
    fn compare_all(&mut self, pairs: &[(&String, &String)]) -> Vec<RoleAction> {
        for (i, (role, action)) in pairs.iter().enumerate() {
            if self.compare(role, action).is_err() {
                return pairs[i..]
                    .iter()
                    .map(|(role, action)| RoleAction {
                        role: (*role).clone(),
                        action: (*action).clone(),
                    })
                    .collect();
            }
        }
        Vec::new()
    }

    /// Compares the decisions of one role and action. A row the other
    /// table has unchanged only serves as cover: it cannot be where a
    /// decision changes (the region it would test is inside itself).
    fn compare(&mut self, role: &str, action: &str) -> Result<(), Exhausted> {
        let old = Rows::of(self.old, &self.old_changed, role, action);
        let new = Rows::of(self.new, &self.new_changed, role, action);
        self.outcome_gaps(role, action, &old, &new)?;
        // Overlapping permits (or escalations) whose obligations or roles
        // told differ (only those pairs are looked at: rows that agree on
        // both cannot show such a change).
        self.consequences_differ(role, action, &old.permit, &new.permit)?;
        self.consequences_differ(role, action, &old.escalate, &new.escalate)?;
        self.otherwise_requests(role, action)
    }

    /// Tries requests where the outcome may differ: what a permit of one
    /// table allows that the other's permits and forbids did not (and
    /// where a forbid that is gone stopped it), and what an escalation of
    /// one table catches that the other's escalations do not.
    fn outcome_gaps(
        &mut self,
        role: &str,
        action: &str,
        old: &Rows<'_>,
        new: &Rows<'_>,
    ) -> Result<(), Exhausted> {
        let (op_all, of_all, oe_all) = (
            regions(&old.permit),
            regions(&old.forbid),
            regions(&old.escalate),
        );
        let (np_all, nf_all, ne_all) = (
            regions(&new.permit),
            regions(&new.forbid),
            regions(&new.escalate),
        );
        let old_cover: Vec<&Region> = op_all.iter().chain(&nf_all).copied().collect();
        let new_cover: Vec<&Region> = np_all.iter().chain(&of_all).copied().collect();
        self.permit_gaps(
            role,
            action,
            &new.permit,
            &old_cover,
            &changed(&old.forbid),
            &nf_all,
        )?;
        // Likewise the other way round.
        self.permit_gaps(
            role,
            action,
            &old.permit,
            &new_cover,
            &changed(&new.forbid),
            &of_all,
        )?;
        for e in changed(&new.escalate) {
            self.gap(role, action, e, &oe_all)?;
        }
        for e in changed(&old.escalate) {
            self.gap(role, action, e, &ne_all)?;
        }
        Ok(())
    }

    /// What `permits` (of one table) allow outside `cover` (the other
    /// table's permits and this table's forbids), and where a forbid the
    /// other table had (`gone_forbids`) stopped them outside this table's
    /// `forbids`.
    fn permit_gaps(
        &mut self,
        role: &str,
        action: &str,
        permits: &[(&Row, Region, bool)],
        cover: &[&Region],
        gone_forbids: &[&Region],
        forbids: &[&Region],
    ) -> Result<(), Exhausted> {
        for (_, b, is_changed) in permits {
            if *is_changed {
                self.gap(role, action, b, cover)?;
            }
            for f in gone_forbids {
                if let Some(m) = meet(b, f) {
                    self.gap(role, action, &m, forbids)?;
                }
            }
        }
        Ok(())
    }

    /// Where a permit's limits break, its `otherwise` decides: tries a
    /// request there for every such permit of either table.
    fn otherwise_requests(&mut self, role: &str, action: &str) -> Result<(), Exhausted> {
        for t in [self.old, self.new] {
            for r in t.rows.iter().filter(|r| {
                r.effect == Outcome::Permit
                    && r.escalation.is_some()
                    && r.roles.iter().any(|x| x == role)
                    && r.actions.iter().any(|x| x == action)
            }) {
                for b in limit_broken(r) {
                    if let Some(m) = meet(&r.scope, &b) {
                        self.try_request(role, action, m)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Tries a request where an old and a new row of one effect overlap
    /// and differ in obligations or in the roles they tell.
    fn consequences_differ(
        &mut self,
        role: &str,
        action: &str,
        old: &[(&Row, Region, bool)],
        new: &[(&Row, Region, bool)],
    ) -> Result<(), Exhausted> {
        type Consequences<'r> = (&'r Vec<String>, &'r Vec<String>);
        let mut old_by: BTreeMap<Consequences, Vec<&Region>> = BTreeMap::new();
        for (row, o, _) in old {
            old_by
                .entry((&row.obligations, &row.notify))
                .or_default()
                .push(o);
        }
        for (n_row, n, _) in new {
            for (consequences, olds) in &old_by {
                if *consequences == (&n_row.obligations, &n_row.notify) {
                    continue;
                }
                for o in olds {
                    self.budget.spend(1)?;
                    if !disjoint(n, o) {
                        if let Some(m) = meet(n, o) {
                            self.try_request(role, action, m)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Looks for a part of `x` that `cover` leaves out, and tries a request
    /// from it.
    fn gap(
        &mut self,
        role: &str,
        action: &str,
        x: &Region,
        cover: &[&Region],
    ) -> Result<(), Exhausted> {
        if let Some(region) = uncovered(x, cover, self.domain, &mut self.budget)? {
            self.try_request(role, action, region)?;
        }
        Ok(())
    }

    /// Decides a request from `region` by both tables, and records a change
    /// when they differ (once per role, action, kind and rules involved).
    fn try_request(&mut self, role: &str, action: &str, region: Region) -> Result<(), Exhausted> {
        self.budget.spend(REQUEST_COST)?;
        let point = Point {
            table: self.domain,
            role,
            action,
            region,
        };
        let request = point.request();
        let (before, after) = (
            self.old_eval.decide(&request),
            self.new_eval.decide(&request),
        );
        let Some(key) = change_key(role, action, &before, &after) else {
            return Ok(());
        };
        let kind = key.kind;
        if !self.seen.insert(key) {
            return Ok(());
        }
        let money = |key: &str| {
            self.domain
                .inputs
                .get(key)
                .is_some_and(|t| t.ty == InputType::Money)
        };
        let range = ranges(&point.region, self.domain.currency.as_ref(), money);
        let description = describe(kind, &before, &after, &range);
        self.changes.push(Change {
            role: role.to_string(),
            action: action.to_string(),
            kind,
            description,
            witness: point.summary(&request),
            request,
            old: before,
            new: after,
        });
        Ok(())
    }
}

/// A part of `x` that no region of `cover` touches, if there is one,
/// spending one step per region looked at. Depth-first over the pieces
/// that subtraction leaves, with an explicit stack (no recursion).
fn uncovered(
    x: &Region,
    cover: &[&Region],
    table: &Table,
    budget: &mut Budget,
) -> Result<Option<Region>, Exhausted> {
    let mut stack: Vec<(Region, usize)> = vec![(x.clone(), 0)];
    while let Some((piece, from)) = stack.pop() {
        let rest = cover.get(from..).unwrap_or(&[]);
        let hit = rest.iter().position(|y| !disjoint(&piece, y));
        budget.spend(1 + hit.unwrap_or(rest.len()))?;
        let Some(k) = hit else {
            return Ok(Some(piece));
        };
        let i = from + k;
        for part in subtract(&piece, cover[i], table).into_iter().rev() {
            stack.push((part, i + 1));
        }
    }
    Ok(None)
}

/// How two decisions of one request differ, if they do. Both decisions
/// are taken apart field by field (no `..`): a field added to
/// [`Decision`] does not compile here until the diff says what a change
/// of it is.
fn classify(before: &Decision, after: &Decision) -> Option<ChangeKind> {
    let Decision {
        decision: old_outcome,
        escalate_to: old_targets,
        obligations: old_obligations,
        notify: old_notify,
        // Which rules decided is not a change of decision; requests with
        // errors are never compared (`try_request`).
        rules: _,
        errors: _,
        // The outcomes a decision serves are what it is measured against,
        // not what it allows: a change of `aims` is not a change of
        // decision (docs/cli.md, `remit diff`).
        aims: _,
    } = before;
    let Decision {
        decision: new_outcome,
        escalate_to: new_targets,
        obligations: new_obligations,
        notify: new_notify,
        rules: _,
        errors: _,
        aims: _,
    } = after;
    let same = |a: &Vec<String>, b: &Vec<String>| set(a) == set(b);
    // A decision is never `forbid` (rows are), but the table's one outcome
    // type has it: it is a denial.
    let denies = |o: &Outcome| matches!(o, Outcome::Deny | Outcome::Forbid);
    match (old_outcome, new_outcome) {
        (Outcome::Permit, Outcome::Permit) if !same(old_obligations, new_obligations) => {
            Some(ChangeKind::Obligations)
        }
        (Outcome::Escalate, Outcome::Escalate) if !same(old_targets, new_targets) => {
            Some(ChangeKind::Rerouted)
        }
        (Outcome::Permit, Outcome::Permit) | (Outcome::Escalate, Outcome::Escalate) => {
            (!same(old_notify, new_notify)).then_some(ChangeKind::Notifications)
        }
        (a, b) if denies(a) && denies(b) => {
            (!same(old_notify, new_notify)).then_some(ChangeKind::Notifications)
        }
        (_, Outcome::Permit) => Some(ChangeKind::Widened),
        (Outcome::Permit, _) => Some(ChangeKind::Narrowed),
        (Outcome::Deny | Outcome::Forbid | Outcome::Escalate, _) => Some(ChangeKind::Rerouted),
    }
}

fn set(v: &[String]) -> BTreeSet<&str> {
    v.iter().map(String::as_str).collect()
}

/// The members of `a` missing from `b`, comma-separated.
fn missing(a: &[String], b: &[String]) -> String {
    a.iter()
        .filter(|x| !b.contains(x))
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

fn outcome_words(d: &Decision) -> String {
    match d.decision {
        Outcome::Permit if d.obligations.is_empty() => "permit".to_string(),
        Outcome::Permit => format!("permit requiring {}", d.obligations.join(", ")),
        Outcome::Escalate => format!("escalate to {}", d.escalate_to.join(", ")),
        Outcome::Deny | Outcome::Forbid => "deny".to_string(),
    }
}

fn rules_words(d: &Decision) -> String {
    if d.rules.is_empty() {
        "no rule".to_string()
    } else {
        d.rules.join(", ")
    }
}

/// " amount 50.01–100.00 USD" for the parameters the region bounds (empty
/// when it bounds none), money in `currency` where `is_money` says an
/// input key (`param.amount`) is money.
pub fn ranges(
    region: &Region,
    currency: Option<&CurrencyInfo>,
    is_money: impl Fn(&str) -> bool,
) -> String {
    let currency = currency.map(|c| Currency {
        code: c.code.clone(),
        scale: c.scale,
        span: Default::default(),
    });
    let mut parts = Vec::new();
    for (key, c) in region {
        let (Some(name), Constraint::Interval(i)) = (key.strip_prefix("param."), c) else {
            continue;
        };
        let money = is_money(key);
        let show = |v: i64| {
            if money {
                format_money(v, currency.as_ref())
            } else {
                v.to_string()
            }
        };
        let text = match (i.min, i.max) {
            (Some(a), Some(b)) if a == b => show(a),
            (Some(a), Some(b)) => {
                format!("{}–{}", show(a).split(' ').next().unwrap_or(""), show(b))
            }
            (Some(a), None) => format!("from {}", show(a)),
            (None, Some(b)) => format!("up to {}", show(b)),
            (None, None) => continue,
        };
        parts.push(format!("{name} {text}"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" {}", parts.join(", "))
    }
}

/// A change in words, `range` being what [`ranges`] says of the requests
/// concerned: "now permits amount 50.01–100.00 USD (room_recovery), was
/// escalate to duty_manager (…)".
pub fn describe(kind: ChangeKind, before: &Decision, after: &Decision, range: &str) -> String {
    match kind {
        ChangeKind::Widened => format!(
            "now permits{range} ({}), was {} ({})",
            rules_words(after),
            outcome_words(before),
            rules_words(before)
        ),
        ChangeKind::Narrowed => format!(
            "no longer permits{range}: now {} ({}), was permitted by {}",
            outcome_words(after),
            rules_words(after),
            rules_words(before)
        ),
        ChangeKind::Rerouted => format!(
            "now {}{range} ({}), was {} ({})",
            outcome_words(after),
            rules_words(after),
            outcome_words(before),
            rules_words(before)
        ),
        ChangeKind::Obligations => format!(
            "obligations change{range}: added [{}], removed [{}] ({})",
            missing(&after.obligations, &before.obligations),
            missing(&before.obligations, &after.obligations),
            rules_words(after)
        ),
        ChangeKind::Notifications => format!(
            "notify changes{range}: added [{}], removed [{}] (still {}; {})",
            missing(&after.notify, &before.notify),
            missing(&before.notify, &after.notify),
            outcome_words(after),
            rules_words(after)
        ),
    }
}
