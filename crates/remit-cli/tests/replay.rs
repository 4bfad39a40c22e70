//! `remit replay` on a decision log written here: each line's decision is
//! the old table's real decision of its request, so the log is what
//! `remit serve --log` would have written (the service's own test replays
//! a log the real service wrote).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use remit_table::Evaluator;
use serde_json::{json, Value};
use std::path::Path;
use std::process::{Command, Output};

/// Policy `shop`: clerks refund up to `max` minor units, at most `count`
/// a day per customer, else escalate to a manager; with `notes`, clerks
/// may also `note` (which no rule allowed before).
fn table(digest: &str, max: i64, count: i64, notes: bool) -> Value {
    let mut rows = vec![json!({
        "rule": "refunds", "effect": "permit", "roles": ["clerk"], "actions": ["refund"],
        "scope": {"customer.tier": {"in": ["gold", "standard"]}},
        "limits": {"param.amount": {"max": max}, "customer/refund/count/P1D": {"max": count - 1}},
        "budgets": [], "obligations": ["reason_code"], "notify": [],
        "escalation": {"to": "manager", "except_roles": ["manager"]}
    })];
    if notes {
        rows.push(json!({
            "rule": "notes", "effect": "permit", "roles": ["clerk"], "actions": ["note"],
            "scope": {}, "limits": {}, "budgets": [], "obligations": [], "notify": [],
            "escalation": null
        }));
    }
    json!({
        "format": "remit.table/1",
        "policy": {"name": "shop", "version": null},
        "digest": digest,
        "currency": {"code": "USD", "scale": 2},
        "default": {"effect": "deny"},
        "roles": {"clerk": [], "manager": []},
        "actions": {"refund": {"params": {"amount": "money"}}, "note": {"params": {}}},
        "inputs": {
            "param.amount": {"type": "money"},
            "customer.tier": {"type": "enum", "values": ["gold", "standard"]}
        },
        "counters": {
            "customer/refund/count/P1D": {"per": "customer", "actions": ["refund"], "measure": "count", "window_minutes": 1440}
        },
        "obligations": {"reason_code": "Record a reason code"},
        "rows": rows
    })
}

/// A decision line of request `(role, action, amount, count)` decided by
/// `old`, as the service logs it.
fn line(
    old: &Evaluator,
    id: &str,
    role: &str,
    action: &str,
    amount: Option<i64>,
    count: i64,
) -> Value {
    let params = amount.map_or(json!({}), |a| json!({"amount": a}));
    let request = json!({"role": role, "action": action, "params": params,
                         "customer": {"tier": "gold"}, "context": {}});
    let usage = json!({"customer/refund/count/P1D": count});
    let mut decided = request.clone();
    decided["usage"] = usage.clone();
    let decision = serde_json::to_value(old.decide(&decided)).unwrap();
    json!({"kind": "decision", "log": "remit.log/1", "id": id,
           "at": "2026-12-01T10:00:00.000Z", "client": "desk", "endpoint": "uses",
           "policy": "shop", "digest": "sha256:old", "customer_id": "c", "employee_id": "e",
           "request": request, "usage": usage, "decision": decision, "use_id": null})
}

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, t: &Value| {
            std::fs::write(dir.path().join(name), t.to_string()).unwrap();
        };
        write("old.json", &table("sha256:old", 5000, 3, false));
        write("tight.json", &table("sha256:tight", 3000, 3, false));
        write("wide.json", &table("sha256:wide", 3000, 3, true));
        Fixture { dir }
    }

    fn old(&self) -> Evaluator {
        Evaluator::from_json(std::fs::read(self.dir.path().join("old.json")).unwrap()).unwrap()
    }

    /// A log of clean decision lines.
    fn clean_log(&self) -> Vec<Value> {
        let old = self.old();
        vec![
            line(&old, "d-01", "clerk", "refund", Some(2000), 0),
            line(&old, "d-02", "clerk", "refund", Some(4000), 0),
            line(&old, "d-03", "clerk", "refund", Some(4500), 1),
            line(&old, "d-04", "clerk", "refund", Some(3500), 2),
            line(&old, "d-05", "clerk", "refund", Some(4999), 0),
            line(&old, "d-06", "clerk", "refund", Some(6000), 0),
            line(&old, "d-07", "clerk", "refund", Some(1000), 3),
            line(&old, "d-08", "manager", "refund", Some(4000), 0),
            line(&old, "d-09", "clerk", "note", None, 0),
            line(&old, "d-10", "clerk", "note", None, 0),
        ]
    }

    fn write_log(&self, name: &str, lines: &[String]) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        path.display().to_string()
    }

    fn replay(&self, log: &str, table: &str, extra: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_remit"))
            .args(["replay", log, "--table"])
            .arg(self.dir.path().join(table))
            .args(extra)
            .output()
            .unwrap()
    }
}

