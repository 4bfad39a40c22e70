//! The analysis lints of LANGUAGE.md §6, over the lowered rows, per
//! (role, action) after inheritance.
//!
//! Rule-level lints ([`rule_level`]) look at one rule at a time. Group
//! lints ([`groups`]) look at the rows that apply to one role and action;
//! inside a group, pairs are pruned with an allocation-free disjointness
//! test before any region arithmetic, so the typical cost grows with the
//! size of a group, not of the policy. Each problem is reported once per
//! rule (or pair of rules), listing every role it affects, and each
//! witness is run through the evaluator before it is reported.

mod groups;
mod probe;
mod rule_level;

mod band_gap;

use crate::region::zone::{subtract, Incomplete, Relation, Zone};
use crate::region::{meet, Region, COVERAGE_BUDGET};
use remit_diagnostics::{Code, Diagnostic, Lint};
use remit_sema::model::{Id, IndexVec, Model, RuleId};
use remit_sema::LowerOutput;
use remit_table::{Constraint, Evaluator, Interval, Outcome, Row, Table};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, OnceLock};

/// What every lint reads.
pub(crate) struct Ctx<'a> {
    pub model: &'a Model,
    pub table: &'a Table,
    pub rule_rows: &'a IndexVec<RuleId, Vec<usize>>,
    pub evaluator: &'a Evaluator,
    /// Row index → the rule it comes from.
    pub row_rule: Vec<RuleId>,
    /// role name → action name → row indices, inheritance expanded.
    pub groups: HashMap<&'a str, HashMap<&'a str, Vec<usize>>>,
    /// Each row's box: its scope narrowed by its limits.
    pub boxes: Vec<Option<Region>>,
    /// Each action's domain: parameters and counters are never negative,
    /// and a shorter window never holds more than a longer one over the
    /// same actions and subject (LANGUAGE.md §3, §6).
    pub domains: HashMap<&'a str, Zone>,
    /// Each row's box zone per action of the row (in the row's action
    /// order), and whether it holds a request: built once, on first use,
    /// since the pairwise lints ask for the same rows many times.
    box_zones: Vec<Box<[BoxZone]>>,
    /// Each row's scope as a zone without the domain (what a forbid
    /// decides, and a target's authority), built once, on first use.
    scope_only: Vec<OnceLock<Zone>>,
}

/// A row's box zone for one action, filled in on first use.
#[derive(Default)]
struct BoxZone {
    zone: OnceLock<Option<Zone>>,
    nonempty: OnceLock<Result<bool, Incomplete>>,
}

impl<'a> Ctx<'a> {
    /// The context, with the evaluator built on another thread meanwhile
    /// (the two are the largest fixed costs of the lints).
    fn build(
        model: &'a Model,
        lowered: &'a LowerOutput,
        evaluator: &'a mut Option<Evaluator>,
    ) -> Option<Self> {
        let shared = lowered.format_1.as_ref()?;
        let table: &'a Table = shared;
        // Witnesses are confirmed on the table as lowered (format 2; the
        // format 1 view holds the same rows in the same order), so no copy
        // is converted back for the evaluator.
        let (built, (row_rule, groups, boxes, domains)) = rayon::join(
            || Evaluator::from_document(std::sync::Arc::clone(&lowered.table)).ok(),
            || {
                let mut row_rule = vec![RuleId::from_index(0); table.rows.len()];
                for (rule, rows) in lowered.rule_rows.iter_enumerated() {
                    for &r in rows {
                        row_rule[r] = rule;
                    }
                }
                let mut groups: HashMap<&'a str, HashMap<&'a str, Vec<usize>>> = HashMap::new();
                for (i, row) in table.rows.iter().enumerate() {
                    for role in &row.roles {
                        let by_action = groups.entry(role.as_str()).or_default();
                        for action in &row.actions {
                            by_action.entry(action.as_str()).or_default().push(i);
                        }
                    }
                }
                let boxes: Vec<Option<Region>> = table.rows.iter().map(box_of).collect();
                let domains = table
                    .actions
                    .keys()
                    .map(|a| (a.as_str(), domain(table, a)))
                    .collect();
                (row_rule, groups, boxes, domains)
            },
        );
        *evaluator = built;
        let box_zones = table
            .rows
            .iter()
            .map(|r| r.actions.iter().map(|_| BoxZone::default()).collect())
            .collect();
        let scope_only = table.rows.iter().map(|_| OnceLock::new()).collect();
        Some(Ctx {
            model,
            table,
            rule_rows: &lowered.rule_rows,
            evaluator: evaluator.as_ref()?,
            row_rule,
            groups,
            boxes,
            domains,
            box_zones,
            scope_only,
        })
    }

