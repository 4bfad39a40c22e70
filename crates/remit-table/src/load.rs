//! Loading a table: format check, structural validation, and compilation
//! into an index of rows by (role, action) with inputs resolved to slots.

use crate::format::{Constraint, InputType, Outcome, Table, FORMAT};
use crate::json;
use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

/// Why a table was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableError {
    /// What is wrong, in words, with the JSON path where it applies.
    pub message: String,
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TableError {}

fn err(message: impl Into<String>) -> TableError {
    TableError {
        message: message.into(),
    }
}

/// Where a slot's value comes from in a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    Customer,
    Context,
    Param,
    Usage,
}

impl Source {
    pub(crate) fn field(self) -> &'static str {
        match self {
            Source::Customer => "customer",
            Source::Context => "context",
            Source::Param => "params",
            Source::Usage => "usage",
        }
    }
}

/// One input or counter, by slot number.
#[derive(Debug, Clone)]
pub(crate) struct Slot {
    /// The table key: `customer.tier` or a counter id.
    pub key: String,
    pub source: Source,
    /// The field name inside the request object.
    pub field: String,
    pub ty: InputType,
    pub values: Vec<String>,
    /// Each of `values` → its index (variant lookups take constant time,
    /// however large the enum).
    pub index: HashMap<String, u32>,
    /// Counters must be non-negative.
    pub counter: bool,
}

/// A set of variant indices: the first 64 inline, the rest on the heap
/// (only for enums with more than 64 variants).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Bits {
    low: u64,
    high: Vec<u64>,
}

impl Bits {
    pub fn of(indices: impl IntoIterator<Item = usize>, len: usize) -> Bits {
        let mut bits = Bits {
            low: 0,
            high: vec![0; len.saturating_sub(64).div_ceil(64)],
        };
        for i in indices {
            if i < 64 {
                bits.low |= 1 << i;
            } else if let Some(w) = bits.high.get_mut((i - 64) / 64) {
                *w |= 1 << ((i - 64) % 64);
            }
        }
        bits
    }

    pub fn has(&self, i: u32) -> bool {
        let i = i as usize;
        if i < 64 {
            self.low & (1 << i) != 0
        } else {
            self.high
                .get((i - 64) / 64)
                .is_some_and(|w| w & (1 << ((i - 64) % 64)) != 0)
        }
    }

    /// Whether `self` holds every bit of `other`.
    pub fn covers(&self, other: &Bits) -> bool {
        self.low & other.low == other.low
            && other
                .high
                .iter()
                .enumerate()
                .all(|(i, w)| self.high.get(i).copied().unwrap_or(0) & w == *w)
    }

    /// How many bits are set.
    pub fn count(&self) -> usize {
        self.low.count_ones() as usize
            + self
                .high
                .iter()
                .map(|w| w.count_ones() as usize)
                .sum::<usize>()
    }

    /// Whether the two share a bit.
    pub fn meets(&self, other: &Bits) -> bool {
        self.low & other.low != 0
            || self
                .high
                .iter()
                .zip(other.high.iter())
                .any(|(a, b)| a & b != 0)
    }
}

/// A constraint compiled for one slot: integers and variant bitsets only.
#[derive(Debug, Clone)]
pub(crate) enum Test {
    Interval { min: i64, max: i64 },
    Enum(Bits),
    Bool(bool),
    Set { contains: Bits, excludes: Bits },
}

/// A constraint on one slot.
#[derive(Debug, Clone)]
pub(crate) struct Check {
    pub slot: usize,
    pub test: Test,
}

/// A row compiled to slots.
#[derive(Debug, Clone)]
pub(crate) struct CompiledRow {
    pub effect: Outcome,
    /// Whether the row escalates (or `otherwise` escalates) at all.
    pub escalates: bool,
    /// Acting roles (by index) for which its escalation does not apply.
    pub except: Bits,
    pub scope: Vec<Check>,
    pub limits: Vec<Check>,
    /// (counter slot, param slot, max)
    pub budgets: Vec<(usize, usize, i64)>,
    pub reads: Vec<usize>,
}

