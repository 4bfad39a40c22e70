//! Validating a table: every problem, each with its kind and JSON path
//! (docs/table-format.md, "Loading a table"). Compilation
//! ([`crate::compile`]) runs only on a table that passes.

use crate::error::{Path, TableError, TableErrorKind as Kind};
use crate::format::{self as v1, Outcome};
use crate::v2::{Constraint, InputType, Relation, Row, Table, Window};
use std::collections::BTreeSet;

/// Where a key's value comes from in a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    Customer,
    Context,
    Param,
    Usage,
}

impl Source {
    /// The request field that holds it.
    pub(crate) fn field(self) -> &'static str {
        match self {
            Source::Customer => "customer",
            Source::Context => "context",
            Source::Param => "params",
            Source::Usage => "usage",
        }
    }
}

/// Splits an input key into its source and field name.
pub(crate) fn input_source(key: &str) -> Option<(Source, &str)> {
    match key.split_once('.')? {
        (_, "") => None,
        ("customer", f) => Some((Source::Customer, f)),
        ("context", f) => Some((Source::Context, f)),
        ("param", f) => Some((Source::Param, f)),
        _ => None,
    }
}

/// What a row key names: an input (with its type and optionality) or a counter.
#[derive(Debug, Clone, Copy)]
struct Named {
    source: Source,
    ty: InputType,
    optional: bool,
}

/// Every problem of a format 2 table (or a format 1 table converted to
/// format 2), in document order.
pub(crate) fn validate(table: &Table) -> Vec<TableError> {
    let mut v = Validator {
        table,
        problems: Vec::new(),
    };
    v.top_level();
    for (i, row) in table.rows.iter().enumerate() {
        v.row(i, row);
    }
    v.problems
}

/// The problems of a format 1 table's budgets, which format 2 reads as
/// limit relations: checked here so that messages speak of budgets. The
/// second result lists, per row, the budgets that are fine.
pub(crate) fn validate_budgets(table: &v1::Table) -> (Vec<TableError>, Vec<Vec<bool>>) {
    let mut problems = Vec::new();
    let mut fine = Vec::new();
    for (i, row) in table.rows.iter().enumerate() {
        let mut ok = Vec::new();
        for (j, b) in row.budgets.iter().enumerate() {
            let at = Path::root("rows").index(i).field("budgets").index(j);
            let problem = if row.effect != Outcome::Permit {
                Some(
                    TableError::new(
                        Kind::Misplaced,
                        at.as_str(),
                        "only `permit` rows have `limits` and `budgets`",
                    )
                    .help("drop the budget, or make the row a `permit`"),
                )
            } else if !table.counters.contains_key(&b.counter) {
                Some(
                    TableError::new(
                        Kind::UnknownName,
                        at.field("counter").as_str(),
                        format!("budget reads unknown counter `{}`", b.counter),
                    )
                    .help("declare the counter under `counters`"),
                )
            } else if !b.param.starts_with("param.")
                || table
                    .inputs
                    .get(&b.param)
                    .is_none_or(|i| i.ty != v1::InputType::Money)
            {
                Some(
                    TableError::new(
                        Kind::InvalidConstraint,
                        at.field("param").as_str(),
                        format!(
                            "budget param `{}` is not a `money` parameter input",
                            b.param
                        ),
                    )
                    .help("a budget adds a `param.NAME` input of type `money` to its counter"),
                )
            } else {
                None
            };
            ok.push(problem.is_none());
            problems.extend(problem.map(|p| p.rule(&row.rule)));
        }
        fine.push(ok);
    }
    (problems, fine)
}

struct Validator<'t> {
    table: &'t Table,
    problems: Vec<TableError>,
}