fn text(lines: &[Value]) -> Vec<String> {
    lines.iter().map(Value::to_string).collect()
}

#[test]
fn replay_groups_the_changed_decisions_like_diff() {
    let f = Fixture::new();
    let mut lines = text(&f.clean_log());
    // What else a real log holds: a commit, another policy, a redacted
    // attribute the new table reads, and a line cut short by a crash.
    lines.push(r#"{"kind":"commit","log":"remit.log/1","id":"c-1","at":"2026-12-01T10:00:01.000Z","client":"desk","policy":"shop","use_id":"u","customer_id":"c","employee_id":"e","action":"refund","amount":100}"#.into());
    let mut spa = f.clean_log()[0].clone();
    spa["policy"] = json!("spa");
    lines.push(spa.to_string());
    let mut redacted = f.clean_log()[0].clone();
    redacted["id"] = json!("d-11");
    redacted["request"]["customer"]["tier"] = json!("[redacted]");
    redacted["redacted"] = json!(["customer.tier"]);
    lines.push(redacted.to_string());
    lines.push(r#"{"kind":"decision","log":"remit.log/1","id":"d-"#.into());
    let log = f.write_log("d.log", &lines);

    let out = f.replay(&log, "wide.json", &[]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    insta::assert_snapshot!("replay_human", stdout);
}

#[test]
fn replay_counts_equal_deciding_each_line_with_the_evaluator() {
    let f = Fixture::new();
    let log = f.clean_log();
    let path = f.write_log("d.log", &text(&log));
    let out = f.replay(&path, "wide.json", &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    // Independently: decide each logged request and usage with the new
    // table, and compare the outcome, targets and obligations.
    let new = Evaluator::from_json(std::fs::read(f.dir.path().join("wide.json")).unwrap()).unwrap();
    let mut changed = std::collections::BTreeMap::<(String, String, String), usize>::new();
    for l in &log {
        let mut request = l["request"].clone();
        request["usage"] = l["usage"].clone();
        let after = serde_json::to_value(new.decide(&request)).unwrap();
        let same = ["decision", "escalate_to", "obligations", "notify"]
            .iter()
            .all(|k| after[k] == l["decision"][k]);
        if !same {
            let key = (
                l["request"]["action"].as_str().unwrap().to_string(),
                l["decision"]["decision"].as_str().unwrap().to_string(),
                after["decision"].as_str().unwrap().to_string(),
            );
            *changed.entry(key).or_default() += 1;
        }
    }
    let total: usize = changed.values().sum();
    assert_eq!(report["decisions"], log.len());
    assert_eq!(report["changed"], total);
    let mut grouped = std::collections::BTreeMap::<(String, String, String), usize>::new();
    for g in report["changes"].as_array().unwrap() {
        let key = (
            g["action"].as_str().unwrap().to_string(),
            g["old"]["decision"].as_str().unwrap().to_string(),
            g["new"]["decision"].as_str().unwrap().to_string(),
        );
        *grouped.entry(key).or_default() += g["count"].as_u64().unwrap() as usize;
    }
    assert_eq!(grouped, changed);
    assert_eq!(
        changed,
        [
            (("note".into(), "deny".into(), "permit".into()), 2),
            // 35.00 to 49.99 USD, above the new 30.00.
            (("refund".into(), "permit".into(), "escalate".into()), 4),
        ]
        .into()
    );
    assert_eq!(report["complete"], true);
}

#[test]
fn fail_on_widen_passes_a_narrowing_and_fails_a_widening() {
    let f = Fixture::new();
    let log = f.write_log("d.log", &text(&f.clean_log()));
    let code =
        |table: &str, fail_on: &str| f.replay(&log, table, &["--fail-on", fail_on]).status.code();
    assert_eq!(code("tight.json", "widen"), Some(0));
    assert_eq!(code("tight.json", "any"), Some(1));
    assert_eq!(code("wide.json", "widen"), Some(1));
    assert_eq!(code("old.json", "any"), Some(0));
    let same = f.replay(&log, "old.json", &[]);
    assert_eq!(
        String::from_utf8(same.stdout).unwrap(),
        "no decision changes: 10 decisions of policy `shop` replayed against sha256:old\n"
    );
}

#[test]
fn a_log_without_the_policy_is_an_error_with_a_fix() {
    let f = Fixture::new();
    let mut spa = f.clean_log()[0].clone();
    spa["policy"] = json!("spa");
    let log = f.write_log("d.log", &[spa.to_string()]);
    let out = f.replay(&log, "tight.json", &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("has no decisions of policy `shop`; it has decisions of `spa`"),
        "{err}"
    );
    assert!(err.contains("help: "), "{err}");
    let missing = f.replay(
        &Path::new("/nonexistent/d.log").display().to_string(),
        "tight.json",
        &[],
    );
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8(missing.stderr)
        .unwrap()
        .contains("cannot read the decision log `/nonexistent/d.log`"));
}