    /// A row's scope as a zone, without the action's domain (borrowed
    /// from the cache).
    pub fn scope_only(&self, row: usize) -> &Zone {
        self.scope_only[row].get_or_init(|| Zone::of(self.row(row).scope.clone()))
    }

    /// The requests for an action that a row's scope holds.
    pub fn scope_zone(&self, row: usize, action: &str) -> Option<Zone> {
        self.domains.get(action)?.within(&self.row(row).scope)
    }

    /// The requests for an action that a row's box holds: scope, limits
    /// and budgets (`None` when the boxes contradict; the budgets are
    /// checked when solved).
    pub fn box_zone(&self, row: usize, action: &str) -> Option<Zone> {
        self.boxed(row, action).cloned()
    }

    /// [`Ctx::box_zone`], borrowed from the cache.
    pub fn boxed(&self, row: usize, action: &str) -> Option<&Zone> {
        match self.box_cell(row, action) {
            Some(cell) => cell
                .zone
                .get_or_init(|| self.build_box_zone(row, action))
                .as_ref(),
            None => None,
        }
    }

    /// Whether a row's box zone for an action holds a request (decided
    /// once: several lints ask).
    pub fn box_nonempty(&self, row: usize, action: &str) -> Result<bool, Incomplete> {
        let Some(cell) = self.box_cell(row, action) else {
            return Ok(false);
        };
        *cell.nonempty.get_or_init(|| match self.boxed(row, action) {
            Some(z) => z.is_empty().map(|e| !e),
            None => Ok(false),
        })
    }

    fn box_cell(&self, row: usize, action: &str) -> Option<&BoxZone> {
        let at = self
            .row(row)
            .actions
            .binary_search_by(|a| a.as_str().cmp(action))
            .ok()?;
        self.box_zones.get(row)?.get(at)
    }

    fn build_box_zone(&self, row: usize, action: &str) -> Option<Zone> {
        let mut zone = self
            .domains
            .get(action)?
            .within(self.boxes[row].as_ref()?)?;
        zone.relations.extend(budgets(self.row(row)));
        Some(zone)
    }

    /// The requests for an action where a row escalates when it is the
    /// only candidate: an escalation's scope, or the part of a permit's
    /// scope outside its box when it says `otherwise` (empty for a permit
    /// without limits).
    pub fn escalation_zones(&self, row: usize, action: &str) -> Vec<Zone> {
        let r = self.row(row);
        let Some(scope) = self.scope_zone(row, action) else {
            return Vec::new();
        };
        match r.effect {
            Outcome::Escalate => vec![scope],
            Outcome::Permit if r.escalation.is_some() => {
                let limits = Zone {
                    bounds: r.limits.clone(),
                    relations: budgets(r),
                };
                subtract(&scope, &limits, self.table)
            }
            _ => Vec::new(),
        }
    }

    /// The zones that decide before an escalation for a role and action:
    /// every forbid's scope and every permit's box.
    pub fn deciders(&self, role: &str, action: &str) -> Vec<&Zone> {
        self.group(role, action)
            .iter()
            .filter_map(|r| match self.row(*r).effect {
                Outcome::Forbid => Some(self.scope_only(*r)),
                Outcome::Permit => self.boxed(*r, action),
                _ => None,
            })
            .collect()
    }

