//! Lowering a checked policy to the decision table (TABLE.md, format 2).
//!
//! Each rule's `for` and `when` become rows of per-input constraints in
//! disjunctive normal form: segments and situations are inlined,
//! negations pushed to the leaves (`not in` becomes the complement, `!=`
//! two intervals), and each disjunct's constraints merged per input, so a
//! contradictory disjunct disappears. Linear comparisons (§8.1) become
//! relations beside the constraints: on scope inputs part of the scope,
//! and reading a parameter a limit. Limits become intervals on
//! parameters and counters, relational caps limit relations (`min`/`max`
//! a row per alternative), budgets the relation `counter + param <= max`.
//! Role inheritance is expanded into each row's role list.

use crate::model::{
    Cond, Id, IndexVec, Input, InputKind, Model, RoleId, RuleDef, RuleId, Subject, Type, WindowDef,
};
use rayon::prelude::*;
use remit_diagnostics::{Code, Diagnostic, Sources};
use remit_syntax::ast::CmpOp;
use remit_syntax::ast::EffectKind;
use remit_table::v2::{
    ActionInfo, CalendarPeriod, CounterInfo, CurrencyInfo, DefaultDecision, Escalation, InputInfo,
    InputType, Measure, Outcome, PolicyInfo, Presence, Relation, Row, SourceLocation, Table,
    Window, FORMAT,
};
use remit_table::{BoolEq, Constraint, InSet, Interval, SetTest};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// The most rows one rule may lower to; a rule whose disjunctive normal
/// form needs more gets `rule_too_large` instead of exhausting memory.
pub const MAX_ROWS_PER_RULE: usize = 256;

/// A table, the rows of each rule, and lowering diagnostics.
#[derive(Debug, Clone)]
pub struct LowerOutput {
    /// The decision table, as `remit build` writes it.
    pub table: std::sync::Arc<Table>,
    /// The same table in format 1, when the policy uses nothing of
    /// version 1.1 that format 1 cannot say (what the version 1 analysis
    /// reads; see [`Table::to_format_1`]).
    pub format_1: Option<std::sync::Arc<remit_table::Table>>,
    /// For each rule of the model, the indices of its rows in
    /// [`LowerOutput::table`].
    pub rule_rows: IndexVec<RuleId, Vec<usize>>,
    /// Rules too large to lower, parameters with clashing types.
    pub diagnostics: Vec<Diagnostic>,
}

/// One disjunct's per-input constraints, all of which must hold.
pub type Conjunction = BTreeMap<String, Constraint>;

/// One disjunct of a condition: per-input constraints, the optional inputs
/// it needs given or absent, and linear relations, all of which must hold.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scope {
    /// Input → constraint.
    pub constraints: Conjunction,
    /// Optional input → whether it must be given.
    pub present: BTreeMap<String, bool>,
    /// Linear relations.
    pub relations: Vec<Relation>,
}

impl Scope {
    fn single(input: &Input, c: Constraint) -> Scope {
        Scope {
            constraints: BTreeMap::from([(input.key(), c)]),
            ..Scope::default()
        }
    }

    /// Both, or `None` when they contradict.
    fn and(&self, other: &Scope) -> Option<Scope> {
        let constraints = conjoin(&self.constraints, &other.constraints)?;
        let mut present = self.present.clone();
        for (k, v) in &other.present {
            if present.insert(k.clone(), *v).is_some_and(|old| old != *v) {
                return None;
            }
        }
        let mut relations = self.relations.clone();
        for r in &other.relations {
            if !relations.contains(r) {
                relations.push(r.clone());
            }
        }
        Scope {
            constraints,
            present,
            relations,
        }
        .consistent()
    }

    /// `None` when an input that must be absent is also constrained
    /// (every constraint on an absent input fails).
    fn consistent(self) -> Option<Scope> {
        let absent_read = self.present.iter().any(|(k, given)| {
            !given
                && (self.constraints.contains_key(k)
                    || self.relations.iter().any(|r| r.terms.contains_key(k)))
        });
        (!absent_read).then_some(self)
    }

    /// The scope as a row's constraints: `present: true` is dropped where
    /// another constraint on the input already needs it given.
    fn row_constraints(&self) -> BTreeMap<String, remit_table::v2::Constraint> {
        let mut out: BTreeMap<String, remit_table::v2::Constraint> = self
            .constraints
            .iter()
            .map(|(k, c)| (k.clone(), c.clone().into()))
            .collect();
        for (k, given) in &self.present {
            if !out.contains_key(k) {
                let c = remit_table::v2::Constraint::Present(Presence { present: *given });
                out.insert(k.clone(), c);
            }
        }
        out
    }
}

