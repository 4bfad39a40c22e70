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
mod rule_level;

use crate::region::{meet, Region};
use remit_diagnostics::{Diagnostic, Lint};
use remit_sema::model::Model;
use remit_sema::LowerOutput;
use remit_table::{Constraint, Evaluator, Interval, Row, Table};
use std::collections::HashMap;

/// What every lint reads.
pub(crate) struct Ctx<'a> {
    pub model: &'a Model,
    pub table: &'a Table,
    pub rule_rows: &'a [Vec<usize>],
    pub evaluator: &'a Evaluator,
    /// Row index → model rule index.
    pub row_rule: Vec<usize>,
    /// role name → action name → row indices, inheritance expanded.
    pub groups: HashMap<&'a str, HashMap<&'a str, Vec<usize>>>,
    /// Each row's box: its scope narrowed by its limits.
    pub boxes: Vec<Option<Region>>,
}

impl<'a> Ctx<'a> {
    /// The context, with the evaluator built on another thread meanwhile
    /// (the two are the largest fixed costs of the lints).
    fn build(
        model: &'a Model,
        lowered: &'a LowerOutput,
        evaluator: &'a mut Option<Evaluator>,
    ) -> Option<Self> {
        let table: &'a Table = &lowered.table;
        let (built, (row_rule, groups, boxes)) = rayon::join(
            || Evaluator::new(std::sync::Arc::clone(&lowered.table)).ok(),
            || {
                let mut row_rule = vec![0; table.rows.len()];
                for (rule, rows) in lowered.rule_rows.iter().enumerate() {
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
                (row_rule, groups, boxes)
            },
        );
        *evaluator = built;
        Some(Ctx {
            model,
            table,
            rule_rows: &lowered.rule_rows,
            evaluator: evaluator.as_ref()?,
            row_rule,
            groups,
            boxes,
        })
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
        rule: usize,
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
    pub fn allowed(&self, rule: usize, lint: Lint) -> bool {
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
    out
}
