//! The shared conformance suite (`tests/conformance/`): the Rust evaluator
//! must decide every request vector exactly as expected and refuse every
//! malformed table. The Python and TypeScript evaluators run the same
//! files.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use remit_table::{Evaluator, Table};
use remit_tests::root;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

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

fn read(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn stem(path: &Path) -> String {
    path.file_stem().unwrap().to_string_lossy().into_owned()
}

/// Panics listing every failure, so that one run shows them all.
fn report(what: &str, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} of the {what} failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// Why a vector's decision differs from its expectation, if it does.
fn mismatch(got: &Value, expect: &Value) -> Option<String> {
    for field in [
        "decision",
        "escalate_to",
        "obligations",
        "aims",
        "notify",
        "rules",
    ] {
        let or_empty = |v: &Value| {
            v.get(field).cloned().unwrap_or_else(|| {
                if field == "decision" {
                    Value::Null
                } else {
                    Value::Array(vec![])
                }
            })
        };
        let (have, want) = (or_empty(got), or_empty(expect));
        if have != want {
            return Some(format!("`{field}` is {have}, expected {want}"));
        }
    }
    let pairs = |errors: &Value| -> Vec<(Value, Value)> {
        errors
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|e| (e["kind"].clone(), e["input"].clone()))
            .collect()
    };
    let (have, want) = (pairs(&got["errors"]), pairs(&expect["errors"]));
    (have != want).then(|| format!("errors are {have:?}, expected {want:?}"))
}

/// The bytes of a vector whose request is given as text: `request_text`
/// (the text) or `request_hex` (the bytes, in hex). `None` for a
/// `request`, which is a JSON value.
fn request_bytes(case: &Value) -> Option<Vec<u8>> {
    text_or_hex(case, "request_text", "request_hex")
}

