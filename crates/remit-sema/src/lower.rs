//! Lowering a checked policy to the decision table (TABLE.md).
//!
//! Each rule's `for` and `when` become rows of per-input constraints in
//! disjunctive normal form: segments and situations are inlined,
//! negations pushed to the leaves (`not in` becomes the complement, `!=`
//! two intervals), and each disjunct's constraints merged per input, so a
//! contradictory disjunct disappears. Limits become intervals on
//! parameters and counters, budgets the one two-input constraint. Role
//! inheritance is expanded into each row's role list.

use crate::model::{Cond, Id, IndexVec, Input, InputKind, Model, RoleId, RuleDef, RuleId, Type};
use rayon::prelude::*;
use remit_diagnostics::{Code, Diagnostic, Sources};
use remit_syntax::ast::CmpOp;
use remit_syntax::ast::{EffectKind, Per};
use remit_table::{
    ActionInfo, BoolEq, Budget, Constraint, CounterInfo, CounterPer, CurrencyInfo, DefaultDecision,
    Escalation, InSet, InputInfo, InputType, Interval, Measure, Outcome, PolicyInfo, Row, SetTest,
    SourceLocation, Table, FORMAT,
};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// The most rows one rule may lower to; a rule whose disjunctive normal
/// form needs more gets `rule_too_large` instead of exhausting memory.
pub const MAX_ROWS_PER_RULE: usize = 256;

/// A table, the rows of each rule, and lowering diagnostics.
#[derive(Debug, Clone)]
pub struct LowerOutput {
    /// The decision table.
    pub table: std::sync::Arc<Table>,
    /// For each rule of the model, the indices of its rows in
    /// [`LowerOutput::table`].
    pub rule_rows: IndexVec<RuleId, Vec<usize>>,
    /// Rules too large to lower, parameters with clashing types.
    pub diagnostics: Vec<Diagnostic>,
}

/// One disjunct: per-input constraints that must all hold.
pub type Conjunction = BTreeMap<String, Constraint>;

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
        rows: rows.into_iter().map(|(_, _, r)| r).collect(),
    };
    let sources: Vec<Option<SourceLocation>> =
        table.rows.iter_mut().map(|r| r.source.take()).collect();
    table.digest = digest_of_canonical(&table);
    for (row, source) in table.rows.iter_mut().zip(sources) {
        row.source = source;
    }
    LowerOutput {
        table: std::sync::Arc::new(table),
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
fn digest_of_canonical(table: &Table) -> String {
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
    }
}

