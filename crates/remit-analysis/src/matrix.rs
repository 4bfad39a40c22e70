//! The empowerment matrix as plain data (what `remit doc` renders): for
//! each role, one row per action and rule that applies to it, in staff
//! words, saying exactly what the evaluator does for that role (LANGUAGE.md
//! §4–5): inherited rules are marked with the ancestor they come from, and
//! an inherited escalation that would send the role's request to itself or
//! to an ancestor is dropped, as the evaluator drops it.

use crate::describe::{
    cond_words, definitions, escalation_applies, list, Definition, Reader, Words,
};
use remit_sema::model::{ActionId, Cond, Model, RoleId, RuleDef};
use remit_syntax::ast::EffectKind;
use std::collections::BTreeSet;

/// What a row lets the role do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// A forbid: never (forbids override every other rule).
    Never,
    /// A permit: may, inside the limits.
    May,
    /// An escalate rule: the request goes to this role.
    GoesTo(RoleId),
}

/// What happens to a request inside a permit's scope that breaks one of
/// its limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AboveLimit {
    /// Not a permit: nothing to exceed.
    NotApplicable,
    /// The permit has no limits.
    NoLimits,
    /// It escalates to this role (`otherwise escalate to`).
    GoesTo(RoleId),
    /// It is denied unless another rule covers it (no `otherwise`).
    Denied,
    /// The rule says `otherwise escalate to` this role, which is the role
    /// reading the row or one of its ancestors: the escalation does not
    /// apply, so it is denied unless another rule covers it.
    NotUpward(RoleId),
}

/// Words with the segments and situations they use, defined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrase {
    /// The words.
    pub text: String,
    /// What each segment or situation in them means.
    pub definitions: Vec<Definition>,
}

/// One rule as it applies to one role and one action.
#[derive(Debug, Clone)]
pub struct Row<'m> {
    /// The action.
    pub action: ActionId,
    /// The rule.
    pub rule: &'m RuleDef,
    /// The rule's name in words.
    pub rule_name: String,
    /// The ancestor the rule is written for, when the role inherits it.
    pub from: Option<RoleId>,
    /// Never, may, or goes to.
    pub outcome: Outcome,
    /// For which customers.
    pub for_whom: Phrase,
    /// Under which conditions.
    pub when: Phrase,
    /// Caps per request and budgets over time (permits; empty otherwise).
    pub up_to: Vec<String>,
    /// Count limits (permits; empty otherwise).
    pub how_often: Vec<String>,
    /// Obligations, then who is notified.
    pub requires: Vec<String>,
    /// Where a request that breaks a limit goes.
    pub above: AboveLimit,
}

/// One role's part of the matrix.
#[derive(Debug, Clone)]
pub struct RoleMatrix<'m> {
    /// The role.
    pub role: RoleId,
    /// Its name in words.
    pub name: String,
    /// The roles it extends directly, in words.
    pub parents: Vec<String>,
    /// Rows by action (declaration order), then never, may, goes to; own
    /// rules before inherited ones.
    pub rows: Vec<Row<'m>>,
    /// Actions no rule covers for this role: always denied.
    pub uncovered: Vec<String>,
}

/// The matrix of every role, in declaration order.
pub fn matrix(model: &Model) -> Vec<RoleMatrix<'_>> {
    model
        .roles
        .ids()
        .map(|role| role_matrix(model, role))
        .collect()
}

/// One role's rows.
pub fn role_matrix(model: &Model, role: RoleId) -> RoleMatrix<'_> {
    let staff = Words::new(model, &[], Reader::Staff);
    let mut rows: Vec<Row<'_>> = Vec::new();
    for rule in model.rules.iter().filter(|r| r.ok) {
        let Some(from) = applies_to(model, rule, role) else {
            continue;
        };
        for &action in &rule.actions {
            rows.push(row(model, rule, role, from, action));
        }
    }
    rows.sort_by_key(|r| (r.action, rank(r.outcome), r.from.is_some()));
    let covered: BTreeSet<ActionId> = rows.iter().map(|r| r.action).collect();
    let def = &model.roles[role];
    RoleMatrix {
        role,
        name: staff.role(role),
        parents: def.extends.iter().map(|p| staff.role(*p)).collect(),
        rows,
        uncovered: model
            .actions
            .ids()
            .filter(|a| !covered.contains(a))
            .map(|a| staff.action(a))
            .collect(),
    }
}

fn rank(o: Outcome) -> u8 {
    match o {
        Outcome::Never => 0,
        Outcome::May => 1,
        Outcome::GoesTo(_) => 2,
    }
}

/// Whether `rule` applies to `role`: `Some(None)` when it names the role,
/// `Some(Some(ancestor))` when inherited, `None` when it does not apply
/// (including an escalate rule whose target is the role or an ancestor).
fn applies_to(model: &Model, rule: &RuleDef, role: RoleId) -> Option<Option<RoleId>> {
    if rule.effect == EffectKind::Escalate
        && rule
            .target
            .is_some_and(|t| !escalation_applies(model, role, t))
    {
        return None;
    }
    if rule.roles.contains(&role) {
        return Some(None);
    }
    let ancestors = &model.roles.get(role)?.ancestors;
    rule.roles
        .iter()
        .find(|r| ancestors.contains(r))
        .map(|r| Some(*r))
}

