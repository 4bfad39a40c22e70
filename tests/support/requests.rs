//! Random well-formed requests over a policy's domain, for property tests
//! and for generating conformance vectors.

#![allow(clippy::unwrap_used)]

use crate::interpret::Usage;
use remit_sema::lower::counter_id;
use remit_sema::model::{ActionId, Id, Model, RoleId, Subject, Type, VariantId, WindowDef};
use remit_table::Measure;
use serde_json::{json, Map, Value};

/// Usage given as table counters.
pub struct Counters<'a>(pub &'a Map<String, Value>);

impl Usage for Counters<'_> {
    fn count(&self, subjects: &[Subject], actions: &[String], window: WindowDef) -> i64 {
        self.0
            .get(&counter_id(subjects, actions, Measure::Count, window))
            .and_then(Value::as_i64)
            .unwrap_or(0)
    }
    fn sum(&self, subjects: &[Subject], actions: &[String], window: WindowDef) -> i64 {
        self.0
            .get(&counter_id(subjects, actions, Measure::Sum, window))
            .and_then(Value::as_i64)
            .unwrap_or(0)
    }
}

/// A small deterministic generator (xorshift), seeded by proptest.
pub struct Rng(pub u64);

impl Rng {
    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// A number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    /// An integer, often one at a typical boundary.
    pub fn int(&mut self) -> i64 {
        const EDGES: &[i64] = &[
            0, 1, 2, 3, 5, 9, 10, 11, 29, 30, 31, 49, 50, 51, 99, 100, 101, 499, 500, 501, 1440,
            2999, 3000, 3001, 4000, 4001, 5000, 5001, 9999, 10000, 10001, 15000, 15001, 50000,
            100000, 500001,
        ];
        if self.below(4) == 0 {
            (self.next_u64() % 1_000_000) as i64
        } else {
            EDGES[self.below(EDGES.len())]
        }
    }
}

/// A random value of a type.
pub fn random_value(rng: &mut Rng, model: &Model, ty: &Type) -> Value {
    match ty {
        Type::Bool => json!(rng.below(2) == 0),
        Type::Int | Type::Money | Type::Duration | Type::Date => json!(rng.int()),
        Type::Time => json!(rng.int() % 1440),
        Type::Key => json!(format!("K-{}", rng.below(3))),
        Type::Enum(e) => {
            let variants = &model.enum_def(e).unwrap().variants;
            json!(variants[VariantId::from_index(rng.below(variants.len()))].0)
        }
        Type::Set(e) => {
            let variants = &model.enum_def(e).unwrap().variants;
            let items: Vec<&String> = variants
                .iter()
                .map(|(v, _)| v)
                .filter(|_| rng.below(2) == 0)
                .collect();
            json!(items)
        }
    }
}

/// A random well-formed request for the policy, every input and counter given.
/// A random request over a policy's domain: every parameter and
/// attribute (an optional one omitted one time in three) and every counter
/// of the table.
pub fn random_request(rng: &mut Rng, model: &Model, table: &remit_table::v2::Table) -> Value {
    let role = &model.roles[RoleId::from_index(rng.below(model.roles.len()))].name;
    let action = &model.actions[ActionId::from_index(rng.below(model.actions.len()))];
    let mut params = Map::new();
    for p in &action.params {
        params.insert(p.name.clone(), random_value(rng, model, &p.ty));
    }
    let mut customer = Map::new();
    for a in &model.customer {
        if a.optional && rng.below(3) == 0 {
            continue;
        }
        customer.insert(a.name.clone(), random_value(rng, model, &a.ty));
    }
    let mut context = Map::new();
    for a in &model.context {
        if a.optional && rng.below(3) == 0 {
            continue;
        }
        context.insert(a.name.clone(), random_value(rng, model, &a.ty));
    }
    let mut usage = Map::new();
    for (id, c) in &table.counters {
        let v = if c.measure == Measure::Count {
            rng.below(5) as i64
        } else {
            rng.int()
        };
        usage.insert(id.clone(), json!(v));
    }
    json!({"role": role, "action": action.name, "params": params, "customer": customer, "context": context, "usage": usage})
}