impl Validator<'_> {
    fn push(&mut self, e: TableError) {
        self.problems.push(e);
    }

    fn named(&self, key: &str) -> Option<Named> {
        if let Some(info) = self.table.inputs.get(key) {
            let (source, _) = input_source(key)?;
            return Some(Named {
                source,
                ty: info.ty,
                optional: info.optional,
            });
        }
        self.table.counters.get(key).map(|_| Named {
            source: Source::Usage,
            ty: InputType::Int,
            optional: false,
        })
    }

    fn top_level(&mut self) {
        let t = self.table;
        if t.default.effect != Outcome::Deny {
            self.push(
                TableError::new(Kind::Misplaced, "default.effect", "`default.effect` must be `deny`")
                    .help("a table denies what no rule decides; write `\"default\": {\"effect\": \"deny\"}`"),
            );
        }
        if t.timezone.is_empty() || t.timezone.chars().any(char::is_whitespace) {
            self.push(
                TableError::new(
                    Kind::Shape,
                    "timezone",
                    format!(
                        "`timezone` must be an IANA time zone name, not `{}`",
                        t.timezone
                    ),
                )
                .help("write a name such as `\"UTC\"` or `\"Europe/London\"`"),
            );
        }
        for (role, ancestors) in &t.roles {
            for a in ancestors {
                if !t.roles.contains_key(a) {
                    self.push(TableError::new(
                        Kind::UnknownName,
                        Path::root("roles").key(role).as_str(),
                        format!("role `{role}` lists unknown ancestor `{a}`"),
                    ));
                }
            }
        }
        for (key, info) in &t.inputs {
            let at = Path::root("inputs").key(key);
            if input_source(key).is_none() {
                let message = match key.split_once('.') {
                    Some((_, "")) | None => format!(
                        "input `{key}` must be `customer.NAME`, `context.NAME` or `param.NAME`"
                    ),
                    Some(_) => {
                        format!("input `{key}` must start with `customer.`, `context.` or `param.`")
                    }
                };
                self.push(TableError::new(Kind::InvalidKey, at.as_str(), message));
            }
            if info.optional && key.starts_with("param.") {
                self.push(
                    TableError::new(
                        Kind::Misplaced,
                        at.field("optional").as_str(),
                        format!("action parameter `{key}` is marked `optional`, but a parameter is never optional"),
                    )
                    .help("drop `optional`: every request for the action gives its parameters; only `customer` and `context` inputs may be omitted"),
                );
            }
            let listed = matches!(info.ty, InputType::Enum | InputType::Set);
            match &info.values {
                Some(v) if listed && !v.is_empty() => {}
                None if !listed => {}
                _ if listed => self.push(
                    TableError::new(
                        Kind::Shape,
                        at.field("values").as_str(),
                        format!(
                            "input `{key}` is an {} but lists no `values`",
                            info.ty.as_str()
                        ),
                    )
                    .help("list its variants in `values`"),
                ),
                _ => self.push(TableError::new(
                    Kind::Shape,
                    at.field("values").as_str(),
                    format!(
                        "input `{key}` is `{}` and cannot list `values`",
                        info.ty.as_str()
                    ),
                )),
            }
        }
        for (name, action) in &t.actions {
            for (p, ty) in &action.params {
                let at = Path::root("actions").key(name).field("params").key(p);
                let key = format!("param.{p}");
                match t.inputs.get(&key) {
                    None => self.push(
                        TableError::new(
                            Kind::UnknownName,
                            at.as_str(),
                            format!(
                                "action `{name}` has parameter `{p}`, but `inputs` has no `{key}`"
                            ),
                        )
                        .help(format!("declare `{key}` under `inputs`")),
                    ),
                    Some(info) if info.ty != *ty => self.push(TableError::new(
                        Kind::InvalidConstraint,
                        at.as_str(),
                        format!(
                            "parameter `{p}` of action `{name}` is `{}` but input `{key}` is `{}`",
                            ty.as_str(),
                            info.ty.as_str()
                        ),
                    )),
                    Some(_) => {}
                }
            }
        }
        for (id, counter) in &t.counters {
            let at = Path::root("counters").key(id);
            match counter.window {
                Window::SlidingMinutes(n) if n < 1 => self.push(TableError::new(
                    Kind::InvalidCounter,
                    at.field("window").as_str(),
                    if t.format == v1::FORMAT {
                        format!("counter `{id}` must have a positive `window_minutes`, not {n}")
                    } else {
                        format!("counter `{id}` must have a positive `sliding_minutes`, not {n}")
                    },
                )),
                Window::All(false) => self.push(
                    TableError::new(
                        Kind::InvalidCounter,
                        at.field("window").as_str(),
                        format!("counter `{id}` has `\"all\": false`"),
                    )
                    .help("write `{\"all\": true}` to count every use ever, or give a sliding or calendar window"),
                ),
                _ => {}
            }
            if counter.per.is_empty() {
                self.push(
                    TableError::new(Kind::InvalidCounter, at.field("per").as_str(), format!("counter `{id}` counts for no one"))
                        .help("list its subjects in `per`: `customer`, `employee` or `context.K` for a `key` input"),
                );
            }
            let mut seen = BTreeSet::new();
            for (j, subject) in counter.per.iter().enumerate() {
                let key = t
                    .inputs
                    .get(subject)
                    .filter(|i| i.ty == InputType::Key && subject.starts_with("context."));
                let problem = if !seen.insert(subject) {
                    Some((
                        format!("counter `{id}` lists the subject `{subject}` twice"),
                        None,
                    ))
                } else if subject == "customer" || subject == "employee" {
                    None
                } else if let Some(key) = key {
                    key.optional.then(|| (
                        format!("counter `{id}` is kept per `{subject}`, which is optional: a request may omit it, and then the counter counts for no key"),
                        Some(format!("declare `{subject}` required (drop `optional`): a counter needs its key on every request")),
                    ))
                } else {
                    Some((format!(
                        "counter `{id}` is kept per `{subject}`, which is neither `customer`, `employee` nor a `context` input of type `key`"
                    ), None))
                };
                if let Some((message, help)) = problem {
                    let mut e = TableError::new(
                        Kind::InvalidCounter,
                        at.field("per").index(j).as_str(),
                        message,
                    );
                    if let Some(help) = help {
                        e = e.help(help);
                    }
                    self.push(e);
                }
            }
            for a in &counter.actions {
                if !t.actions.contains_key(a) {
                    self.push(TableError::new(
                        Kind::UnknownName,
                        at.field("actions").as_str(),
                        format!("counter `{id}` counts unknown action `{a}`"),
                    ));
                }
            }
            if t.inputs.contains_key(id) {
                self.push(TableError::new(
                    Kind::InvalidKey,
                    at.as_str(),
                    format!("counter `{id}` has the same id as an input"),
                ));
            }
        }
    }

    fn row(&mut self, index: usize, row: &Row) {
        let t = self.table;
        let at = Path::root("rows").index(index);
        let mut problems = Vec::new();
        let mut push = |e: TableError| problems.push(e.rule(&row.rule));
        if row.effect == Outcome::Deny {
            push(
                TableError::new(
                    Kind::Misplaced,
                    at.field("effect").as_str(),
                    "`effect` must be `permit`, `forbid` or `escalate`",
                )
                .help("`deny` is a decision; a row that denies is a `forbid`"),
            );
        }
        let names = [
            ("roles", &row.roles, "role"),
            ("actions", &row.actions, "action"),
            ("obligations", &row.obligations, "obligation"),
            ("aims", &row.aims, "outcome"),
            ("notify", &row.notify, "role"),
        ];
        for (field, list, what) in names {
            for name in list {
                let known = match what {
                    "role" => t.roles.contains_key(name),
                    "action" => t.actions.contains_key(name),
                    "obligation" => t.obligations.contains_key(name),
                    _ => t.outcomes.contains_key(name),
                };
                if !known {
                    let message = if field == "notify" {
                        format!("`notify` names unknown role `{name}`")
                    } else {
                        format!("unknown {what} `{name}`")
                    };
                    push(TableError::new(
                        Kind::UnknownName,
                        at.field(field).as_str(),
                        message,
                    ));
                }
            }
        }
        if row.effect == Outcome::Forbid && !row.aims.is_empty() {
            push(
                TableError::new(
                    Kind::Misplaced,
                    at.field("aims").as_str(),
                    "a `forbid` row has no `aims`",
                )
                .help("outcomes are served by `permit` and `escalate` rows"),
            );
        }
        match (&row.escalation, row.effect) {
            (None, Outcome::Escalate) => push(
                TableError::new(
                    Kind::Misplaced,
                    at.field("escalation").as_str(),
                    "an `escalate` row needs an `escalation`",
                )
                .help("give `{\"to\": ROLE, \"except_roles\": [...]}`"),
            ),
            (Some(_), Outcome::Forbid) => push(TableError::new(
                Kind::Misplaced,
                at.field("escalation").as_str(),
                "a `forbid` row cannot escalate",
            )),
            (Some(e), _) => {
                for r in std::iter::once(&e.to).chain(e.except_roles.iter()) {
                    if !t.roles.contains_key(r) {
                        push(TableError::new(
                            Kind::UnknownName,
                            at.field("escalation").as_str(),
                            format!("`escalation` names unknown role `{r}`"),
                        ));
                    }
                }
            }
            _ => {}
        }
        if row.effect != Outcome::Permit {
            let budgets = if t.format == v1::FORMAT {
                " and `budgets`"
            } else {
                ""
            };
            if !row.limits.is_empty() {
                push(TableError::new(
                    Kind::Misplaced,
                    at.field("limits").as_str(),
                    format!("only `permit` rows have `limits`{budgets}"),
                ));
            }
            if !row.limit_relations.is_empty() && t.format != v1::FORMAT {
                push(TableError::new(
                    Kind::Misplaced,
                    at.field("limit_relations").as_str(),
                    "only `permit` rows have `limit_relations`",
                ));
            }
        }
        for (part, constraints) in [("scope", &row.scope), ("limits", &row.limits)] {
            for (key, c) in constraints {
                let here = at.field(part).key(key);
                let Some(named) = self.named(key) else {
                    push(TableError::new(
                        Kind::UnknownName,
                        here.as_str(),
                        format!("reads `{key}`, which is neither a declared input nor a counter"),
                    ));
                    continue;
                };
                if let Some(e) = self.param_of_every_action(row, key, &here) {
                    push(e);
                }
                if let Err((message, help)) =
                    constraint_fits(key, named, c, part == "limits", self.table)
                {
                    let mut e = TableError::new(
                        Kind::InvalidConstraint,
                        here.as_str(),
                        format!("`{key}`: {message}"),
                    );
                    if let Some(h) = help {
                        e = e.help(h);
                    }
                    push(e);
                }
            }
        }
        let lists = [
            ("scope_relations", &row.scope_relations, false),
            ("limit_relations", &row.limit_relations, true),
        ];
        for (part, relations, limit) in lists {
            for (j, r) in relations.iter().enumerate() {
                let here = at.field(part).index(j);
                for e in self.relation(row, r, &here, limit) {
                    push(e);
                }
            }
        }
        self.problems.extend(problems);
    }

    /// A row reads `param.NAME` only when each of its actions has NAME.
    fn param_of_every_action(&self, row: &Row, key: &str, at: &Path) -> Option<TableError> {
        let (Source::Param, name) = input_source(key)? else {
            return None;
        };
        let a = row.actions.iter().find(|a| {
            self.table
                .actions
                .get(*a)
                .is_none_or(|info| !info.params.contains_key(name))
        })?;
        Some(TableError::new(
            Kind::UnknownName,
            at.as_str(),
            format!("reads `{key}`, but action `{a}` has no parameter `{name}`"),
        ))
    }

    fn relation(&self, row: &Row, r: &Relation, at: &Path, limit: bool) -> Vec<TableError> {
        let mut problems = Vec::new();
        if r.terms.is_empty() {
            problems.push(
                TableError::new(
                    Kind::InvalidRelation,
                    at.field("terms").as_str(),
                    "a relation has no `terms`",
                )
                .help("give at least one `KEY: COEFFICIENT`, or drop the relation"),
            );
        }
        let mut reads_limit = false;
        for (key, coefficient) in &r.terms {
            let here = at.field("terms").key(key);
            if *coefficient == 0 {
                problems.push(
                    TableError::new(
                        Kind::InvalidRelation,
                        here.as_str(),
                        format!("the coefficient of `{key}` is 0"),
                    )
                    .help("drop the term: a relation lists only keys that count"),
                );
            }
            let Some(named) = self.named(key) else {
                problems.push(TableError::new(
                    Kind::UnknownName,
                    here.as_str(),
                    format!(
                        "a relation reads `{key}`, which is neither a declared input nor a counter"
                    ),
                ));
                continue;
            };
            if !named.ty.is_integer() {
                problems.push(TableError::new(
                    Kind::InvalidRelation,
                    here.as_str(),
                    format!(
                        "a relation reads `{key}`, which is `{}`: relations add integers only",
                        named.ty.as_str()
                    ),
                ));
            }
            if let Some(e) = self.param_of_every_action(row, key, &here) {
                problems.push(e);
            }
            reads_limit |= matches!(named.source, Source::Param | Source::Usage);
        }
        if !r.terms.is_empty() && reads_limit != limit {
            let (message, help) = if limit {
                (
                    "a limit relation reads no action parameter and no counter",
                    "move it to `scope_relations`",
                )
            } else {
                (
                    "a scope relation reads an action parameter or a counter",
                    "move it to `limit_relations`: it decides between permit and `otherwise`",
                )
            };
            problems.push(TableError::new(Kind::InvalidRelation, at.as_str(), message).help(help));
        }
        problems
    }
}