    pub fn row(&self, i: usize) -> &'a Row {
        &self.table.rows[i]
    }

    pub fn group(&self, role: &str, action: &str) -> &[usize] {
        self.groups
            .get(role)
            .and_then(|g| g.get(action))
            .map_or(&[], Vec::as_slice)
    }

    /// The rows of a rule that apply to a role and action.
    pub fn rows_in<'s>(
        &'s self,
        rule: RuleId,
        role: &'s str,
        action: &'s str,
    ) -> impl Iterator<Item = usize> + 's {
        self.rule_rows[rule].iter().copied().filter(move |r| {
            let row = self.row(*r);
            row.roles.binary_search_by(|x| x.as_str().cmp(role)).is_ok()
                && row
                    .actions
                    .binary_search_by(|x| x.as_str().cmp(action))
                    .is_ok()
        })
    }

    /// Whether a rule silences a lint with `@allow`.
    pub fn allowed(&self, rule: RuleId, lint: Lint) -> bool {
        self.model
            .rules
            .get(rule)
            .is_some_and(|r| r.allow.contains(&lint))
    }

    /// Whether a row's escalation applies to a role.
    pub fn escalates_for(&self, row: usize, role: &str) -> bool {
        self.row(row)
            .escalation
            .as_ref()
            .is_some_and(|e| !e.except_roles.iter().any(|r| r == role))
    }
}

/// A row's budgets as relations: the sum counter plus the requested
/// amount stays within the budget.
pub(crate) fn budgets(row: &Row) -> Vec<Arc<Relation>> {
    row.budgets
        .iter()
        .map(|b| Arc::new(Relation::sum_at_most(&b.counter, &b.param, b.max)))
        .collect()
}

/// An action's domain (see [`Ctx::domains`]).
fn domain(table: &Table, action: &str) -> Zone {
    let at_least_zero = || {
        Constraint::Interval(Interval {
            min: Some(0),
            max: None,
        })
    };
    let mut zone = Zone::default();
    if let Some(info) = table.actions.get(action) {
        for p in info.params.keys() {
            if table.inputs.get(&format!("param.{p}")).is_some_and(|i| {
                matches!(
                    i.ty,
                    remit_table::InputType::Int
                        | remit_table::InputType::Money
                        | remit_table::InputType::Duration
                )
            }) {
                zone.bounds.insert(format!("param.{p}"), at_least_zero());
            }
        }
    }
    let counters = crate::counters::of_action(table, action);
    for (id, _) in &counters {
        zone.bounds.insert((*id).clone(), at_least_zero());
    }
    for (short_id, long_id) in crate::counters::nested(&counters) {
        zone.relations
            .push(Arc::new(Relation::at_most(short_id, long_id)));
    }
    zone
}

/// `analysis_incomplete`: a question about some rules was abandoned at a
/// work bound, so no finding about them is reported for it.
pub(crate) fn incomplete(
    ctx: &Ctx<'_>,
    rules: &BTreeSet<RuleId>,
    role: &str,
    action: &str,
    lint: Lint,
) -> Option<Diagnostic> {
    let listed: Vec<RuleId> = rules.iter().copied().collect();
    let (first, rest) = listed.split_first()?;
    if rules
        .iter()
        .any(|r| ctx.allowed(*r, Code::ANALYSIS_INCOMPLETE))
    {
        return None;
    }
    let names: Vec<String> = rules
        .iter()
        .map(|r| format!("`{}`", ctx.model.rules[*r].name))
        .collect();
    let mut d = Diagnostic::new(
        Code::ANALYSIS_INCOMPLETE,
        format!(
            "`{}` was not decided for {} on `{role}` · `{action}`",
            lint.name,
            names.join(", ")
        ),
        ctx.model.rules[*first].name_span,
        "the exact analysis stopped here",
    );
    for r in rest {
        d = d.secondary(ctx.model.rules[*r].name_span, "and involves this rule");
    }
    Some(
        d.note(format!("the question needs more than {COVERAGE_BUDGET} region steps; nothing unverified is reported"))
            .help("split the rules, or name parts of their conditions as segments so fewer `or`s and `!=`s multiply"),
    )
}