/// Rows and inputs of one (role, action).
#[derive(Debug, Clone, Default)]
pub(crate) struct Group {
    pub rows: Vec<usize>,
    pub reads: Vec<usize>,
    /// The rows again, split by enum and bool inputs for `decide`; built
    /// the first time a request for this role and action is decided.
    pub index: std::sync::OnceLock<Node>,
}

/// A decision tree over a group's rows: at a split, the rows that can
/// match each variant of one input (rows that do not constrain the input
/// are in every branch).
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Leaf(Vec<usize>),
    Split { slot: usize, branches: Vec<Node> },
}

impl Default for Node {
    fn default() -> Self {
        Node::Leaf(Vec::new())
    }
}

/// Groups at most this large are scanned, not split.
const LEAF_ROWS: usize = 12;

/// A row's enum or bool test on `slot`, if it has one.
fn test_on(row: &CompiledRow, slot: usize) -> Option<&Test> {
    row.scope
        .iter()
        .find(|c| c.slot == slot)
        .map(|c| &c.test)
        .filter(|t| matches!(t, Test::Enum(_) | Test::Bool(_)))
}

/// The decision tree of a group's rows (at most three levels deep).
pub(crate) fn index_rows(rows: &[usize], compiled: &[CompiledRow], slots: &[Slot]) -> Node {
    build_index(rows, compiled, slots, 3)
}

fn build_index(rows: &[usize], compiled: &[CompiledRow], slots: &[Slot], depth: usize) -> Node {
    if rows.len() <= LEAF_ROWS || depth == 0 {
        return Node::Leaf(rows.to_vec());
    }
    let variants = |slot: usize| match slots[slot].ty {
        InputType::Enum => slots[slot].values.len(),
        InputType::Bool => 2,
        _ => 0,
    };
    // Count, for each input, how many row copies its split would make
    // (a row goes into every branch it can match), and keep the split
    // whose average branch is smallest.
    let mut candidates: Vec<usize> = rows
        .iter()
        .flat_map(|r| compiled[*r].scope.iter().map(|c| c.slot))
        .filter(|s| variants(*s) > 1)
        .collect();
    candidates.sort_unstable();
    candidates.dedup();
    let mut best: Option<(usize, usize)> = None; // (slot, copies)
    for slot in candidates {
        let n = variants(slot);
        let copies: usize = rows
            .iter()
            .map(|r| match test_on(&compiled[*r], slot) {
                Some(Test::Enum(bits)) => bits.count(),
                Some(_) => 1,
                None => n,
            })
            .sum();
        if best.is_none_or(|(b, c)| copies * variants(b) < c * n) {
            best = Some((slot, copies));
        }
    }
    // Split only when the average branch is at most three quarters of the rows.
    let Some((slot, copies)) = best.filter(|(b, c)| c * 4 <= rows.len() * variants(*b) * 3) else {
        return Node::Leaf(rows.to_vec());
    };
    let n = variants(slot);
    let mut branches: Vec<Vec<usize>> = vec![Vec::with_capacity(copies / n + 1); n];
    for &r in rows {
        match test_on(&compiled[r], slot) {
            Some(Test::Enum(bits)) => (0..n)
                .filter(|v| bits.has(*v as u32))
                .for_each(|v| branches[v].push(r)),
            Some(Test::Bool(b)) => branches[usize::from(*b)].push(r),
            _ => branches.iter_mut().for_each(|b| b.push(r)),
        }
    }
    Node::Split {
        slot,
        branches: branches
            .iter()
            .map(|b| build_index(b, compiled, slots, depth - 1))
            .collect(),
    }
}

/// A validated, indexed table, ready to decide requests.
#[derive(Debug, Clone)]
pub struct Evaluator {
    pub(crate) table: Arc<Table>,
    pub(crate) roles: HashMap<String, usize>,
    pub(crate) actions: HashMap<String, usize>,
    pub(crate) slots: Vec<Slot>,
    /// Per source, field name → slot (params: per action).
    pub(crate) customer: HashMap<String, usize>,
    pub(crate) context: HashMap<String, usize>,
    pub(crate) params: Vec<HashMap<String, usize>>,
    pub(crate) rows: Vec<CompiledRow>,
    pub(crate) groups: HashMap<(usize, usize), Group>,
}