/// `doc[text]` as UTF-8 bytes, or `doc[hex]` decoded.
fn text_or_hex(doc: &Value, text: &str, hex: &str) -> Option<Vec<u8>> {
    if let Some(t) = doc.get(text) {
        return Some(t.as_str().unwrap().as_bytes().to_vec());
    }
    let h = doc.get(hex)?.as_str().unwrap();
    assert!(h.len() % 2 == 0, "odd hex `{h}`");
    Some(
        (0..h.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
            .collect(),
    )
}

/// Every vector of every file in `cases/`, each decided by `decide` and by
/// `explain` (which must agree; `decide_json` and `explain_json` for a
/// request given as text), against its expectation. All failures are
/// reported together.
#[test]
fn every_request_vector_decides_as_expected() {
    let files = json_files("cases");
    assert!(!files.is_empty(), "no case files");
    let mut failures = Vec::new();
    let mut counts = Vec::new();
    let mut total = 0;
    for file in &files {
        let suite = read(file);
        let table_path = root()
            .join("tests/conformance")
            .join(suite["table"].as_str().unwrap());
        let evaluator =
            Evaluator::from_json(std::fs::read(&table_path).unwrap()).unwrap_or_else(|e| {
                panic!(
                    "{}: table {} does not load: {e}",
                    file.display(),
                    table_path.display()
                )
            });
        let cases = suite["cases"].as_array().unwrap();
        assert!(!cases.is_empty(), "{}: no cases", file.display());
        let mut names = BTreeSet::new();
        for case in cases {
            let name = case["name"].as_str().unwrap_or("?");
            if !names.insert(name) {
                failures.push(format!("{} / {name}: the name is used twice", stem(file)));
            }
            let (decided, explained) = match request_bytes(case) {
                Some(bytes) => (
                    evaluator.decide_json(&bytes),
                    evaluator.explain_json(&bytes),
                ),
                None => (
                    evaluator.decide(&case["request"]),
                    evaluator.explain(&case["request"]),
                ),
            };
            let got = serde_json::to_value(&decided).unwrap();
            if let Some(why) = mismatch(&got, &case["expect"]) {
                failures.push(format!("{} / {name}: {why}\n{got:#}", stem(file)));
            } else if explained.decision != decided {
                failures.push(format!(
                    "{} / {name}: `explain` decides differently from `decide`",
                    stem(file)
                ));
            }
        }
        counts.push(format!("{} {}", stem(file), cases.len()));
        total += cases.len();
    }
    eprintln!(
        "{total} request vectors ({}), {} failed",
        counts.join(", "),
        failures.len()
    );
    report("request vectors", &failures);
    assert!(
        total >= 100,
        "the suite has {total} request vectors; it needs at least 100"
    );
}

/// Every vector of every file in `headroom/`: the permitted intervals,
/// the decision just above them (its `decision`, `escalate_to` and
/// `rules`), and the errors, exactly.
#[test]
fn every_headroom_vector_answers_as_expected() {
    let files = json_files("headroom");
    assert!(!files.is_empty(), "no headroom files");
    let mut failures = Vec::new();
    let mut total = 0;
    for file in &files {
        let suite = read(file);
        let table_path = root()
            .join("tests/conformance")
            .join(suite["table"].as_str().unwrap());
        let evaluator = Evaluator::from_json(std::fs::read(&table_path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", table_path.display()));
        for case in suite["cases"].as_array().unwrap() {
            total += 1;
            let name = case["name"].as_str().unwrap_or("?");
            let h = evaluator.headroom(&case["request"], case["param"].as_str().unwrap());
            let got = serde_json::to_value(&h).unwrap();
            let expect = &case["expect"];
            let above = got["above"].as_object().map(|a| {
                serde_json::json!({"decision": a["decision"], "escalate_to": a["escalate_to"], "rules": a["rules"]})
            });
            let errors: Vec<(Value, Value)> = got["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| (e["kind"].clone(), e["input"].clone()))
                .collect();
            let want_errors: Vec<(Value, Value)> = expect["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| (e["kind"].clone(), e["input"].clone()))
                .collect();
            if got["permitted"] != expect["permitted"]
                || above.unwrap_or(Value::Null) != expect["above"]
                || errors != want_errors
            {
                failures.push(format!("{} / {name}: got {got:#}", stem(file)));
            }
        }
    }
    eprintln!("{total} headroom vectors, {} failed", failures.len());
    report("headroom vectors", &failures);
}

/// Every vector of every file in `explain/`: the `detail` of the first
/// candidate row that does not match is the author's words, exactly.
#[test]
fn every_explain_vector_speaks_in_the_authors_terms() {
    let files = json_files("explain");
    assert!(!files.is_empty(), "no explain files");
    let mut failures = Vec::new();
    for file in &files {
        let suite = read(file);
        let table_path = root()
            .join("tests/conformance")
            .join(suite["table"].as_str().unwrap());
        let evaluator = Evaluator::from_json(std::fs::read(&table_path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", table_path.display()));
        for case in suite["cases"].as_array().unwrap() {
            let x = evaluator.explain(&case["request"]);
            let detail = x
                .trace
                .iter()
                .find(|t| t.outcome != remit_table::RowOutcome::Matched)
                .map(|t| t.detail.as_str());
            if detail != case["detail"].as_str() {
                failures.push(format!(
                    "{} / {}: detail {detail:?}",
                    stem(file),
                    case["name"]
                ));
            }
        }
    }
    report("explain vectors", &failures);
}

/// Every file in `malformed/` is refused, and for the reason the file
/// states: each string of its `mentions` occurs in the error's message.
#[test]
fn every_malformed_table_is_refused_for_its_reason() {
    let files = json_files("malformed");
    assert!(files.len() >= 10, "only {} malformed tables", files.len());
    let mut failures = Vec::new();
    for file in &files {
        let doc = read(file);
        let Some(mentions) = doc["mentions"].as_array().filter(|m| !m.is_empty()) else {
            failures.push(format!("{}: no `mentions`", stem(file)));
            continue;
        };
        // A table given as text (`table_text`, or its bytes in `table_hex`)
        // is loaded from the text: its defect is in how it is written.
        let loaded = match text_or_hex(&doc, "table_text", "table_hex") {
            Some(bytes) => Evaluator::from_json(bytes),
            None => Evaluator::from_value(doc["table"].clone()),
        };
        match loaded {
            Ok(_) => failures.push(format!("{}: loaded a malformed table", stem(file))),
            Err(e) => {
                let missing: Vec<&str> = mentions
                    .iter()
                    .map(|m| m.as_str().unwrap())
                    .filter(|m| !e.to_string().contains(m))
                    .collect();
                if !missing.is_empty() {
                    failures.push(format!(
                        "{}: refused with \"{}\", which does not mention {missing:?}",
                        stem(file),
                        e
                    ));
                }
            }
        }
    }
    eprintln!(
        "{} malformed tables, {} failed",
        files.len(),
        failures.len()
    );
    report("malformed tables", &failures);
}

/// Every file in `tables/` loads, is written exactly as `remit build`
/// writes a table (field order included, so the digest recipe of
/// docs/table-format.md can be followed on the file), and carries the
/// digest of its canonical body.
#[test]
fn every_conformance_table_loads_and_is_canonical() {
    let files = json_files("tables");
    assert!(!files.is_empty(), "no tables");
    let mut failures = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let evaluator =
            Evaluator::from_json(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        // Format 1 tables are what `remit build` writes today; format 2
        // tables are written by the same serializer from `remit_table::v2`.
        let (written, digest) = match evaluator.table() {
            Some(table) => (build_output(table), format_1_digest(table)),
            None => {
                let document = evaluator.document();
                (
                    serde_json::to_string_pretty(document).unwrap() + "\n",
                    recipe_digest(document),
                )
            }
        };
        if text != written {
            failures.push(format!(
                "{}: not written as `remit build` writes a table",
                stem(file)
            ));
        }
        let recorded = &evaluator.document().digest;
        if *recorded != digest {
            failures.push(format!(
                "{}: `digest` is {recorded}, the canonical body's is {digest}",
                stem(file),
            ));
        }
    }
    report("tables", &failures);
}

/// The hand lowering of the hotel policy (`tables/hotel.json`) and what the
/// compiler makes of `examples/hotel_front_desk` decide the same: their
/// digests are equal.
#[test]
fn the_hand_lowered_hotel_table_has_the_compiled_digest() {
    let digest = |name: &str| {
        read(&root().join("tests/conformance/tables").join(name))["digest"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let compiled = remit_tests::analyze_dir(&root().join("examples/hotel_front_desk"));
    assert_eq!(
        digest("hotel.json"),
        compiled
            .lowered
            .format_1
            .clone()
            .expect("a version 1 policy")
            .digest
    );
    assert_eq!(digest("hotel.json"), digest("hotel_front_desk.json"));
}

/// The digest of a format 2 table by the recipe of docs/table-format.md:
/// `digest` set to `""`, no row `source`, SHA-256 of the compact
/// serialization in field order.
fn recipe_digest(table: &remit_table::v2::Table) -> String {
    let mut table = table.clone();
    table.digest.clear();
    for row in &mut table.rows {
        row.source = None;
    }
    sha256_of_compact(&serde_json::to_string(&table).unwrap())
}

/// The digest of a format 1 table by the same recipe.
fn format_1_digest(table: &Table) -> String {
    let mut table = table.clone();
    table.digest.clear();
    for row in &mut table.rows {
        row.source = None;
    }
    sha256_of_compact(&serde_json::to_string(&table).unwrap())
}

/// `sha256:` + hex of a body's compact JSON (in its own field order).
fn sha256_of_compact(json: &str) -> String {
    use sha2::{Digest, Sha256};
    let hash = Sha256::digest(json.as_bytes());
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// A table as `remit build` writes it: the same serializer, then a newline.
fn build_output(table: &Table) -> String {
    serde_json::to_string_pretty(table).unwrap() + "\n"
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
    let table = serde_json::to_value(
        &*analysis
            .lowered
            .format_1
            .clone()
            .expect("a version 1 policy"),
    )
    .unwrap();
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
            serde_json::Value::Null => {
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
    // Each malformed variant has one defect, and says which words the
    // refusal must mention (the rule and what is wrong in it).
    let rows = table["rows"].as_array().unwrap();
    let rule_of = |i: usize| rows[i]["rule"].as_str().unwrap().to_string();
    let first = |f: &dyn Fn(&Value) -> bool| rows.iter().position(f).unwrap();
    // A permit row with a money interval: the interval defects go there,
    // where limits are allowed and every action has the parameter.
    let capped = first(&|r| r["effect"] == "permit" && r["limits"]["param.amount"]["max"].is_i64());
    let escalating = first(&|r| r["effect"] == "escalate");
    let budgeted = first(&|r| r["budgets"].as_array().is_some_and(|b| !b.is_empty()));
    let rule0 = rule_of(0);
    let mutate = |f: &dyn Fn(&mut Value)| {
        let mut t = table.clone();
        f(&mut t);
        t
    };
    let mut malformed: Vec<(&str, Vec<String>, Value)> = Vec::new();
    let mut add = |name: &'static str, mentions: &[&str], t: Value| {
        malformed.push((name, mentions.iter().map(|m| m.to_string()).collect(), t));
    };
    add("not_an_object", &["object"], json!("remit.table/1"));
    add(
        "unknown_format",
        &["remit.table/3"],
        mutate(&|t| t["format"] = json!("remit.table/3")),
    );
    add(
        "missing_rows",
        &["rows"],
        mutate(&|t| {
            t.as_object_mut().unwrap().remove("rows");
        }),
    );
    add(
        "unknown_role_in_row",
        &[&rule0, "night_porter"],
        mutate(&|t| t["rows"][0]["roles"] = json!(["night_porter"])),
    );
    add(
        "unknown_action_in_row",
        &[&rule0, "teleport"],
        mutate(&|t| t["rows"][0]["actions"] = json!(["teleport"])),
    );
    add(
        "undeclared_input",
        &[&rule0, "customer.shoe_size"],
        mutate(&|t| t["rows"][0]["scope"]["customer.shoe_size"] = json!({"max": 9})),
    );
    add(
        "interval_on_enum",
        &[&rule0, "customer.tier", "enum"],
        mutate(&|t| t["rows"][0]["scope"]["customer.tier"] = json!({"max": 9})),
    );
    add(
        "interval_without_bounds",
        &[&rule_of(capped), "param.amount", "min", "max"],
        mutate(&|t| t["rows"][capped]["limits"]["param.amount"] = json!({})),
    );
    add(
        "min_above_max",
        &[&rule_of(capped), "param.amount", "10", "1"],
        mutate(&|t| t["rows"][capped]["limits"]["param.amount"] = json!({"min": 10, "max": 1})),
    );
    add(
        "unlisted_variant",
        &[&rule0, "context.incident", "fire"],
        mutate(&|t| t["rows"][0]["scope"]["context.incident"] = json!({"in": ["fire"]})),
    );
    add(
        "unknown_obligation",
        &[&rule0, "sign_in_blood"],
        mutate(&|t| t["rows"][0]["obligations"] = json!(["sign_in_blood"])),
    );
    add(
        "escalate_row_without_escalation",
        &[&rule_of(escalating), "escalation"],
        mutate(&|t| {
            for row in t["rows"].as_array_mut().unwrap() {
                if row["effect"] == "escalate" {
                    row["escalation"] = Value::Null;
                }
            }
        }),
    );
    add(
        "budget_on_unknown_counter",
        &[&rule_of(budgeted), "customer/refund/sum/P1D"],
        mutate(&|t| {
            for row in t["rows"].as_array_mut().unwrap() {
                if let Some(b) = row["budgets"].as_array_mut().and_then(|b| b.first_mut()) {
                    b["counter"] = json!("customer/refund/sum/P1D");
                }
            }
        }),
    );
    add(
        "unknown_effect",
        &[&rule0, "maybe"],
        mutate(&|t| t["rows"][0]["effect"] = json!("maybe")),
    );
    let dir = root().join("tests/conformance");
    let mut files: Vec<(PathBuf, String)> = vec![
        (
            dir.join("tables/hotel_front_desk.json"),
            build_output(
                &analysis
                    .lowered
                    .format_1
                    .clone()
                    .expect("a version 1 policy"),
            ),
        ),
        (
            dir.join("cases/hotel_front_desk.json"),
            serde_json::to_string_pretty(&suite).unwrap() + "\n",
        ),
    ];
    for (name, mentions, t) in malformed {
        let doc = json!({
            "description": format!("the hotel table, {}", name.replace('_', " ")),
            "mentions": mentions,
            "table": t,
        });
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