/// A row's box: scope and limits together (`None` when they contradict, or
/// a count limit can never hold). Budgets are left out: a box with budgets
/// is a superset of what the row permits, which the lints account for.
pub(crate) fn box_of(row: &Row) -> Option<Region> {
    let limits: Region = row.limits.clone();
    if limits
        .values()
        .any(|c| matches!(c, Constraint::Interval(Interval { max: Some(m), .. }) if *m < 0))
    {
        return None;
    }
    meet(&row.scope, &limits)
}

/// Runs every lint. Findings on rules with errors are not computed (those
/// rules have no rows), and `unused_declaration` waits until every name
/// resolves (a misspelt use is not a missing one).
pub fn run(model: &Model, lowered: &LowerOutput, names_resolve: bool) -> Vec<Diagnostic> {
    let mut out = outcome_lints(model, names_resolve);
    if lowered.format_1.is_some() {
        out.extend(run_format_1(model, lowered, names_resolve));
        return out;
    }
    // Rules that use version 1.1 forms are left out, and so is every
    // finding about a role and action they apply to (a finding there could
    // be wrong without them); the rest is analysed exactly.
    let (part, skipped) = format_1_part(model, lowered);
    let mut affected: HashSet<(&str, &str)> = HashSet::new();
    let mut skipped_spans = Vec::new();
    for &rule in &skipped {
        skipped_spans.push(model.rules[rule].span);
        for &r in &lowered.rule_rows[rule] {
            if let Some(row) = lowered.table.rows.get(r) {
                for role in &row.roles {
                    for action in &row.actions {
                        affected.insert((role.as_str(), action.as_str()));
                    }
                }
            }
        }
    }
    if let Some(part) = part {
        let within = |span: remit_diagnostics::Span| {
            skipped_spans
                .iter()
                .any(|s| s.file == span.file && s.start <= span.start && span.end <= s.end)
        };
        out.extend(
            run_format_1(model, &part, names_resolve)
                .into_iter()
                .filter(|d| {
                    let group = d.witness.as_ref().and_then(|w| {
                        Some((
                            w.request.get("role")?.as_str()?,
                            w.request.get("action")?.as_str()?,
                        ))
                    });
                    !group.is_some_and(|g| affected.contains(&g))
                        && !within(d.primary.span)
                        && !d.secondary.iter().any(|l| within(l.span))
                }),
        );
    }
    out.extend(version_1_1_not_analysed(model, &skipped));
    out
}

/// The rules whose rows all fit format 1, lowered on their own (`None`
/// when none do), and the rules left out.
fn format_1_part(model: &Model, lowered: &LowerOutput) -> (Option<LowerOutput>, Vec<RuleId>) {
    let table = &lowered.table;
    let mut skipped = Vec::new();
    let mut part = (**table).clone();
    part.rows.clear();
    let mut rule_rows: remit_sema::model::IndexVec<RuleId, Vec<usize>> =
        vec![Vec::new(); model.rules.len()].into();
    for (rule, rows) in lowered.rule_rows.iter_enumerated() {
        let fits = rows.iter().all(|&r| {
            table
                .rows
                .get(r)
                .is_some_and(|row| table.row_fits_format_1(row))
        });
        if !fits {
            skipped.push(rule);
            continue;
        }
        for &r in rows {
            if let Some(row) = table.rows.get(r) {
                rule_rows[rule].push(part.rows.len());
                part.rows.push(row.clone());
            }
        }
    }
    part.inputs.retain(|_, i| i.in_format_1());
    part.actions
        .retain(|_, a| a.params.values().all(|t| t.in_format_1()));
    part.counters.retain(|_, c| c.as_format_1().is_some());
    let format_1 = part.to_format_1().map(std::sync::Arc::new);
    let lowered = format_1.map(|f| LowerOutput {
        table: std::sync::Arc::new(part),
        format_1: Some(f),
        rule_rows,
        diagnostics: Vec::new(),
    });
    (lowered, skipped)
}

