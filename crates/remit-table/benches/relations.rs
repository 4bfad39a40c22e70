//! Decision latency on a `remit.table/2` table of 10,000 rows, a third of
//! which carry a relation (a percentage cap `100 × amount <= P × bill`, a
//! cap on what is left of the bill, or a scope relation), built directly
//! from the `remit_table::v2` types the lowering writes.
//!
//! `decide_relations_mixed_512` decides 512 random requests per iteration
//! (divide by 512 for the time per decision); `headroom_mixed_64` answers
//! 64 headroom questions per iteration.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use remit_table::v2::{
    ActionInfo, Constraint, CurrencyInfo, DefaultDecision, Escalation, InSet, InputInfo, InputType,
    Interval, Outcome, PolicyInfo, Relation, Row, Table, FORMAT,
};
use remit_table::Evaluator;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::hint::black_box;

const ROWS: usize = 10_000;
const ROLES: usize = 20;
const TIERS: [&str; 4] = ["bronze", "gold", "platinum", "silver"];
const CHANNELS: [&str; 5] = ["chat", "email", "phone", "social", "store"];

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn input(ty: InputType, values: Option<&[&str]>) -> InputInfo {
    InputInfo {
        ty,
        values: values.map(|v| v.iter().map(|s| s.to_string()).collect()),
        optional: false,
    }
}

fn table() -> Table {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let roles: BTreeMap<String, Vec<String>> = (0..ROLES)
        .map(|i| (format!("r{i:02}"), Vec::new()))
        .collect();
    let actions: BTreeMap<String, ActionInfo> = ["comp", "credit", "refund"]
        .iter()
        .map(|a| {
            let params = BTreeMap::from([("amount".to_string(), InputType::Money)]);
            (a.to_string(), ActionInfo { params })
        })
        .collect();
    let inputs = BTreeMap::from([
        (
            "customer.tier".to_string(),
            input(InputType::Enum, Some(&TIERS)),
        ),
        (
            "context.channel".to_string(),
            input(InputType::Enum, Some(&CHANNELS)),
        ),
        (
            "context.bill_total".to_string(),
            input(InputType::Money, None),
        ),
        (
            "context.refunded".to_string(),
            input(InputType::Money, None),
        ),
        ("param.amount".to_string(), input(InputType::Money, None)),
    ]);
    let action_names: Vec<&String> = actions.keys().collect();
    let rows = (0..ROWS)
        .map(|i| {
            let mut scope = BTreeMap::from([(
                "customer.tier".to_string(),
                Constraint::In(InSet {
                    values: vec![TIERS[rng.below(TIERS.len())].to_string()],
                }),
            )]);
            if i % 2 == 0 {
                scope.insert(
                    "context.channel".to_string(),
                    Constraint::In(InSet {
                        values: vec![CHANNELS[rng.below(CHANNELS.len())].to_string()],
                    }),
                );
            }
            let mut scope_relations = Vec::new();
            let mut limit_relations = Vec::new();
            match (i % 3, i % 9) {
                (0, 0) => scope_relations.push(Relation {
                    terms: BTreeMap::from([
                        ("context.bill_total".into(), -1),
                        ("context.refunded".into(), 1),
                    ]),
                    max: -1,
                }),
                (0, 3) => limit_relations.push(Relation {
                    terms: BTreeMap::from([
                        ("param.amount".into(), 1),
                        ("context.refunded".into(), 1),
                        ("context.bill_total".into(), -1),
                    ]),
                    max: 0,
                }),
                (0, _) => limit_relations.push(Relation {
                    terms: BTreeMap::from([
                        ("param.amount".into(), 100),
                        ("context.bill_total".into(), -(5 + rng.below(40) as i64)),
                    ]),
                    max: 0,
                }),
                _ => {}
            }
            let role = format!("r{:02}", rng.below(ROLES));
            Row {
                rule: format!("rule_{i:05}"),
                source: None,
                effect: if i % 50 == 0 {
                    Outcome::Forbid
                } else {
                    Outcome::Permit
                },
                roles: vec![role.clone()],
                actions: vec![action_names[rng.below(action_names.len())].clone()],
                scope,
                scope_relations,
                limits: if i % 50 == 0 {
                    BTreeMap::new()
                } else {
                    BTreeMap::from([(
                        "param.amount".to_string(),
                        Constraint::Interval(Interval {
                            min: None,
                            max: Some(1000 * (1 + rng.below(200) as i64)),
                        }),
                    )])
                },
                limit_relations: if i % 50 == 0 {
                    Vec::new()
                } else {
                    limit_relations
                },
                obligations: Vec::new(),
                aims: Vec::new(),
                notify: Vec::new(),
                escalation: (i % 50 != 0 && i % 7 == 0).then(|| Escalation {
                    to: format!(
                        "r{:02}",
                        (rng.below(ROLES - 1) + 1 + role[1..].parse::<usize>().unwrap()) % ROLES
                    ),
                    except_roles: Vec::new(),
                }),
            }
        })
        .collect();
    Table {
        format: FORMAT.to_string(),
        policy: PolicyInfo {
            name: "bench".into(),
            version: None,
        },
        digest: "sha256:0".into(),
        currency: Some(CurrencyInfo {
            code: "USD".into(),
            scale: 2,
        }),
        timezone: "UTC".into(),
        default: DefaultDecision {
            effect: Outcome::Deny,
        },
        roles,
        actions,
        inputs,
        counters: BTreeMap::new(),
        obligations: BTreeMap::new(),
        outcomes: BTreeMap::new(),
        rows,
    }
}

fn requests(n: usize) -> Vec<Value> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    (0..n)
        .map(|_| {
            let bill = rng.below(500_000) as i64;
            let action = ["comp", "credit", "refund"][rng.below(3)];
            json!({
                "role": format!("r{:02}", rng.below(ROLES)),
                "action": action,
                "params": {"amount": rng.below(200_000)},
                "customer": {"tier": TIERS[rng.below(TIERS.len())]},
                "context": {"channel": CHANNELS[rng.below(CHANNELS.len())], "bill_total": bill, "refunded": rng.below(bill as usize + 1)},
            })
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let evaluator = Evaluator::from_document(table()).expect("the generated table loads");
    let mixed = requests(512);
    let mut group = c.benchmark_group("relations");
    group.throughput(Throughput::Elements(mixed.len() as u64));
    group.bench_function("decide_relations_mixed_512", |b| {
        b.iter(|| {
            for r in &mixed {
                black_box(evaluator.decide(black_box(r)));
            }
        })
    });
    let asked = &mixed[..64];
    group.throughput(Throughput::Elements(asked.len() as u64));
    group.bench_function("headroom_mixed_64", |b| {
        b.iter(|| {
            for r in asked {
                black_box(evaluator.headroom(black_box(r), "amount"));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
