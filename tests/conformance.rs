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