/// Every lint, on a table that format 1 can say.
fn run_format_1(model: &Model, lowered: &LowerOutput, names_resolve: bool) -> Vec<Diagnostic> {
    let mut evaluator = None;
    let Some(ctx) = Ctx::build(model, lowered, &mut evaluator) else {
        return Vec::new();
    };
    // `redundant_rule` compares every pair of permits in a group, and costs
    // about as much as all the others together: it gets a thread of its own.
    let (mut out, redundant) = rayon::join(
        || {
            let mut out = Vec::new();
            rule_level::run(&ctx, names_resolve, &mut out);
            groups::run(&ctx, &mut out);
            out
        },
        || {
            let mut out = Vec::new();
            groups::redundant(&ctx, &mut out);
            out
        },
    );
    out.extend(redundant);
    band_gap::run(&ctx, &mut out);
    // One `analysis_incomplete` per message: several lints may give up on
    // the same rules.
    let mut seen = BTreeSet::new();
    out.retain(|d| d.code != Code::ANALYSIS_INCOMPLETE || seen.insert(d.message.clone()));
    out
}

/// `no_outcome` (a permit that aims at nothing in a policy that declares
/// outcomes) and `unused_declaration` for an outcome no rule aims at
/// (LANGUAGE.md §8.5).
fn outcome_lints(model: &Model, names_resolve: bool) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if model.outcomes.is_empty() {
        return out;
    }
    for rule in &model.rules {
        if rule.ok
            && rule.effect == remit_syntax::ast::EffectKind::Permit
            && rule.aims.is_empty()
            && !rule.allow.contains(&Code::NO_OUTCOME)
        {
            out.push(
                Diagnostic::new(
                    Code::NO_OUTCOME,
                    format!("rule `{}` aims at none of the policy's outcomes", rule.name),
                    rule.name_span,
                    "no `aims`",
                )
                .help("say which outcome it serves, e.g. `aims retained`, so its uses can be measured against it"),
            );
        }
    }
    if names_resolve {
        for (id, outcome) in model.outcomes.iter_enumerated() {
            if !model.rules.iter().any(|r| r.aims.contains(&id)) {
                out.push(
                    Diagnostic::new(
                        Code::UNUSED_DECLARATION,
                        format!(
                            "outcome `{}` is declared but no rule aims at it",
                            outcome.name
                        ),
                        outcome.span,
                        "never aimed at",
                    )
                    .help(format!(
                        "add `aims {}` to the rules that serve it, or remove the declaration",
                        outcome.name
                    )),
                );
            }
        }
    }
    out
}

/// One hint per rule the lints left out because it uses version 1.1
/// forms they do not cover yet (LANGUAGE.md §8.7): nothing is reported
/// about the roles and actions it applies to rather than something
/// unverified.
fn version_1_1_not_analysed(model: &Model, skipped: &[RuleId]) -> Vec<Diagnostic> {
    skipped
        .iter()
        .map(|&rule| &model.rules[rule])
        .filter(|def| !def.allow.contains(&Code::ANALYSIS_INCOMPLETE))
        .map(|def| {
            Diagnostic::new(
                Code::ANALYSIS_INCOMPLETE,
                format!("the lints skip rule `{}` and the roles and actions it applies to: it uses version 1.1 forms they do not cover yet", def.name),
                def.name_span,
                "a relation, a keyed or calendar counter, an optional fact, a date or a time",
            )
            .help("its decisions are exact in the table and in `remit test`; conflicts, shadowing and the other lints are not reported for its roles and actions rather than guessed")
        })
        .collect()
}