fn inputs(model: &Model, diagnostics: &mut Vec<Diagnostic>) -> BTreeMap<String, InputInfo> {
    let info = |ty: &Type| InputInfo {
        ty: input_type(ty),
        values: match ty {
            Type::Enum(e) | Type::Set(e) => model
                .enum_def(e)
                .map(|d| sorted(d.variants.iter().map(|(v, _)| v.clone()))),
            _ => None,
        },
    };
    let mut out = BTreeMap::new();
    for a in &model.customer {
        out.insert(format!("customer.{}", a.name), info(&a.ty));
    }
    for a in &model.context {
        out.insert(format!("context.{}", a.name), info(&a.ty));
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
                    out.insert(format!("param.{}", p.name), info(&p.ty));
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

/// The id of a counter, e.g. `customer/comp_meal+refund/sum/P90D`.
pub fn counter_id(
    per: CounterPer,
    actions: &[String],
    measure: Measure,
    window_minutes: i64,
) -> String {
    let per = match per {
        CounterPer::Customer => "customer",
        CounterPer::Employee => "employee",
    };
    let measure = match measure {
        Measure::Count => "count",
        Measure::Sum => "sum",
    };
    format!(
        "{per}/{}/{measure}/{}",
        actions.join("+"),
        window_id(window_minutes)
    )
}

/// One rule's rows: a row per scope (disjunct) and budget group, each
/// with the rule's roles (inheritance expanded), limits, budgets,
/// obligations, notifications and escalation; the counters its limits
/// read go into `counters`. `Err` holds how many combinations made the
/// rule too large.
fn rule_rows(
    model: &Model,
    rule: &RuleDef,
    sources: &Sources,
    counters: &mut BTreeMap<String, CounterInfo>,
) -> Result<Vec<Row>, usize> {
    let scopes = rule_scopes(model, rule)?;
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
    let mut rows = Vec::new();
    for scope in &scopes {
        for (money_param, actions) in &groups {
            rows.push(Row {
                rule: rule.name.clone(),
                source: source.clone(),
                effect,
                roles: roles.clone(),
                actions: actions.clone(),
                scope: scope.clone(),
                limits: limits.clone(),
                budgets: budgets_of(rule, &action_names, money_param.as_deref(), counters),
                obligations: sorted(
                    rule.require
                        .iter()
                        .map(|o| model.obligations[*o].name.clone()),
                ),
                notify: sorted(rule.notify.iter().map(|r| model.roles[*r].name.clone())),
                escalation: escalation.clone(),
            });
        }
    }
    Ok(rows)
}

/// The rule's scopes: its `for` and `when` conditions together, in
/// disjunctive normal form (one row per disjunct), or how many
/// combinations made it too large.
fn rule_scopes(model: &Model, rule: &RuleDef) -> Result<Vec<Conjunction>, usize> {
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
) -> BTreeMap<String, Constraint> {
    let mut limits: BTreeMap<String, Constraint> = BTreeMap::new();
    for cap in &rule.caps {
        let key = format!("param.{}", cap.param);
        let max = match limits.get(&key) {
            Some(Constraint::Interval(i)) => i.max.map_or(cap.max, |m| m.min(cap.max)),
            _ => cap.max,
        };
        limits.insert(
            key,
            Constraint::Interval(Interval {
                min: None,
                max: Some(max),
            }),
        );
    }
    for count in &rule.counts {
        let per = match count.per {
            Per::Customer => CounterPer::Customer,
            Per::Employee => CounterPer::Employee,
        };
        let id = counter_id(per, action_names, Measure::Count, count.window_minutes);
        counters.insert(
            id.clone(),
            CounterInfo {
                per,
                actions: action_names.to_vec(),
                measure: Measure::Count,
                window_minutes: count.window_minutes,
            },
        );
        limits.insert(
            id,
            Constraint::Interval(Interval {
                min: None,
                max: Some(count.count - 1),
            }),
        );
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

/// The rule's budgets over `money_param` (none without one), registering
/// the sum counters they read.
fn budgets_of(
    rule: &RuleDef,
    action_names: &[String],
    money_param: Option<&str>,
    counters: &mut BTreeMap<String, CounterInfo>,
) -> Vec<Budget> {
    rule.totals
        .iter()
        .filter_map(|t| {
            let id = counter_id(
                CounterPer::Customer,
                action_names,
                Measure::Sum,
                t.window_minutes,
            );
            counters.insert(
                id.clone(),
                CounterInfo {
                    per: CounterPer::Customer,
                    actions: action_names.to_vec(),
                    measure: Measure::Sum,
                    window_minutes: t.window_minutes,
                },
            );
            money_param.map(|p| Budget {
                counter: id,
                param: format!("param.{p}"),
                max: t.amount,
            })
        })
        .collect()
}

/// The disjunctive normal form of a condition as merged per-input
/// conjunctions, contradictory ones dropped. `Err(n)` when more than
/// [`MAX_ROWS_PER_RULE`] disjuncts would be needed (`n` is how many were
/// reached).
pub fn dnf(model: &Model, cond: &Cond) -> Result<Vec<Conjunction>, usize> {
    dnf_of(model, cond, false).map(merge_disjuncts)
}

/// Merges disjuncts that differ in exactly one input when the union of
/// their constraints on it is itself a constraint (two enum sets, or two
/// intervals that overlap or touch): `tier in {gold} or tier in {silver}`
/// is one row, not two. The result decides exactly as the input did.
fn merge_disjuncts(mut rows: Vec<Conjunction>) -> Vec<Conjunction> {
    let mut merged = true;
    while merged {
        merged = false;
        'search: for i in 0..rows.len() {
            for j in i + 1..rows.len() {
                if let Some(union) = union_of(&rows[i], &rows[j]) {
                    rows[i] = union;
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

fn dnf_of(model: &Model, cond: &Cond, negated: bool) -> Result<Vec<Conjunction>, usize> {
    let any = || Ok(vec![Conjunction::new()]);
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
            let mut singles: Vec<Conjunction> = Vec::new();
            let mut multiples: Vec<Vec<Conjunction>> = Vec::new();
            for part in parts {
                let mut rhs = dnf_of(model, part, negated)?;
                match rhs.len() {
                    0 => return none(),
                    1 => singles.extend(rhs.pop()),
                    _ => multiples.push(rhs),
                }
            }
            let Some(base) = conjoin_all(&singles) else {
                return none();
            };
            let mut acc = vec![base];
            for rhs in multiples {
                let mut next = Vec::new();
                for a in &acc {
                    for b in &rhs {
                        if let Some(c) = conjoin(a, b) {
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
            let mut out: Vec<Conjunction> = Vec::new();
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
            Ok(intervals
                .into_iter()
                .filter(|i| i.min.is_some() || i.max.is_some())
                .map(|i| single(input, Constraint::Interval(i)))
                .collect())
        }
        (Cond::Bool { input, value }, n) => Ok(vec![single(
            input,
            Constraint::Eq(BoolEq { eq: *value != n }),
        )]),
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
                Ok(vec![single(
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
            Ok(vec![single(input, Constraint::Set(t))])
        }
    }
}

fn enum_variants(model: &Model, input: &Input) -> Vec<String> {
    let ty = match input.kind {
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
    };
    match ty {
        Some(Type::Enum(e)) => model
            .enum_def(e)
            .map(|d| sorted(d.variants.iter().map(|(v, _)| v.clone())))
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

fn single(input: &Input, c: Constraint) -> Conjunction {
    BTreeMap::from([(input.key(), c)])
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