/// One rule lowered: its id, its rows (or how many combinations made it
/// too large), and the counters it reads.
type LoweredRule = (
    RuleId,
    Result<Vec<Row>, usize>,
    BTreeMap<String, CounterInfo>,
);

/// Lowers every rule that checked cleanly.
pub fn lower(model: &Model, sources: &Sources) -> LowerOutput {
    let mut diagnostics = Vec::new();
    let inputs = inputs(model, &mut diagnostics);
    let mut counters: BTreeMap<String, CounterInfo> = BTreeMap::new();
    let mut rows: Vec<(String, RuleId, Row)> = Vec::new();
    // Rules lower independently, in parallel; each collects the counters
    // it reads (an id determines its counter, so merging is a union).
    let per_rule: Vec<LoweredRule> = model
        .rules
        .as_slice()
        .par_iter()
        .enumerate()
        .filter(|(_, rule)| rule.ok)
        .map(|(index, rule)| {
            let mut own = BTreeMap::new();
            let result = rule_rows(model, rule, sources, &mut own);
            (RuleId::from_index(index), result, own)
        })
        .collect();
    for (index, result, own) in per_rule {
        let rule = &model.rules[index];
        counters.extend(own);
        match result {
            Ok(rule_rows) => rows.extend(rule_rows.into_iter().map(|r| (rule.name.clone(), index, r))),
            Err(count) => diagnostics.push(
                Diagnostic::new(
                    Code::RULE_TOO_LARGE,
                    format!("rule `{}` expands to more than {MAX_ROWS_PER_RULE} table rows", rule.name),
                    rule.name_span,
                    format!("its conditions have at least {count} combinations"),
                )
                .help("split the rule, or name parts of the condition as segments so fewer `or`s and `!=`s multiply"),
            ),
        }
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let mut rule_rows: IndexVec<RuleId, Vec<usize>> = vec![Vec::new(); model.rules.len()].into();
    for (i, (_, rule, _)) in rows.iter().enumerate() {
        rule_rows[*rule].push(i);
    }
    let roles = model
        .roles
        .iter()
        .map(|r| {
            (
                r.name.clone(),
                sorted(r.ancestors.iter().map(|a| model.roles[*a].name.clone())),
            )
        })
        .collect();
    let actions = model
        .actions
        .iter()
        .map(|a| {
            (
                a.name.clone(),
                ActionInfo {
                    params: a
                        .params
                        .iter()
                        .map(|p| (p.name.clone(), input_type(&p.ty)))
                        .collect(),
                },
            )
        })
        .collect();
    let mut table = Table {
        format: FORMAT.to_string(),
        policy: PolicyInfo {
            name: model.name.clone(),
            version: model.version.clone(),
        },
        digest: String::new(),
        currency: model.currency.as_ref().map(|c| CurrencyInfo {
            code: c.code.clone(),
            scale: c.scale,
        }),
        timezone: model
            .timezone
            .as_ref()
            .map_or_else(|| "UTC".to_string(), |(z, _)| z.clone()),
        default: DefaultDecision {
            effect: Outcome::Deny,
        },
        roles,
        actions,
        inputs,
        counters,
        obligations: model
            .obligations
            .iter()
            .map(|o| (o.name.clone(), o.description.clone()))
            .collect(),
        outcomes: model
            .outcomes
            .iter()
            .map(|o| (o.name.clone(), o.description.clone()))
            .collect(),
        rows: rows.into_iter().map(|(_, _, r)| r).collect(),
    };
    let sources: Vec<Option<SourceLocation>> =
        table.rows.iter_mut().map(|r| r.source.take()).collect();
    table.digest = digest_of_canonical(&table);
    for (row, source) in table.rows.iter_mut().zip(sources) {
        row.source = source;
    }
    // The format 1 view is what version 1 compiled to, digest included.
    let format_1 = table.to_format_1().map(|mut t| {
        t.digest.clear();
        let sources: Vec<Option<SourceLocation>> =
            t.rows.iter_mut().map(|r| r.source.take()).collect();
        t.digest = digest_of_canonical(&t);
        for (row, source) in t.rows.iter_mut().zip(sources) {
            row.source = source;
        }
        std::sync::Arc::new(t)
    });
    LowerOutput {
        table: std::sync::Arc::new(table),
        format_1,
        rule_rows,
        diagnostics,
    }
}

/// `sha256:` + hex over the canonical body: the table's compact JSON in
/// its own field order, with `digest` empty and no row `source`. Streams
/// into the hash; nothing is built in memory.
pub fn digest(table: &Table) -> String {
    let mut body = table.clone();
    body.digest.clear();
    for row in &mut body.rows {
        row.source = None;
    }
    digest_of_canonical(&body)
}

/// The digest of a table that already has no sources and an empty digest.
fn digest_of_canonical(table: &impl serde::Serialize) -> String {
    struct Hasher(Sha256);
    impl std::io::Write for Hasher {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.update(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut hasher = Hasher(Sha256::new());
    // Writing to a hasher cannot fail, and the table always serializes.
    let _ = serde_json::to_writer(&mut hasher, table);
    let hex: String = hasher
        .0
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256:{hex}")
}

fn sorted(names: impl Iterator<Item = String>) -> Vec<String> {
    let set: BTreeSet<String> = names.collect();
    set.into_iter().collect()
}

fn input_type(ty: &Type) -> InputType {
    match ty {
        Type::Bool => InputType::Bool,
        Type::Int => InputType::Int,
        Type::Money => InputType::Money,
        Type::Duration => InputType::Duration,
        Type::Enum(_) => InputType::Enum,
        Type::Set(_) => InputType::Set,
        Type::Key => InputType::Key,
        Type::Date => InputType::Date,
        Type::Time => InputType::Time,
    }
}

fn inputs(model: &Model, diagnostics: &mut Vec<Diagnostic>) -> BTreeMap<String, InputInfo> {
    let info = |ty: &Type, optional: bool| InputInfo {
        ty: input_type(ty),
        values: match ty {
            Type::Enum(e) | Type::Set(e) => model
                .enum_def(e)
                .map(|d| sorted(d.variants.iter().map(|(v, _)| v.clone()))),
            _ => None,
        },
        optional,
    };
    let mut out = BTreeMap::new();
    for a in &model.customer {
        out.insert(format!("customer.{}", a.name), info(&a.ty, a.optional));
    }
    for a in &model.context {
        out.insert(format!("context.{}", a.name), info(&a.ty, a.optional));
    }
    let mut param_types: BTreeMap<&str, (&Type, &str)> = BTreeMap::new();
    for action in &model.actions {
        for p in &action.params {
            match param_types.get(p.name.as_str()) {
                Some((ty, other)) if **ty != p.ty => diagnostics.push(
                    Diagnostic::new(
                        Code::TYPE_MISMATCH,
                        format!("parameter `{}` is `{}` on `{other}` but `{}` on `{}`", p.name, ty, p.ty, action.name),
                        p.span,
                        "a different type here",
                    )
                    .help("the table has one input per parameter name; give parameters of different types different names"),
                ),
                Some(_) => {}
                None => {
                    param_types.insert(&p.name, (&p.ty, &action.name));
                    out.insert(format!("param.{}", p.name), info(&p.ty, false));
                }
            }
        }
    }
    out
}

/// ISO 8601 spelling of a window: `P30D`, `PT2H`, `PT45M`.
pub fn window_id(minutes: i64) -> String {
    if minutes % 1440 == 0 {
        format!("P{}D", minutes / 1440)
    } else if minutes % 60 == 0 {
        format!("PT{}H", minutes / 60)
    } else {
        format!("PT{minutes}M")
    }
}

/// The id of a counter, e.g. `customer/comp_meal+refund/sum/P90D`,
/// `customer+context.incident/refund/sum/all`,
/// `employee/refund/sum/calendar-day`: the subjects in the order written,
/// the actions, the measure and the window (TABLE.md, format 2).
pub fn counter_id(
    subjects: &[Subject],
    actions: &[String],
    measure: Measure,
    window: WindowDef,
) -> String {
    let per: Vec<String> = subjects.iter().map(Subject::key).collect();
    let measure = match measure {
        Measure::Count => "count",
        Measure::Sum => "sum",
    };
    let window = match window {
        WindowDef::Sliding(minutes) => window_id(minutes),
        WindowDef::Calendar(p) => format!("calendar-{}", p.as_str()),
        WindowDef::All => "all".to_string(),
    };
    format!("{}/{}/{measure}/{window}", per.join("+"), actions.join("+"))
}

/// The counter a count or total limit reads.
fn counter(
    subjects: &[Subject],
    actions: &[String],
    measure: Measure,
    window: WindowDef,
) -> CounterInfo {
    CounterInfo {
        per: subjects.iter().map(Subject::key).collect(),
        actions: actions.to_vec(),
        measure,
        window: match window {
            WindowDef::Sliding(minutes) => Window::SlidingMinutes(minutes),
            WindowDef::Calendar(p) => Window::Calendar(match p {
                crate::model::Period::Day => CalendarPeriod::Day,
                crate::model::Period::Week => CalendarPeriod::Week,
                crate::model::Period::Month => CalendarPeriod::Month,
                crate::model::Period::Quarter => CalendarPeriod::Quarter,
                crate::model::Period::Year => CalendarPeriod::Year,
            }),
            WindowDef::All => Window::All(true),
        },
    }
}

/// One rule's rows: a row per scope (disjunct), limit alternative and
/// budget group, each with the rule's roles (inheritance expanded),
/// limits, relations, obligations, aims, notifications and escalation; the
/// counters its limits read go into `counters`. `Err` holds how many
/// combinations made the rule too large.
fn rule_rows(
    model: &Model,
    rule: &RuleDef,
    sources: &Sources,
    counters: &mut BTreeMap<String, CounterInfo>,
) -> Result<Vec<Row>, usize> {
    let scopes = rule_scopes(model, rule)?;
    let alternatives = if rule.relations.is_empty() {
        vec![Scope::default()]
    } else {
        dnf(
            model,
            &Cond::And(rule.relations.iter().map(|r| r.cond.clone()).collect()),
        )?
    };
    let combinations = scopes.len().saturating_mul(alternatives.len());
    if combinations > MAX_ROWS_PER_RULE {
        return Err(combinations);
    }
    let action_names = sorted(rule.actions.iter().map(|a| model.actions[*a].name.clone()));
    let roles = sorted(
        rule.roles
            .iter()
            .flat_map(|r| with_descendants(model, *r))
            .map(|r| model.roles[r].name.clone()),
    );
    let escalation = escalation_of(model, rule);
    let limits = limits_of(rule, &action_names, counters);
    let groups = budget_groups(model, rule);
    let source = source_location(sources, rule);
    let effect = match rule.effect {
        EffectKind::Permit => Outcome::Permit,
        EffectKind::Forbid => Outcome::Forbid,
        EffectKind::Escalate => Outcome::Escalate,
    };
    let obligations = sorted(
        rule.require
            .iter()
            .map(|o| model.obligations[*o].name.clone()),
    );
    let aims = sorted(rule.aims.iter().map(|o| model.outcomes[*o].name.clone()));
    let notify = sorted(rule.notify.iter().map(|r| model.roles[*r].name.clone()));
    let mut rows = Vec::new();
    for scope in &scopes {
        // Relations that read a parameter decide between permit and
        // `otherwise`: they are limits (TABLE.md, format 2).
        let (limit_rel, scope_rel): (Vec<Relation>, Vec<Relation>) = scope
            .relations
            .iter()
            .cloned()
            .partition(|r| r.terms.keys().any(|k| k.starts_with("param.")));
        for alternative in &alternatives {
            let Some(row_limits) = conjoin(&limits, &alternative.constraints) else {
                continue;
            };
            let mut relations = limit_rel.clone();
            for r in &alternative.relations {
                if !relations.contains(r) {
                    relations.push(r.clone());
                }
            }
            // A limit alternative's constraint on a scope input (a
            // degenerate `min`/`max`) is a one-term relation.
            let (param_limits, other): (Conjunction, Conjunction) = row_limits
                .into_iter()
                .partition(|(k, _)| !k.starts_with("customer.") && !k.starts_with("context."));
            for (k, c) in other {
                relations.extend(interval_relations(&k, &c));
            }
            for (money_param, actions) in &groups {
                let mut limit_relations = relations.clone();
                limit_relations.extend(budgets_of(
                    rule,
                    &action_names,
                    money_param.as_deref(),
                    counters,
                ));
                rows.push(Row {
                    rule: rule.name.clone(),
                    source: source.clone(),
                    effect,
                    roles: roles.clone(),
                    actions: actions.clone(),
                    scope: scope.row_constraints(),
                    scope_relations: scope_rel.clone(),
                    limits: param_limits
                        .iter()
                        .map(|(k, c)| (k.clone(), c.clone().into()))
                        .collect(),
                    limit_relations,
                    obligations: obligations.clone(),
                    aims: aims.clone(),
                    notify: notify.clone(),
                    escalation: escalation.clone(),
                });
            }
        }
    }
    Ok(rows)
}

/// An interval on one input as relations (`x <= max`, `-x <= -min`).
fn interval_relations(key: &str, c: &Constraint) -> Vec<Relation> {
    let Constraint::Interval(i) = c else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(max) = i.max {
        out.push(Relation {
            terms: BTreeMap::from([(key.to_string(), 1)]),
            max,
        });
    }
    if let Some(min) = i.min.and_then(i64::checked_neg) {
        out.push(Relation {
            terms: BTreeMap::from([(key.to_string(), -1)]),
            max: min,
        });
    }
    out
}

/// The rule's scopes: its `for` and `when` conditions together, in
/// disjunctive normal form (one row per disjunct), or how many
/// combinations made it too large.
fn rule_scopes(model: &Model, rule: &RuleDef) -> Result<Vec<Scope>, usize> {
    let mut cond = Vec::new();
    if let Some(c) = &rule.customers {
        cond.push(c.clone());
    }
    if let Some(c) = &rule.when {
        cond.push(c.clone());
    }
    dnf(model, &Cond::And(cond))
}

/// A role and every role that inherits from it.
fn with_descendants(model: &Model, role: RoleId) -> BTreeSet<RoleId> {
    let mut set: BTreeSet<RoleId> = model.descendants(role);
    set.insert(role);
    set
}

/// Where the rule escalates (an escalate rule's target, or a permit's
/// `otherwise`), except for the target and the roles below it.
fn escalation_of(model: &Model, rule: &RuleDef) -> Option<Escalation> {
    match (rule.effect, rule.target, rule.otherwise) {
        (EffectKind::Escalate, Some(t), _) | (EffectKind::Permit, _, Some(t)) => Some(Escalation {
            to: model.roles[t].name.clone(),
            except_roles: sorted(
                with_descendants(model, t)
                    .into_iter()
                    .map(|r| model.roles[r].name.clone()),
            ),
        }),
        _ => None,
    }
}

/// The rule's caps (the smallest per parameter) and count limits as
/// intervals, registering the counters the count limits read.
fn limits_of(
    rule: &RuleDef,
    action_names: &[String],
    counters: &mut BTreeMap<String, CounterInfo>,
) -> Conjunction {
    let mut limits: Conjunction = BTreeMap::new();
    let at_most = |limits: &mut Conjunction, key: String, max: i64| {
        let max = match limits.get(&key) {
            Some(Constraint::Interval(i)) => i.max.map_or(max, |m| m.min(max)),
            _ => max,
        };
        limits.insert(
            key,
            Constraint::Interval(Interval {
                min: None,
                max: Some(max),
            }),
        );
    };
    for cap in &rule.caps {
        at_most(&mut limits, format!("param.{}", cap.param), cap.max);
    }
    for count in &rule.counts {
        let id = counter_id(&count.subjects, action_names, Measure::Count, count.window);
        counters.insert(
            id.clone(),
            counter(&count.subjects, action_names, Measure::Count, count.window),
        );
        at_most(&mut limits, id, count.count - 1);
    }
    limits
}

/// The rule's actions grouped by the money parameter a budget reads
/// (`None` for all when the rule has no budget): actions whose money
/// parameters are named differently get separate rows.
fn budget_groups(model: &Model, rule: &RuleDef) -> BTreeMap<Option<String>, Vec<String>> {
    let mut groups: BTreeMap<Option<String>, Vec<String>> = BTreeMap::new();
    for &a in &rule.actions {
        let key = if rule.totals.is_empty() {
            None
        } else {
            model.actions[a].money_param().map(|p| p.name.clone())
        };
        groups
            .entry(key)
            .or_default()
            .push(model.actions[a].name.clone());
    }
    for actions in groups.values_mut() {
        actions.sort();
        actions.dedup();
    }
    groups
}

/// Where the rule's name is: file name, line and column.
fn source_location(sources: &Sources, rule: &RuleDef) -> Option<SourceLocation> {
    sources.get(rule.name_span.file).map(|f| {
        let lc = f.line_col(rule.name_span.start as usize);
        let name = std::path::Path::new(f.name()).file_name().map_or_else(
            || f.name().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        SourceLocation {
            file: name,
            line: lc.line,
            column: lc.column,
        }
    })
}

/// The rule's budgets over `money_param` (none without one) as limit
/// relations `counter + param <= max`, registering the sum counters they
/// read.
fn budgets_of(
    rule: &RuleDef,
    action_names: &[String],
    money_param: Option<&str>,
    counters: &mut BTreeMap<String, CounterInfo>,
) -> Vec<Relation> {
    rule.totals
        .iter()
        .filter_map(|t| {
            let id = counter_id(&t.subjects, action_names, Measure::Sum, t.window);
            counters.insert(
                id.clone(),
                counter(&t.subjects, action_names, Measure::Sum, t.window),
            );
            money_param.map(|p| Relation {
                terms: BTreeMap::from([(id, 1), (format!("param.{p}"), 1)]),
                max: t.amount,
            })
        })
        .collect()
}

/// The disjunctive normal form of a condition as merged per-input
/// conjunctions, contradictory ones dropped. `Err(n)` when more than
/// [`MAX_ROWS_PER_RULE`] disjuncts would be needed (`n` is how many were
/// reached).
pub fn dnf(model: &Model, cond: &Cond) -> Result<Vec<Scope>, usize> {
    dnf_of(model, cond, false).map(merge_disjuncts)
}

/// Merges disjuncts that differ in exactly one input when the union of
/// their constraints on it is itself a constraint (two enum sets, or two
/// intervals that overlap or touch): `tier in {gold} or tier in {silver}`
/// is one row, not two. The result decides exactly as the input did.
fn merge_disjuncts(mut rows: Vec<Scope>) -> Vec<Scope> {
    let mut merged = true;
    while merged {
        merged = false;
        'search: for i in 0..rows.len() {
            for j in i + 1..rows.len() {
                if rows[i].present != rows[j].present || rows[i].relations != rows[j].relations {
                    continue;
                }
                if let Some(union) = union_of(&rows[i].constraints, &rows[j].constraints) {
                    rows[i].constraints = union;
                    rows.remove(j);
                    merged = true;
                    break 'search;
                }
            }
        }
    }
    rows
}

fn union_of(a: &Conjunction, b: &Conjunction) -> Option<Conjunction> {
    if a.len() != b.len() {
        return None;
    }
    let mut differing = None;
    for ((ka, ca), (kb, cb)) in a.iter().zip(b.iter()) {
        if ka != kb {
            return None;
        }
        if ca != cb {
            if differing.is_some() {
                return None;
            }
            differing = Some((ka, ca, cb));
        }
    }
    let (key, x, y) = differing?;
    let union = match (x, y) {
        (Constraint::In(p), Constraint::In(q)) => {
            let values: BTreeSet<String> =
                p.values.iter().chain(q.values.iter()).cloned().collect();
            Constraint::In(InSet {
                values: values.into_iter().collect(),
            })
        }
        (Constraint::Interval(p), Constraint::Interval(q)) => {
            let (lo, hi) = if p.min.unwrap_or(i64::MIN) <= q.min.unwrap_or(i64::MIN) {
                (p, q)
            } else {
                (q, p)
            };
            let touches = match (lo.max, hi.min) {
                (None, _) | (_, None) => true,
                (Some(end), Some(start)) => start <= end.saturating_add(1),
            };
            if !touches {
                return None;
            }
            let max = match (lo.max, hi.max) {
                (Some(a), Some(b)) => Some(a.max(b)),
                _ => None,
            };
            if lo.min.is_none() && max.is_none() {
                // The union is everything: drop the constraint.
                let mut out = a.clone();
                out.remove(key);
                return Some(out);
            }
            Constraint::Interval(Interval { min: lo.min, max })
        }
        _ => return None,
    };
    let mut out = a.clone();
    out.insert(key.clone(), union);
    Some(out)
}

fn dnf_of(model: &Model, cond: &Cond, negated: bool) -> Result<Vec<Scope>, usize> {
    let any = || Ok(vec![Scope::default()]);
    let none = || Ok(Vec::new());
    match (cond, negated) {
        (Cond::True, false) | (Cond::False, true) => any(),
        (Cond::False, false) | (Cond::True, true) => none(),
        (Cond::Not(inner), n) => dnf_of(model, inner, !n),
        (Cond::Segment(i), n) => match model.segments.get(*i) {
            Some(d) => dnf_of(model, &d.cond, n),
            None => none(),
        },
        (Cond::Situation(i), n) => match model.situations.get(*i) {
            Some(d) => dnf_of(model, &d.cond, n),
            None => none(),
        },
        (Cond::And(parts), false) | (Cond::Or(parts), true) => {
            // Parts with one disjunct are merged in one pass per input, in
            // time linear in their number; only the others multiply.
            let mut singles: Vec<Scope> = Vec::new();
            let mut multiples: Vec<Vec<Scope>> = Vec::new();
            for part in parts {
                let mut rhs = dnf_of(model, part, negated)?;
                match rhs.len() {
                    0 => return none(),
                    1 => singles.extend(rhs.pop()),
                    _ => multiples.push(rhs),
                }
            }
            let Some(base) = conjoin_scopes(&singles) else {
                return none();
            };
            let mut acc = vec![base];
            for rhs in multiples {
                let mut next = Vec::new();
                for a in &acc {
                    for b in &rhs {
                        if let Some(c) = a.and(b) {
                            if !next.contains(&c) {
                                next.push(c);
                            }
                            if next.len() > MAX_ROWS_PER_RULE {
                                return Err(next.len());
                            }
                        }
                    }
                }
                acc = next;
                if acc.is_empty() {
                    break;
                }
            }
            Ok(acc)
        }
        (Cond::Or(parts), false) | (Cond::And(parts), true) => {
            let mut out: Vec<Scope> = Vec::new();
            for part in parts {
                for c in dnf_of(model, part, negated)? {
                    if !out.contains(&c) {
                        out.push(c);
                    }
                }
                if out.len() > MAX_ROWS_PER_RULE {
                    return Err(out.len());
                }
            }
            Ok(out)
        }
        (Cond::Num { input, op, value }, n) => {
            let op = if n { op.negated() } else { *op };
            let v = *value;
            let intervals = match op {
                CmpOp::Eq => vec![Interval {
                    min: Some(v),
                    max: Some(v),
                }],
                CmpOp::Lt => vec![Interval {
                    min: None,
                    max: v.checked_sub(1),
                }],
                CmpOp::Le => vec![Interval {
                    min: None,
                    max: Some(v),
                }],
                CmpOp::Gt => vec![Interval {
                    min: v.checked_add(1),
                    max: None,
                }],
                CmpOp::Ge => vec![Interval {
                    min: Some(v),
                    max: None,
                }],
                CmpOp::Ne => vec![
                    Interval {
                        min: None,
                        max: v.checked_sub(1),
                    },
                    Interval {
                        min: v.checked_add(1),
                        max: None,
                    },
                ],
            };
            // A time of day is 0 to 1439 (TABLE.md): bounds beyond that
            // are always met (dropped) or never (the interval is empty).
            let time = input_type_of(model, input) == Some(&Type::Time);
            Ok(intervals
                .into_iter()
                .filter_map(|mut i| {
                    if time {
                        if i.max.is_some_and(|m| m < 0) || i.min.is_some_and(|m| m > 1439) {
                            return None;
                        }
                        i.min = i.min.filter(|m| *m > 0);
                        i.max = i.max.filter(|m| *m < 1439);
                    }
                    Some(i)
                })
                .filter(|i| i.min.is_some() || i.max.is_some())
                .map(|i| Scope::single(input, Constraint::Interval(i)))
                .collect())
        }
        (Cond::Bool { input, value }, n) => Ok(vec![Scope::single(
            input,
            Constraint::Eq(BoolEq { eq: *value != n }),
        )]),
        (Cond::Present { input }, n) => Ok(vec![Scope {
            present: BTreeMap::from([(input.key(), !n)]),
            ..Scope::default()
        }]),
        (Cond::Linear { terms, max }, n) => {
            // not (Σ c·x <= m)  ⇔  Σ -c·x <= -m - 1
            let relation = if n {
                let Some(max) = max.checked_neg().and_then(|m| m.checked_sub(1)) else {
                    return none();
                };
                Relation {
                    terms: terms.iter().map(|(x, c)| (x.key(), -c)).collect(),
                    max,
                }
            } else {
                Relation {
                    terms: terms.iter().map(|(x, c)| (x.key(), *c)).collect(),
                    max: *max,
                }
            };
            Ok(vec![Scope {
                relations: vec![relation],
                ..Scope::default()
            }])
        }
        (Cond::In { input, variants }, n) => {
            let chosen: Vec<String> = if n {
                let all = enum_variants(model, input);
                all.into_iter().filter(|v| !variants.contains(v)).collect()
            } else {
                variants.iter().cloned().collect()
            };
            if chosen.is_empty() {
                none()
            } else {
                Ok(vec![Scope::single(
                    input,
                    Constraint::In(InSet { values: chosen }),
                )])
            }
        }
        (Cond::Contains { input, variant }, n) => {
            let t = if n {
                SetTest {
                    contains: None,
                    excludes: Some(vec![variant.clone()]),
                }
            } else {
                SetTest {
                    contains: Some(vec![variant.clone()]),
                    excludes: None,
                }
            };
            Ok(vec![Scope::single(input, Constraint::Set(t))])
        }
    }
}

/// The declared type of an input (a parameter by its name on any action).
fn input_type_of<'m>(model: &'m Model, input: &Input) -> Option<&'m Type> {
    match input.kind {
        InputKind::Customer => model
            .customer
            .iter()
            .find(|a| a.name == input.name)
            .map(|a| &a.ty),
        InputKind::Context => model
            .context
            .iter()
            .find(|a| a.name == input.name)
            .map(|a| &a.ty),
        InputKind::Param => model
            .actions
            .iter()
            .find_map(|a| a.param(&input.name))
            .map(|p| &p.ty),
    }
}

fn enum_variants(model: &Model, input: &Input) -> Vec<String> {
    let ty = input_type_of(model, input);
    match ty {
        Some(Type::Enum(e)) => model
            .enum_def(e)
            .map(|d| sorted(d.variants.iter().map(|(v, _)| v.clone())))
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// The conjunction of many scopes, or `None` when contradictory: their
/// constraints per input in one pass ([`conjoin_all`]), the rest merged.
fn conjoin_scopes(parts: &[Scope]) -> Option<Scope> {
    let constraints: Vec<Conjunction> = parts.iter().map(|p| p.constraints.clone()).collect();
    let mut out = Scope {
        constraints: conjoin_all(&constraints)?,
        ..Scope::default()
    };
    for p in parts {
        for (k, v) in &p.present {
            if out
                .present
                .insert(k.clone(), *v)
                .is_some_and(|old| old != *v)
            {
                return None;
            }
        }
        for r in &p.relations {
            if !out.relations.contains(r) {
                out.relations.push(r.clone());
            }
        }
    }
    out.consistent()
}

/// The conjunction of many conjunctions, or `None` when contradictory: each
/// input's constraints are intersected together ([`intersect_all`]), so
/// the cost is linear in their number.
pub fn conjoin_all(parts: &[Conjunction]) -> Option<Conjunction> {
    let mut by_key: BTreeMap<&String, Vec<&Constraint>> = BTreeMap::new();
    for part in parts {
        for (key, c) in part {
            by_key.entry(key).or_default().push(c);
        }
    }
    by_key
        .into_iter()
        .map(|(key, cs)| Some((key.clone(), intersect_all(&cs)?)))
        .collect()
}

/// The intersection of several constraints on one input, or `None` when
/// it is empty (or when there are none), in time linear in their total
/// size: set tests are merged in one pass (their lists only grow), the
/// others a pair at a time (an enum set only shrinks).
pub fn intersect_all(cs: &[&Constraint]) -> Option<Constraint> {
    let (first, rest) = cs.split_first()?;
    if rest.is_empty() {
        return Some((*first).clone());
    }
    if cs.iter().all(|c| matches!(c, Constraint::Set(_))) {
        let tests = cs.iter().filter_map(|c| match c {
            Constraint::Set(t) => Some(t),
            _ => None,
        });
        return set_tests_meet(tests);
    }
    rest.iter()
        .try_fold((*first).clone(), |acc, c| intersect(&acc, c))
}

/// The conjunction of set tests: everything any of them requires, and
/// everything any excludes (`None` when a value is both).
fn set_tests_meet<'a>(tests: impl Iterator<Item = &'a SetTest>) -> Option<Constraint> {
    let mut contains: BTreeSet<String> = BTreeSet::new();
    let mut excludes: BTreeSet<String> = BTreeSet::new();
    for t in tests {
        contains.extend(t.contains.iter().flatten().cloned());
        excludes.extend(t.excludes.iter().flatten().cloned());
    }
    if contains.intersection(&excludes).next().is_some() {
        return None;
    }
    let list = |s: BTreeSet<String>| {
        if s.is_empty() {
            None
        } else {
            Some(s.into_iter().collect())
        }
    };
    Some(Constraint::Set(SetTest {
        contains: list(contains),
        excludes: list(excludes),
    }))
}

/// The conjunction of two conjunctions, or `None` when contradictory.
pub fn conjoin(a: &Conjunction, b: &Conjunction) -> Option<Conjunction> {
    let mut out = a.clone();
    for (key, c) in b {
        let merged = match out.get(key) {
            Some(existing) => intersect(existing, c)?,
            None => c.clone(),
        };
        out.insert(key.clone(), merged);
    }
    Some(out)
}

/// The intersection of two constraints on one input, or `None` when empty.
pub fn intersect(a: &Constraint, b: &Constraint) -> Option<Constraint> {
    match (a, b) {
        (Constraint::Interval(x), Constraint::Interval(y)) => {
            let min = match (x.min, y.min) {
                (Some(p), Some(q)) => Some(p.max(q)),
                (p, q) => p.or(q),
            };
            let max = match (x.max, y.max) {
                (Some(p), Some(q)) => Some(p.min(q)),
                (p, q) => p.or(q),
            };
            match (min, max) {
                (Some(lo), Some(hi)) if lo > hi => None,
                _ => Some(Constraint::Interval(Interval { min, max })),
            }
        }
        (Constraint::In(x), Constraint::In(y)) => {
            // Linear in both sizes, keeping `x`'s order.
            let values: Vec<String> = if y.values.len() <= 16 {
                x.values
                    .iter()
                    .filter(|v| y.values.contains(v))
                    .cloned()
                    .collect()
            } else {
                let ys: std::collections::HashSet<&str> =
                    y.values.iter().map(String::as_str).collect();
                x.values
                    .iter()
                    .filter(|v| ys.contains(v.as_str()))
                    .cloned()
                    .collect()
            };
            (!values.is_empty()).then_some(Constraint::In(InSet { values }))
        }
        (Constraint::Eq(x), Constraint::Eq(y)) => (x.eq == y.eq).then_some(Constraint::Eq(*x)),
        (Constraint::Set(x), Constraint::Set(y)) => set_tests_meet([x, y].into_iter()),
        _ => None,
    }
}