fn row<'m>(
    model: &'m Model,
    rule: &'m RuleDef,
    role: RoleId,
    from: Option<RoleId>,
    action: ActionId,
) -> Row<'m> {
    let words = Words::new(model, &rule.actions, Reader::Staff);
    let outcome = match (rule.effect, rule.target) {
        (EffectKind::Forbid, _) => Outcome::Never,
        (EffectKind::Permit, _) => Outcome::May,
        (EffectKind::Escalate, Some(t)) => Outcome::GoesTo(t),
        // A checked escalate rule always has a target; one without reads
        // as what the evaluator would do with it: nothing permitted.
        (EffectKind::Escalate, None) => Outcome::Never,
    };
    let permit = rule.effect == EffectKind::Permit;
    let mut up_to = words.caps(&rule.caps);
    up_to.extend(rule.relations.iter().map(|r| words.relational_cap(r)));
    up_to.extend(rule.totals.iter().map(|t| words.total_amount(t)));
    let has_params = model
        .actions
        .get(action)
        .is_some_and(|a| !a.params.is_empty());
    if permit && up_to.is_empty() && has_params {
        up_to.push("no limit".to_string());
    }
    let mut how_often: Vec<String> = rule.counts.iter().map(|c| words.count(c)).collect();
    if permit && how_often.is_empty() {
        how_often.push("no limit".to_string());
    }
    let mut requires: Vec<String> = rule.require.iter().map(|o| words.obligation(*o)).collect();
    if !rule.notify.is_empty() {
        let roles: Vec<String> = rule.notify.iter().map(|r| words.role(*r)).collect();
        let verb = if roles.len() == 1 { "is" } else { "are" };
        let told = format!("{} {verb} told afterwards", list(&roles, "and"));
        let mut chars = told.chars();
        requires.push(chars.next().map_or_else(String::new, |c| {
            c.to_uppercase().collect::<String>() + chars.as_str()
        }));
    }
    let limited = !(rule.caps.is_empty() && rule.counts.is_empty() && rule.totals.is_empty());
    let above = match (permit, limited, rule.otherwise) {
        (false, _, _) => AboveLimit::NotApplicable,
        (true, false, _) => AboveLimit::NoLimits,
        (true, true, None) => AboveLimit::Denied,
        (true, true, Some(t)) if escalation_applies(model, role, t) => AboveLimit::GoesTo(t),
        (true, true, Some(t)) => AboveLimit::NotUpward(t),
    };
    Row {
        action,
        rule,
        rule_name: words.rule_name(rule),
        from,
        outcome,
        for_whom: phrase(
            model,
            &rule.actions,
            rule.customers.as_ref(),
            "any customer",
        ),
        when: phrase(model, &rule.actions, rule.when.as_ref(), "always"),
        up_to,
        how_often,
        requires,
        above,
    }
}

fn phrase(model: &Model, actions: &[ActionId], c: Option<&Cond>, always: &str) -> Phrase {
    match c {
        None | Some(Cond::True) => Phrase {
            text: always.to_string(),
            definitions: Vec::new(),
        },
        Some(c) => Phrase {
            text: cond_words(model, actions, c),
            definitions: definitions(model, actions, c),
        },
    }
}

/// A row's outcome in words: `may`, `never`, `goes to duty manager`.
pub fn outcome_words(model: &Model, outcome: Outcome) -> String {
    match outcome {
        Outcome::Never => "never".to_string(),
        Outcome::May => "may".to_string(),
        Outcome::GoesTo(t) => format!("goes to {}", Words::new(model, &[], Reader::Staff).role(t)),
    }
}

/// Where a request above a row's limits goes, in words, for `role`.
pub fn above_words(model: &Model, role: RoleId, above: AboveLimit) -> String {
    let words = Words::new(model, &[], Reader::Staff);
    match above {
        AboveLimit::NotApplicable | AboveLimit::NoLimits => "—".to_string(),
        AboveLimit::GoesTo(t) => format!("goes to {}", words.role(t)),
        AboveLimit::Denied => "denied, unless another row covers it".to_string(),
        AboveLimit::NotUpward(t) if t == role => format!(
            "denied, unless another row covers it: not sent to {}, this role itself",
            words.role(t)
        ),
        AboveLimit::NotUpward(t) => format!(
            "denied, unless another row covers it: not sent down to {}",
            words.role(t)
        ),
    }
}

/// Where requests go: (from, action, to) for every escalation a role's own
/// rules make, sorted. Escalations that do not apply (to the
/// role itself or an ancestor) are left out.
pub fn escalation_edges(model: &Model) -> BTreeSet<(RoleId, ActionId, RoleId)> {
    let mut out = BTreeSet::new();
    for r in model.rules.iter().filter(|r| r.ok) {
        let target = match r.effect {
            EffectKind::Escalate => r.target,
            EffectKind::Permit => r.otherwise,
            EffectKind::Forbid => None,
        };
        let Some(t) = target else { continue };
        for &from in r.roles.iter().filter(|f| escalation_applies(model, **f, t)) {
            for &a in &r.actions {
                out.insert((from, a, t));
            }
        }
    }
    out
}
