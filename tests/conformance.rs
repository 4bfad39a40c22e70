//! The shared conformance suite (`tests/conformance/`): the Rust evaluator
//! must decide every request vector exactly as expected and refuse every
//! malformed table. The Python and TypeScript evaluators run the same
//! files.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use remit_table::Evaluator;
use remit_tests::root;
use serde_json::Value;
use std::path::PathBuf;

fn json_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("tests/conformance").join(dir))
        .map(|e| {
            e.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn read(path: &PathBuf) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_request_vector_decides_as_expected() {
    let mut count = 0;
    for file in json_files("cases") {
        let suite = read(&file);
        let table_path = root()
            .join("tests/conformance")
            .join(suite["table"].as_str().unwrap());
        let evaluator = Evaluator::from_json(&std::fs::read_to_string(&table_path).unwrap())
            .unwrap_or_else(|e| {
                panic!(
                    "{}: table {} does not load: {e}",
                    file.display(),
                    table_path.display()
                )
            });
        for case in suite["cases"].as_array().unwrap() {
            let name = case["name"].as_str().unwrap_or("?");
            let decision = serde_json::to_value(evaluator.decide(&case["request"])).unwrap();
            let expect = &case["expect"];
            for field in ["decision", "escalate_to", "obligations", "notify", "rules"] {
                let want = expect.get(field).cloned().unwrap_or_else(|| {
                    if field == "decision" {
                        Value::Null
                    } else {
                        Value::Array(vec![])
                    }
                });
                assert_eq!(
                    decision[field],
                    want,
                    "{} / {name}: `{field}` differs\n{decision:#}",
                    file.display()
                );
            }
            let got: Vec<(Value, Value)> = decision["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| (e["kind"].clone(), e["input"].clone()))
                .collect();
            let want: Vec<(Value, Value)> = expect["errors"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|e| (e["kind"].clone(), e["input"].clone()))
                .collect();
            assert_eq!(
                got,
                want,
                "{} / {name}: errors differ\n{decision:#}",
                file.display()
            );
            count += 1;
        }
    }
    assert!(
        count >= 100,
        "the suite has {count} request vectors; it needs at least 100"
    );
}

#[test]
fn every_malformed_table_is_refused() {
    let files = json_files("malformed");
    assert!(files.len() >= 10, "only {} malformed tables", files.len());
    for file in files {
        let doc = read(&file);
        let result = Evaluator::from_value(doc["table"].clone());
        assert!(
            result.is_err(),
            "{}: loaded a malformed table",
            file.display()
        );
        assert!(!result.unwrap_err().message.is_empty());
    }
}

#[test]
fn every_conformance_table_loads() {
    for file in json_files("tables") {
        Evaluator::from_json(&std::fs::read_to_string(&file).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    }
}

/// The vectors generated from the bundled hotel policy: its compiled table,
/// 120 random requests whose expected decisions come from the independent
/// interpreter of the checked policy (never from the evaluator under test),
/// hand-written invalid requests, and malformed variants of the table.
/// `REMIT_WRITE_VECTORS=1 cargo test -p remit-tests --test conformance`
/// rewrites them; otherwise this test fails when they are stale.
#[test]
fn generated_vectors_are_current() {
    use remit_tests::requests::{random_request, Counters, Rng};
    use serde_json::json;
    let analysis = remit_tests::analyze_dir(&root().join("examples/hotel_front_desk"));
    assert!(!analysis.has_errors());
    let model = &analysis.checked.model;
    let table = serde_json::to_value(&*analysis.lowered.table).unwrap();
    let mut cases = Vec::new();
    let mut rng = Rng(0x00c0_ffee_d00d_2026);
    for i in 0..120 {
        let request = random_request(&mut rng, model, &analysis.lowered.table);
        let v = remit_tests::interpret::decide(
            model,
            &request,
            &Counters(request["usage"].as_object().unwrap()),
        );
        cases.push(json!({
            "name": format!("random request {i:03}"),
            "request": request,
            "expect": {"decision": v.decision, "escalate_to": v.escalate_to, "obligations": v.obligations, "notify": v.notify, "rules": v.rules, "errors": []},
        }));
    }
    let valid = json!({
        "role": "front_desk", "action": "refund", "params": {"amount": 8000},
        "customer": {"tier": "gold", "tenure_days": 400, "nights_this_year": 3, "flagged_for_abuse": false, "products": ["room"]},
        "context": {"incident": "noise", "channel": "in_person", "wait": 5, "bill_total": 42000},
        "usage": {"customer/refund/count/P30D": 0, "customer/refund/sum/P30D": 0},
    });
    let with = |path: &[&str], value: serde_json::Value| {
        let mut r = valid.clone();
        let mut at = &mut r;
        for p in &path[..path.len() - 1] {
            at = &mut at[*p];
        }
        match value {
            serde_json::Value::Null if path.len() > 1 => {
                at.as_object_mut().unwrap().remove(path[path.len() - 1]);
            }
            v => at[path[path.len() - 1]] = v,
        }
        r
    };
    let err = |kind: &str, input: serde_json::Value| json!({"kind": kind, "input": input});
    let invalid: Vec<(&str, serde_json::Value, Vec<serde_json::Value>)> = vec![
        (
            "request is not an object",
            json!([1, 2, 3]),
            vec![err("malformed_request", json!(null))],
        ),
        (
            "role missing",
            with(&["role"], serde_json::Value::Null),
            vec![err("malformed_request", json!("role"))],
        ),
        (
            "role not a string",
            with(&["role"], json!(7)),
            vec![err("malformed_request", json!("role"))],
        ),
        (
            "unknown role",
            with(&["role"], json!("night_porter")),
            vec![err("unknown_role", json!("role"))],
        ),
        (
            "unknown action",
            with(&["action"], json!("teleport")),
            vec![err("unknown_action", json!("action"))],
        ),
        (
            "customer not an object",
            with(&["customer"], json!("gold")),
            vec![
                err("malformed_request", json!("customer")),
                err("missing_input", json!("customer.flagged_for_abuse")),
                err("missing_input", json!("customer.nights_this_year")),
                err("missing_input", json!("customer.tier")),
            ],
        ),
        (
            "missing customer attribute",
            with(&["customer", "tier"], serde_json::Value::Null),
            vec![err("missing_input", json!("customer.tier"))],
        ),
        (
            "missing counter",
            with(
                &["usage", "customer/refund/count/P30D"],
                serde_json::Value::Null,
            ),
            vec![err("missing_input", json!("customer/refund/count/P30D"))],
        ),
        (
            "negative counter",
            with(&["usage", "customer/refund/sum/P30D"], json!(-1)),
            vec![err("wrong_type", json!("customer/refund/sum/P30D"))],
        ),
        (
            "amount with a fraction",
            with(&["params", "amount"], json!(80.5)),
            vec![err("wrong_type", json!("param.amount"))],
        ),
        (
            "amount as a string",
            with(&["params", "amount"], json!("80 USD")),
            vec![err("wrong_type", json!("param.amount"))],
        ),
        (
            "boolean given for an enum",
            with(&["customer", "tier"], json!(true)),
            vec![err("wrong_type", json!("customer.tier"))],
        ),
        (
            "unknown enum variant",
            with(&["context", "incident"], json!("fire")),
            vec![err("unknown_variant", json!("context.incident"))],
        ),
        (
            "unknown set variant",
            with(&["customer", "products"], json!(["room", "casino"])),
            vec![err("unknown_variant", json!("customer.products"))],
        ),
        (
            "several problems, each once, sorted",
            with(&["customer", "nights_this_year"], serde_json::Value::Null).pipe(|r| {
                let mut r = r;
                r["context"]["wait"] = json!("long");
                r["customer"]["tier"] = json!("diamond");
                r
            }),
            vec![
                err("wrong_type", json!("context.wait")),
                err("missing_input", json!("customer.nights_this_year")),
                err("unknown_variant", json!("customer.tier")),
            ],
        ),
    ];
    for (name, request, errors) in invalid {
        cases.push(json!({"name": name, "request": request, "expect": {"decision": "deny", "escalate_to": [], "obligations": [], "notify": [], "rules": [], "errors": errors}}));
    }
    let suite = json!({
        "description": "Generated from examples/hotel_front_desk: random requests decided by the independent interpreter of the checked policy, and invalid requests written by hand.",
        "table": "tables/hotel_front_desk.json",
        "cases": cases,
    });
    let mut malformed: Vec<(&str, serde_json::Value)> = Vec::new();
    let mutate = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut t = table.clone();
        f(&mut t);
        t
    };
    malformed.push(("not_an_object", json!("remit.table/1")));
    malformed.push((
        "unknown_format",
        mutate(&|t| t["format"] = json!("remit.table/2")),
    ));
    malformed.push((
        "missing_rows",
        mutate(&|t| {
            t.as_object_mut().unwrap().remove("rows");
        }),
    ));
    malformed.push((
        "unknown_role_in_row",
        mutate(&|t| t["rows"][0]["roles"] = json!(["night_porter"])),
    ));
    malformed.push((
        "unknown_action_in_row",
        mutate(&|t| t["rows"][0]["actions"] = json!(["teleport"])),
    ));
    malformed.push((
        "undeclared_input",
        mutate(&|t| t["rows"][0]["scope"]["customer.shoe_size"] = json!({"max": 9})),
    ));
    malformed.push((
        "interval_on_enum",
        mutate(&|t| t["rows"][0]["scope"]["customer.tier"] = json!({"max": 9})),
    ));
    malformed.push((
        "interval_without_bounds",
        mutate(&|t| t["rows"][0]["limits"]["param.amount"] = json!({})),
    ));
    malformed.push((
        "min_above_max",
        mutate(&|t| t["rows"][0]["limits"]["param.amount"] = json!({"min": 10, "max": 1})),
    ));
    malformed.push((
        "unlisted_variant",
        mutate(&|t| t["rows"][0]["scope"]["context.incident"] = json!({"in": ["fire"]})),
    ));
    malformed.push((
        "unknown_obligation",
        mutate(&|t| t["rows"][0]["obligations"] = json!(["sign_in_blood"])),
    ));
    malformed.push((
        "escalate_row_without_escalation",
        mutate(&|t| {
            for row in t["rows"].as_array_mut().unwrap() {
                if row["effect"] == "escalate" {
                    row["escalation"] = serde_json::Value::Null;
                }
            }
        }),
    ));
    malformed.push((
        "budget_on_unknown_counter",
        mutate(&|t| {
            for row in t["rows"].as_array_mut().unwrap() {
                if let Some(b) = row["budgets"].as_array_mut().and_then(|b| b.first_mut()) {
                    b["counter"] = json!("customer/refund/sum/P1D");
                }
            }
        }),
    ));
    malformed.push((
        "unknown_effect",
        mutate(&|t| t["rows"][0]["effect"] = json!("maybe")),
    ));
    let dir = root().join("tests/conformance");
    let mut files: Vec<(PathBuf, String)> = vec![
        (
            dir.join("tables/hotel_front_desk.json"),
            serde_json::to_string_pretty(&table).unwrap() + "\n",
        ),
        (
            dir.join("cases/hotel_front_desk.json"),
            serde_json::to_string_pretty(&suite).unwrap() + "\n",
        ),
    ];
    for (name, t) in malformed {
        let doc = json!({"description": format!("the hotel table, {}", name.replace('_', " ")), "table": t});
        files.push((
            dir.join(format!("malformed/hotel_{name}.json")),
            serde_json::to_string_pretty(&doc).unwrap() + "\n",
        ));
    }
    for (path, text) in files {
        if std::env::var_os("REMIT_WRITE_VECTORS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &text).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == text,
            "{} is stale: run `REMIT_WRITE_VECTORS=1 cargo test -p remit-tests --test conformance`",
            path.display()
        );
    }
}

trait Pipe: Sized {
    fn pipe<T>(self, f: impl FnOnce(Self) -> T) -> T {
        f(self)
    }
}

impl Pipe for serde_json::Value {}
