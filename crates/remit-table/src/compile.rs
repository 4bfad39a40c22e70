//! Compiling a validated table: inputs and counters become numbered
//! slots, constraints integer and bitset tests, relations lists of
//! (slot, coefficient), and rows are grouped by (role, action).
//!
//! Runs only on a table that [`crate::validate`] passed, so every name it
//! looks up exists; a lookup that fails anyway skips the part rather than
//! panicking (and cannot happen).

use crate::index::{Bits, Node};
use crate::v2::{Constraint, InputType, Outcome, Relation, Table};
use crate::validate::{input_source, Source};
use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeSet;

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
    /// A request may omit it.
    pub optional: bool,
}

/// A constraint compiled for one slot: integers and variant bitsets only.
#[derive(Debug, Clone)]
pub(crate) enum Test {
    Interval { min: i64, max: i64 },
    Enum(Bits),
    Bool(bool),
    Set { contains: Bits, excludes: Bits },
    Present(bool),
}

/// A constraint on one slot.
#[derive(Debug, Clone)]
pub(crate) struct Check {
    pub slot: usize,
    pub test: Test,
}

/// `Σ coefficient × slot <= max`.
#[derive(Debug, Clone)]
pub(crate) struct Linear {
    pub terms: Vec<(usize, i64)>,
    pub max: i64,
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
    pub scope_relations: Vec<Linear>,
    pub limits: Vec<Check>,
    pub limit_relations: Vec<Linear>,
    /// Every slot it reads, sorted.
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

/// A table compiled for evaluation.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    pub roles: HashMap<String, usize>,
    pub actions: HashMap<String, usize>,
    pub slots: Vec<Slot>,
    /// Per source, field name → slot (params: per action).
    pub customer: HashMap<String, usize>,
    pub context: HashMap<String, usize>,
    pub params: Vec<HashMap<String, usize>>,
    pub rows: Vec<CompiledRow>,
    pub groups: HashMap<(usize, usize), Group>,
}

/// Compiles a validated table.
pub(crate) fn compile(table: &Table) -> Compiled {
    let numbered = |names: &mut dyn Iterator<Item = &String>| -> HashMap<String, usize> {
        names.enumerate().map(|(i, n)| (n.clone(), i)).collect()
    };
    let roles = numbered(&mut table.roles.keys());
    let actions = numbered(&mut table.actions.keys());
    let mut slots = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::default();
    let mut customer = HashMap::default();
    let mut context = HashMap::default();
    for (key, info) in &table.inputs {
        let Some((source, field)) = input_source(key) else {
            continue;
        };
        let values = info.values.clone().unwrap_or_default();
        let slot = slots.len();
        slots.push(Slot {
            key: key.clone(),
            source,
            field: field.to_string(),
            ty: info.ty,
            index: variant_index(&values),
            values,
            counter: false,
            optional: info.optional,
        });
        by_key.insert(key.clone(), slot);
        match source {
            Source::Customer => customer.insert(field.to_string(), slot),
            Source::Context => context.insert(field.to_string(), slot),
            _ => None,
        };
    }
    let params = table
        .actions
        .values()
        .map(|action| {
            action
                .params
                .keys()
                .filter_map(|p| Some((p.clone(), *by_key.get(&format!("param.{p}"))?)))
                .collect()
        })
        .collect();
    for id in table.counters.keys() {
        by_key.insert(id.clone(), slots.len());
        slots.push(Slot {
            key: id.clone(),
            source: Source::Usage,
            field: id.clone(),
            ty: InputType::Int,
            values: Vec::new(),
            index: HashMap::default(),
            counter: true,
            optional: false,
        });
    }

    let mut rows = Vec::with_capacity(table.rows.len());
    let mut groups: HashMap<(usize, usize), Group> = HashMap::default();
    for (index, row) in table.rows.iter().enumerate() {
        let mut reads = BTreeSet::new();
        let mut checks =
            |constraints: &std::collections::BTreeMap<String, Constraint>| -> Vec<Check> {
                constraints
                    .iter()
                    .filter_map(|(key, c)| {
                        let slot = *by_key.get(key)?;
                        reads.insert(slot);
                        Some(Check {
                            slot,
                            test: compile_test(&slots[slot], c),
                        })
                    })
                    .collect()
            };
        let scope = checks(&row.scope);
        let limits = checks(&row.limits);
        let mut linear = |relations: &[Relation]| -> Vec<Linear> {
            relations
                .iter()
                .map(|r| Linear {
                    terms: r
                        .terms
                        .iter()
                        .filter_map(|(key, c)| {
                            let slot = *by_key.get(key)?;
                            reads.insert(slot);
                            Some((slot, *c))
                        })
                        .collect(),
                    max: r.max,
                })
                .collect()
        };
        let scope_relations = linear(&row.scope_relations);
        let limit_relations = linear(&row.limit_relations);
        for r in &row.roles {
            for a in &row.actions {
                if let (Some(&r), Some(&a)) = (roles.get(r), actions.get(a)) {
                    groups.entry((r, a)).or_default().rows.push(index);
                }
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
            scope_relations,
            limits,
            limit_relations,
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
    Compiled {
        roles,
        actions,
        slots,
        customer,
        context,
        params,
        rows,
        groups,
    }
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
        Constraint::Present(p) => Test::Present(p.present),
    }
}