impl Evaluator {
    /// Loads a table from JSON text: UTF-8, optionally after a byte-order
    /// mark. Text with a duplicate key in any object is refused, like every
    /// other defect (docs/table-format.md, "Reading JSON text").
    pub fn from_json(text: impl AsRef<[u8]>) -> Result<Evaluator, TableError> {
        let parsed = json::parse(text.as_ref()).map_err(|e| err(e.describe("the table")))?;
        if let Some((number, line, column)) = parsed.huge {
            return Err(err(format!(
                "the table has the number `{number}` at line {line}, column {column}, beyond the range of a double: every number in a table is a 64-bit integer"
            )));
        }
        Evaluator::from_value(parsed.value)
    }

    /// Loads a table from a parsed JSON value.
    pub fn from_value(value: serde_json::Value) -> Result<Evaluator, TableError> {
        let Some(obj) = value.as_object() else {
            return Err(err("the table must be a JSON object"));
        };
        match obj.get("format") {
            Some(serde_json::Value::String(f)) if f == FORMAT => {}
            Some(serde_json::Value::String(f)) => {
                return Err(err(format!("unsupported table format `{f}`: this evaluator reads `{FORMAT}`; rebuild the table with a matching `remit`")))
            }
            Some(_) => return Err(err("`format` must be a string")),
            None => return Err(err(format!("the table has no `format` field; expected `\"format\": \"{FORMAT}\"`"))),
        }
        let table: Table = match serde_json::from_value(value.clone()) {
            Ok(table) => table,
            Err(e) => {
                let (at, e) = locate(&value).unwrap_or_else(|| (String::new(), e.to_string()));
                return Err(err(format!(
                    "the table does not follow `{FORMAT}`: {at}{e}"
                )));
            }
        };
        Evaluator::new(table)
    }

