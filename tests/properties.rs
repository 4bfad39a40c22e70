//! Property tests: nothing panics on any input, and evaluating the lowered
//! table agrees with a direct interpretation of the checked policy.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use remit_sema::lower::counter_id;
use remit_sema::model::{Model, Type};
use remit_syntax::ast::Per;
use remit_table::{CounterPer, Evaluator, Measure, Outcome};
use remit_tests::interpret::{self, Usage};
use remit_tests::{analyze_dir, analyze_text, example_dirs};
use serde_json::{json, Map, Value};

const VOCABULARY: &[&str] = &[
    "policy",
    "version",
    "currency",
    "enum",
    "customer",
    "context",
    "role",
    "extends",
    "action",
    "obligation",
    "segment",
    "situation",
    "rule",
    "permit",
    "forbid",
    "escalate",
    "to",
    "from",
    "for",
    "any",
    "when",
    "limit",
    "per",
    "total",
    "employee",
    "otherwise",
    "require",
    "notify",
    "and",
    "or",
    "not",
    "in",
    "contains",
    "true",
    "false",
    "test",
    "expect",
    "requiring",
    "deny",
    "history",
    "ago",
    "{",
    "}",
    "(",
    ")",
    ",",
    ":",
    ".",
    "=",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "@",
    "allow",
    "x",
    "amount",
    "USD",
    "days",
    "30",
    "1_000",
    "49.99",
    "\"s\"",
    "Int",
    "Money",
    "Set",
    "Bool",
    "// c\n",
    "/// d\n",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        let _ = analyze_text("fuzz.remit", &text);
    }

    #[test]
    fn arbitrary_token_sequences_never_panic(tokens in prop::collection::vec(prop::sample::select(VOCABULARY), 0..120)) {
        let _ = analyze_text("tokens.remit", &tokens.join(" "));
    }
}

#[test]
fn ten_thousand_nested_parentheses_are_a_diagnostic() {
    let text = format!(
        "segment s = {}true{}\n",
        "(".repeat(10_000),
        ")".repeat(10_000)
    );
    let a = analyze_text("deep.remit", &text);
    assert!(
        a.diagnostics
            .iter()
            .any(|d| d.code.name == "nesting_too_deep"),
        "{:?}",
        a.diagnostics
    );
}

/// Usage given as table counters.
struct Counters<'a>(&'a Map<String, Value>);

impl Usage for Counters<'_> {
    fn count(&self, per: Per, actions: &[String], window: i64) -> i64 {
        let per = if per == Per::Customer {
            CounterPer::Customer
        } else {
            CounterPer::Employee
        };
        self.0
            .get(&counter_id(per, actions, Measure::Count, window))
            .and_then(Value::as_i64)
            .unwrap_or(0)
    }
    fn sum(&self, actions: &[String], window: i64) -> i64 {
        self.0
            .get(&counter_id(
                CounterPer::Customer,
                actions,
                Measure::Sum,
                window,
            ))
            .and_then(Value::as_i64)
            .unwrap_or(0)
    }
}

/// A small deterministic generator (xorshift), seeded by proptest.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn int(&mut self) -> i64 {
        const EDGES: &[i64] = &[
            0, 1, 2, 3, 5, 9, 10, 11, 29, 30, 31, 49, 50, 51, 99, 100, 101, 499, 500, 501, 1440,
            2999, 3000, 3001, 4000, 4001, 5000, 5001, 9999, 10000, 10001, 15000, 15001, 50000,
            100000, 500001,
        ];
        if self.below(4) == 0 {
            (self.next() % 1_000_000) as i64
        } else {
            EDGES[self.below(EDGES.len())]
        }
    }
}

fn random_value(rng: &mut Rng, model: &Model, ty: &Type) -> Value {
    match ty {
        Type::Bool => json!(rng.below(2) == 0),
        Type::Int | Type::Money | Type::Duration => json!(rng.int()),
        Type::Enum(e) => {
            let variants = &model.enum_def(e).unwrap().variants;
            json!(variants[rng.below(variants.len())].0)
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

fn random_request(rng: &mut Rng, model: &Model, table: &remit_table::Table) -> Value {
    let role = &model.roles[rng.below(model.roles.len())].name;
    let action = &model.actions[rng.below(model.actions.len())];
    let mut params = Map::new();
    for p in &action.params {
        params.insert(p.name.clone(), random_value(rng, model, &p.ty));
    }
    let mut customer = Map::new();
    for a in &model.customer {
        customer.insert(a.name.clone(), random_value(rng, model, &a.ty));
    }
    let mut context = Map::new();
    for a in &model.context {
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

#[test]
fn lowering_agrees_with_the_meaning_of_every_example() {
    let dirs = example_dirs();
    assert!(!dirs.is_empty(), "no examples found");
    for dir in dirs {
        let analysis = analyze_dir(&dir);
        assert!(!analysis.has_errors(), "{} has errors", dir.display());
        let model = &analysis.checked.model;
        let table = &analysis.lowered.table;
        let evaluator = Evaluator::new(table.clone()).unwrap();
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
            cases: 2000,
            ..ProptestConfig::default()
        });
        runner
            .run(&any::<u64>(), |seed| {
                let mut rng = Rng(seed | 1);
                let request = random_request(&mut rng, model, table);
                let decision = evaluator.decide(&request);
                prop_assert!(decision.errors.is_empty(), "errors: {:?}", decision.errors);
                let expected = interpret::decide(
                    model,
                    &request,
                    &Counters(request["usage"].as_object().unwrap()),
                );
                let actual = match decision.decision {
                    Outcome::Permit => "permit",
                    Outcome::Escalate => "escalate",
                    _ => "deny",
                };
                prop_assert_eq!(actual, expected.decision.as_str(), "request {}", request);
                prop_assert_eq!(
                    &decision.escalate_to,
                    &expected.escalate_to,
                    "request {}",
                    request
                );
                prop_assert_eq!(
                    &decision.obligations,
                    &expected.obligations,
                    "request {}",
                    request
                );
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    }
}