/// Whether a constraint fits what its key names: `Err((message, help))`.
fn constraint_fits(
    key: &str,
    named: Named,
    c: &Constraint,
    limit: bool,
    table: &Table,
) -> Result<(), (String, Option<String>)> {
    let plain = |m: &str| Err((m.to_string(), None));
    let variants = || -> BTreeSet<&String> {
        table
            .inputs
            .get(key)
            .and_then(|i| i.values.as_ref())
            .map(|v| v.iter().collect())
            .unwrap_or_default()
    };
    match (c, named.ty) {
        (Constraint::Interval(i), t) if t.is_integer() => match (i.min, i.max) {
            (None, None) => plain("an interval needs `min` or `max`"),
            (Some(a), Some(b)) if a > b => Err((
                format!("`min` {a} is above `max` {b}"),
                Some("swap the bounds, or fix the one that is wrong".into()),
            )),
            _ if t == InputType::Time => time_bounds(i),
            _ => Ok(()),
        },
        (_, _) if limit => plain("a limit must be an interval on an integer input or counter"),
        (Constraint::Present(_), _) if !named.optional => Err((
            "`present` applies to optional inputs only, and this one is required".into(),
            Some(format!(
                "declare `{key}` with `\"optional\": true`, or drop the constraint"
            )),
        )),
        (Constraint::Present(_), _) => Ok(()),
        (Constraint::In(set), InputType::Enum) => {
            if set.values.is_empty() {
                return plain("`in` must list at least one variant");
            }
            let known = variants();
            match set.values.iter().find(|v| !known.contains(v)) {
                Some(v) => Err((format!("`{v}` is not one of its variants"), None)),
                None => Ok(()),
            }
        }
        (Constraint::Eq(_), InputType::Bool) => Ok(()),
        (Constraint::Set(s), InputType::Set) => {
            if s.contains.is_none() && s.excludes.is_none() {
                return plain("a set constraint needs `contains` or `excludes`");
            }
            let known = variants();
            let all = s
                .contains
                .iter()
                .flatten()
                .chain(s.excludes.iter().flatten());
            match all.into_iter().find(|v| !known.contains(v)) {
                Some(v) => Err((format!("`{v}` is not one of its variants"), None)),
                None => Ok(()),
            }
        }
        (_, t) => Err((
            format!(
                "this kind of constraint does not apply to an input of type `{}`",
                t.as_str()
            ),
            None,
        )),
    }
}

/// The bounds of an interval on a `time` input are times of day: 0
/// (00:00) to 1439 (23:59). A bound outside the day could never be met,
/// or always is, and says that the table was not written by `remit build`.
fn time_bounds(i: &crate::v2::Interval) -> Result<(), (String, Option<String>)> {
    const DAY: std::ops::RangeInclusive<i64> = 0..=1439;
    let outside = [("min", i.min), ("max", i.max)]
        .into_iter()
        .find_map(|(name, bound)| bound.filter(|b| !DAY.contains(b)).map(|b| (name, b)));
    match outside {
        None => Ok(()),
        Some((name, b)) => Err((
            format!("`{name}` {b} is not a time of day: a `time` is 0 (00:00) to 1439 (23:59) minutes since midnight"),
            Some(
                if (name == "min") == (b < 0) {
                    format!("every time of day meets this `{name}`: drop the bound")
                } else {
                    "no time of day meets this bound, so the row can never apply: drop the row"
                        .to_string()
                },
            ),
        )),
    }
}