    /// Validates a table and indexes it. Pass an `Arc<Table>` to share the
    /// table with the caller instead of moving it in.
    pub fn new(table: impl Into<Arc<Table>>) -> Result<Evaluator, TableError> {
        let table: Arc<Table> = table.into();
        if table.format != FORMAT {
            return Err(err(format!(
                "unsupported table format `{}`: this evaluator reads `{FORMAT}`",
                table.format
            )));
        }
        if table.default.effect != Outcome::Deny {
            return Err(err("`default.effect` must be `deny` in remit.table/1"));
        }
        for (role, ancestors) in &table.roles {
            for a in ancestors {
                if !table.roles.contains_key(a) {
                    return Err(err(format!("role `{role}` lists unknown ancestor `{a}`")));
                }
            }
        }
        let roles: HashMap<String, usize> = table
            .roles
            .keys()
            .enumerate()
            .map(|(i, r)| (r.clone(), i))
            .collect();
        let actions: HashMap<String, usize> = table
            .actions
            .keys()
            .enumerate()
            .map(|(i, a)| (a.clone(), i))
            .collect();

        let mut slots = Vec::new();
        let mut by_key: HashMap<String, usize> = HashMap::default();
        let mut customer = HashMap::default();
        let mut context = HashMap::default();
        for (key, info) in &table.inputs {
            let (source, field) = match key.split_once('.') {
                Some((_, "")) | None => {
                    return Err(err(format!(
                        "input `{key}` must be `customer.NAME`, `context.NAME` or `param.NAME`"
                    )))
                }
                Some(("customer", f)) => (Source::Customer, f),
                Some(("context", f)) => (Source::Context, f),
                Some(("param", f)) => (Source::Param, f),
                _ => {
                    return Err(err(format!(
                        "input `{key}` must start with `customer.`, `context.` or `param.`"
                    )))
                }
            };
            let values = match (info.ty, &info.values) {
                (InputType::Enum | InputType::Set, Some(v)) if !v.is_empty() => v.clone(),
                (InputType::Enum | InputType::Set, _) => {
                    return Err(err(format!(
                        "input `{key}` is an {} but lists no `values`",
                        info.ty.as_str()
                    )))
                }
                (_, None) => Vec::new(),
                (_, Some(_)) => {
                    return Err(err(format!(
                        "input `{key}` is `{}` and cannot list `values`",
                        info.ty.as_str()
                    )))
                }
            };
            let slot = slots.len();
            slots.push(Slot {
                key: key.clone(),
                source,
                field: field.to_string(),
                ty: info.ty,
                index: variant_index(&values),
                values,
                counter: false,
            });
            by_key.insert(key.clone(), slot);
            match source {
                Source::Customer => {
                    customer.insert(field.to_string(), slot);
                }
                Source::Context => {
                    context.insert(field.to_string(), slot);
                }
                _ => {}
            }
        }
        let mut params: Vec<HashMap<String, usize>> = Vec::new();
        for (name, action) in &table.actions {
            let mut map = HashMap::default();
            for (p, ty) in &action.params {
                let key = format!("param.{p}");
                let Some(&slot) = by_key.get(&key) else {
                    return Err(err(format!(
                        "action `{name}` has parameter `{p}`, but `inputs` has no `{key}`"
                    )));
                };
                if slots[slot].ty != *ty {
                    return Err(err(format!(
                        "parameter `{p}` of action `{name}` is `{}` but input `{key}` is `{}`",
                        ty.as_str(),
                        slots[slot].ty.as_str()
                    )));
                }
                map.insert(p.clone(), slot);
            }
            params.push(map);
        }
        let mut usage = HashMap::default();
        for (id, counter) in &table.counters {
            if counter.window_minutes <= 0 {
                return Err(err(format!(
                    "counter `{id}` must have a positive `window_minutes`"
                )));
            }
            for a in &counter.actions {
                if !actions.contains_key(a) {
                    return Err(err(format!("counter `{id}` counts unknown action `{a}`")));
                }
            }
            if by_key.contains_key(id) {
                return Err(err(format!("counter `{id}` has the same id as an input")));
            }
            let slot = slots.len();
            slots.push(Slot {
                key: id.clone(),
                source: Source::Usage,
                field: id.clone(),
                ty: InputType::Int,
                values: Vec::new(),
                index: HashMap::default(),
                counter: true,
            });
            by_key.insert(id.clone(), slot);
            usage.insert(id.clone(), slot);
        }

        let mut rows = Vec::with_capacity(table.rows.len());
        let mut groups: HashMap<(usize, usize), Group> = HashMap::default();
        for (index, row) in table.rows.iter().enumerate() {
            let at = |what: &str| format!("row {index} (rule `{}`): {what}", row.rule);
            if row.effect == Outcome::Deny {
                return Err(err(at("`effect` must be `permit`, `forbid` or `escalate`")));
            }
            for r in &row.roles {
                if !roles.contains_key(r) {
                    return Err(err(at(&format!("unknown role `{r}`"))));
                }
            }
            for a in &row.actions {
                if !actions.contains_key(a) {
                    return Err(err(at(&format!("unknown action `{a}`"))));
                }
            }
            for o in &row.obligations {
                if !table.obligations.contains_key(o) {
                    return Err(err(at(&format!("unknown obligation `{o}`"))));
                }
            }
            for r in &row.notify {
                if !roles.contains_key(r) {
                    return Err(err(at(&format!("`notify` names unknown role `{r}`"))));
                }
            }
            match (&row.escalation, row.effect) {
                (None, Outcome::Escalate) => {
                    return Err(err(at("an `escalate` row needs an `escalation`")))
                }
                (Some(e), _) => {
                    if row.effect == Outcome::Forbid {
                        return Err(err(at("a `forbid` row cannot escalate")));
                    }
                    for r in std::iter::once(&e.to).chain(e.except_roles.iter()) {
                        if !roles.contains_key(r) {
                            return Err(err(at(&format!("`escalation` names unknown role `{r}`"))));
                        }
                    }
                }
                _ => {}
            }
            if row.effect != Outcome::Permit && (!row.limits.is_empty() || !row.budgets.is_empty())
            {
                return Err(err(at("only `permit` rows have `limits` and `budgets`")));
            }
            // A row reads `param.NAME` only when each of its actions has
            // the parameter NAME.
            let param_of_every_action = |slot: usize| -> Result<(), TableError> {
                let s = &slots[slot];
                if s.source != Source::Param {
                    return Ok(());
                }
                match row.actions.iter().find(|a| {
                    table
                        .actions
                        .get(*a)
                        .is_none_or(|info| !info.params.contains_key(&s.field))
                }) {
                    Some(a) => Err(err(at(&format!(
                        "reads `{}`, but action `{a}` has no parameter `{}`",
                        s.key, s.field
                    )))),
                    None => Ok(()),
                }
            };
            let mut reads = BTreeSet::new();
            let mut compile =
                |key: &String, c: &Constraint, limit: bool| -> Result<Check, TableError> {
                    let Some(&slot) = by_key.get(key) else {
                        return Err(err(at(&format!(
                            "reads `{key}`, which is neither a declared input nor a counter"
                        ))));
                    };
                    param_of_every_action(slot)?;
                    validate_constraint(&slots[slot], c, limit)
                        .map_err(|m| err(at(&format!("`{key}`: {m}"))))?;
                    reads.insert(slot);
                    Ok(Check {
                        slot,
                        test: compile_test(&slots[slot], c),
                    })
                };
            let scope = row
                .scope
                .iter()
                .map(|(k, c)| compile(k, c, false))
                .collect::<Result<Vec<_>, _>>()?;
            let limits = row
                .limits
                .iter()
                .map(|(k, c)| compile(k, c, true))
                .collect::<Result<Vec<_>, _>>()?;
            let mut budgets = Vec::new();
            for b in &row.budgets {
                let counter = usage.get(&b.counter).copied().ok_or_else(|| {
                    err(at(&format!("budget reads unknown counter `{}`", b.counter)))
                })?;
                let param = by_key
                    .get(&b.param)
                    .copied()
                    .filter(|s| {
                        slots[*s].source == Source::Param && slots[*s].ty == InputType::Money
                    })
                    .ok_or_else(|| {
                        err(at(&format!(
                            "budget param `{}` is not a `money` parameter input",
                            b.param
                        )))
                    })?;
                param_of_every_action(param)?;
                reads.insert(counter);
                reads.insert(param);
                budgets.push((counter, param, b.max));
            }
            for r in &row.roles {
                for a in &row.actions {
                    groups
                        .entry((roles[r], actions[a]))
                        .or_default()
                        .rows
                        .push(index);
                }
            }
            let except = Bits::of(
                row.escalation
                    .iter()
                    .flat_map(|e| e.except_roles.iter())
                    .filter_map(|r| roles.get(r).copied()),
                roles.len(),
            );
            rows.push(CompiledRow {
                effect: row.effect,
                escalates: row.escalation.is_some(),
                except,
                scope,
                limits,
                budgets,
                reads: reads.into_iter().collect(),
            });
        }
        for g in groups.values_mut() {
            let reads: BTreeSet<usize> = g
                .rows
                .iter()
                .flat_map(|r| rows[*r].reads.iter().copied())
                .collect();
            g.reads = reads.into_iter().collect();
        }
        Ok(Evaluator {
            table,
            roles,
            actions,
            slots,
            customer,
            context,
            params,
            rows,
            groups,
        })
    }

    /// The loaded table.
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// The loaded table, shared.
    pub fn shared_table(&self) -> Arc<Table> {
        Arc::clone(&self.table)
    }
}

/// Where a table that does not deserialize goes wrong: the first
/// top-level field, row, or row constraint that fails on its own, as a
/// prefix for the message, and that part's own error. `None` when only
/// the whole fails (a missing or unknown top-level field).
fn locate(value: &serde_json::Value) -> Option<(String, String)> {
    use crate::format::{
        ActionInfo, Budget, CounterInfo, CurrencyInfo, DefaultDecision, Escalation, InputInfo,
        PolicyInfo, Row, SourceLocation,
    };
    use serde::de::DeserializeOwned;
    use serde_json::Value;
    use std::collections::BTreeMap;
    fn fails<T: DeserializeOwned>(v: &Value) -> Option<String> {
        serde_json::from_value::<T>(v.clone())
            .err()
            .map(|e| e.to_string())
    }
    let obj = value.as_object()?;
    /// Deserializes one part on its own: its error, if it fails.
    type Part = fn(&Value) -> Option<String>;
    let fields: [(&str, Part); 10] = [
        ("policy", fails::<PolicyInfo>),
        ("digest", fails::<String>),
        ("currency", fails::<Option<CurrencyInfo>>),
        ("default", fails::<DefaultDecision>),
        ("roles", fails::<BTreeMap<String, Vec<String>>>),
        ("actions", fails::<BTreeMap<String, ActionInfo>>),
        ("inputs", fails::<BTreeMap<String, InputInfo>>),
        ("counters", fails::<BTreeMap<String, CounterInfo>>),
        ("obligations", fails::<BTreeMap<String, String>>),
        ("rows", fails::<Vec<Value>>),
    ];
    for (name, check) in fields {
        if let Some(e) = obj.get(name).and_then(check) {
            return Some((format!("`{name}`: "), e));
        }
    }
    let row_fields: [(&str, Part); 11] = [
        ("rule", fails::<String>),
        ("source", fails::<Option<SourceLocation>>),
        ("effect", fails::<Outcome>),
        ("roles", fails::<Vec<String>>),
        ("actions", fails::<Vec<String>>),
        ("scope", fails::<BTreeMap<String, Value>>),
        ("limits", fails::<BTreeMap<String, Value>>),
        ("budgets", fails::<Vec<Budget>>),
        ("obligations", fails::<Vec<String>>),
        ("notify", fails::<Vec<String>>),
        ("escalation", fails::<Option<Escalation>>),
    ];
    for (i, row) in obj.get("rows")?.as_array()?.iter().enumerate() {
        let Some(e) = fails::<Row>(row) else { continue };
        let rule = row.get("rule").and_then(Value::as_str).unwrap_or("?");
        let at = format!("row {i} (rule `{rule}`): ");
        for (name, check) in row_fields {
            if let Some(e) = row.get(name).and_then(check) {
                return Some((format!("{at}`{name}`: "), e));
            }
        }
        for part in ["scope", "limits"] {
            let Some(constraints) = row.get(part).and_then(Value::as_object) else {
                continue;
            };
            for (key, c) in constraints {
                if let Some(e) = fails::<Constraint>(c) {
                    return Some((format!("{at}`{part}` `{key}`: "), e));
                }
            }
        }
        return Some((at, e));
    }
    None
}

/// Variant name → index, for [`Slot::index`].
/// A value listed twice keeps its first index.
fn variant_index(values: &[String]) -> HashMap<String, u32> {
    let mut index = HashMap::default();
    for (i, v) in values.iter().enumerate() {
        if let Ok(i) = u32::try_from(i) {
            index.entry(v.clone()).or_insert(i);
        }
    }
    index
}

fn compile_test(slot: &Slot, c: &Constraint) -> Test {
    let index = |v: &String| slot.index.get(v).map(|i| *i as usize);
    let bits = |vs: &[String]| Bits::of(vs.iter().filter_map(index), slot.values.len());
    match c {
        Constraint::Interval(i) => Test::Interval {
            min: i.min.unwrap_or(i64::MIN),
            max: i.max.unwrap_or(i64::MAX),
        },
        Constraint::In(set) => Test::Enum(bits(&set.values)),
        Constraint::Eq(b) => Test::Bool(b.eq),
        Constraint::Set(t) => Test::Set {
            contains: bits(t.contains.as_deref().unwrap_or(&[])),
            excludes: bits(t.excludes.as_deref().unwrap_or(&[])),
        },
    }
}

fn validate_constraint(slot: &Slot, c: &Constraint, limit: bool) -> Result<(), String> {
    match (c, slot.ty) {
        (Constraint::Interval(i), t) if t.is_integer() => match (i.min, i.max) {
            (None, None) => Err("an interval needs `min` or `max`".into()),
            (Some(a), Some(b)) if a > b => Err(format!("`min` {a} is above `max` {b}")),
            _ => Ok(()),
        },
        (_, _) if limit => Err("a limit must be an interval on an integer input or counter".into()),
        (Constraint::In(set), InputType::Enum) => {
            if set.values.is_empty() {
                return Err("`in` must list at least one variant".into());
            }
            match set.values.iter().find(|v| !slot.index.contains_key(*v)) {
                Some(v) => Err(format!("`{v}` is not one of its variants")),
                None => Ok(()),
            }
        }
        (Constraint::Eq(_), InputType::Bool) => Ok(()),
        (Constraint::Set(s), InputType::Set) => {
            if s.contains.is_none() && s.excludes.is_none() {
                return Err("a set constraint needs `contains` or `excludes`".into());
            }
            let all = s
                .contains
                .iter()
                .flatten()
                .chain(s.excludes.iter().flatten());
            match all.into_iter().find(|v| !slot.index.contains_key(*v)) {
                Some(v) => Err(format!("`{v}` is not one of its variants")),
                None => Ok(()),
            }
        }
        (_, t) => Err(format!(
            "this kind of constraint does not apply to an input of type `{}`",
            t.as_str()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// A valid table: `extend` has `days`, `refund` has `amount`.
    fn table() -> Value {
        json!({
            "format": "remit.table/1", "policy": {"name": "t", "version": null}, "digest": "sha256:0",
            "currency": {"code": "USD", "scale": 2}, "default": {"effect": "deny"},
            "roles": {"clerk": []},
            "actions": {"extend": {"params": {"days": "int"}}, "refund": {"params": {"amount": "money"}}},
            "inputs": {"customer.age": {"type": "int"}, "param.amount": {"type": "money"}, "param.days": {"type": "int"}},
            "counters": {"customer/refund/sum/P30D": {"per": "customer", "actions": ["refund"], "measure": "sum", "window_minutes": 43200}},
            "obligations": {},
            "rows": [{"rule": "r", "effect": "permit", "roles": ["clerk"], "actions": ["refund"],
                      "scope": {"customer.age": {"min": 18}}, "limits": {"param.amount": {"max": 100}},
                      "budgets": [{"counter": "customer/refund/sum/P30D", "param": "param.amount", "max": 500}],
                      "obligations": [], "notify": [], "escalation": null}],
        })
    }

    /// The refusal's message for a variant of the table.
    fn refusal(change: impl FnOnce(&mut Value)) -> String {
        let mut t = table();
        change(&mut t);
        match Evaluator::from_value(t) {
            Ok(_) => String::from("loaded"),
            Err(e) => e.message,
        }
    }

    #[test]
    fn the_base_table_loads() {
        assert_eq!(refusal(|_| {}), "loaded");
    }

    /// The refusal's message for a table given as text.
    fn text_refusal(text: impl AsRef<[u8]>) -> String {
        match Evaluator::from_json(text) {
            Ok(_) => String::from("loaded"),
            Err(e) => e.message,
        }
    }

    #[test]
    fn a_table_given_as_text_may_start_with_a_byte_order_mark() {
        let text = serde_json::to_string_pretty(&table()).unwrap();
        assert_eq!(text_refusal(format!("\u{feff}{text}")), "loaded");
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice(text.as_bytes());
        assert_eq!(text_refusal(&bytes), "loaded");
        assert_eq!(
            text_refusal(format!("\u{feff}\u{feff}{text}")),
            "the table is not valid JSON: expected a value, found the character U+FEFF at line 1, column 1"
        );
    }

    #[test]
    fn a_table_with_a_duplicate_key_is_refused() {
        let text = serde_json::to_string_pretty(&table()).unwrap();
        let twice = text.replacen(
            "\"effect\": \"permit\",",
            "\"effect\": \"permit\",\n      \"effect\": \"forbid\",",
            1,
        );
        assert_ne!(twice, text);
        assert!(
            text_refusal(&twice).starts_with(
                "the table gives the key `effect` twice in one object (the second at line "
            ),
            "{}",
            text_refusal(&twice)
        );
    }

    #[test]
    fn a_table_number_beyond_a_double_is_named_as_written() {
        let text = serde_json::to_string(&table())
            .unwrap()
            .replace("\"max\":100}", "\"max\":1e400}");
        assert_eq!(
            text_refusal(&text),
            format!(
                "the table has the number `1e400` at line 1, column {}, beyond the range of a double: every number in a table is a 64-bit integer",
                text.find("1e400").unwrap() + 1
            )
        );
        // Within the range of a double, the type check names the problem.
        let text = text.replace("1e400", "1e300");
        assert!(
            text_refusal(&text).contains("param.amount"),
            "{}",
            text_refusal(&text)
        );
    }

    #[test]
    fn a_row_reads_only_parameters_of_every_one_of_its_actions() {
        let m = refusal(|t| t["rows"][0]["actions"] = json!(["extend", "refund"]));
        assert_eq!(
            m,
            "row 0 (rule `r`): reads `param.amount`, but action `extend` has no parameter `amount`"
        );
        // The same through a scope, and through a budget alone.
        let m = refusal(|t| {
            t["rows"][0]["actions"] = json!(["extend"]);
            t["rows"][0]["limits"] = json!({});
        });
        assert!(
            m.contains("reads `param.amount`, but action `extend`"),
            "{m}"
        );
        let m = refusal(|t| {
            t["rows"][0]["scope"] = json!({"param.days": {"max": 3}});
        });
        assert!(m.contains("reads `param.days`, but action `refund`"), "{m}");
    }

    #[test]
    fn input_keys_name_something_and_counters_are_not_inputs() {
        let m = refusal(|t| t["inputs"]["customer."] = json!({"type": "int"}));
        assert!(m.contains("input `customer.` must be"), "{m}");
        let m = refusal(|t| t["inputs"]["age"] = json!({"type": "int"}));
        assert!(m.contains("input `age` must be"), "{m}");
        let m = refusal(|t| {
            t["counters"]["customer.age"] = t["counters"]["customer/refund/sum/P30D"].clone();
        });
        assert_eq!(m, "counter `customer.age` has the same id as an input");
    }

    #[test]
    fn a_table_that_does_not_deserialize_is_refused_with_the_place() {
        let m = refusal(|t| t["rows"][0]["scope"]["customer.age"] = json!({"min": 1, "in": ["x"]}));
        assert_eq!(
            m,
            "the table does not follow `remit.table/1`: row 0 (rule `r`): `scope` `customer.age`: \
             a constraint has the fields {min, max}, {in}, {eq} or {contains, excludes}, not `in`, `min`"
        );
        let m = refusal(|t| t["rows"][0]["limits"]["param.amount"] = json!({"max": 1.5}));
        assert!(
            m.ends_with("row 0 (rule `r`): `limits` `param.amount`: `max` must be a 64-bit integer, not 1.5"),
            "{m}"
        );
        let m = refusal(|t| t["rows"][0]["scope"]["customer.age"] = json!({"eq": null}));
        assert!(
            m.ends_with("`eq` must be `true` or `false`, not null"),
            "{m}"
        );
        let m = refusal(|t| t["rows"][0]["roles"] = json!("clerk"));
        assert!(m.contains("row 0 (rule `r`): `roles`: invalid type"), "{m}");
        let m = refusal(|t| t["currency"]["scale"] = json!(4_294_967_296_u64));
        assert!(m.contains("`currency`: "), "{m}");
        assert!(m.contains("4294967296"), "{m}");
        // A missing field is named by serde itself.
        let m = refusal(|t| {
            t.as_object_mut().unwrap().remove("rows");
        });
        assert!(m.ends_with("missing field `rows`"), "{m}");
    }

    #[test]
    fn null_constraint_fields_are_absent() {
        assert_eq!(
            refusal(|t| t["rows"][0]["limits"]["param.amount"] = json!({"min": null, "max": 100})),
            "loaded"
        );
        let m =
            refusal(|t| t["rows"][0]["limits"]["param.amount"] = json!({"min": null, "max": null}));
        assert!(m.ends_with("an interval needs `min` or `max`"), "{m}");
    }
}
