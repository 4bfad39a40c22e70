//! The `remit` binary end to end: exit codes, output formats, atomic
//! builds, deterministic tables, and `eval` on bad input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

const POLICY: &str = r#"
policy shop version "1"
currency USD
enum Tier { basic, gold }
customer { tier: Tier }
role clerk
role manager extends clerk
action refund(amount: Money)
obligation receipt "Keep the receipt"

rule clerk_refunds {
  permit clerk to refund
  for customer.tier == gold
  limit amount <= 50 USD
  limit 3 per customer per 30 days
  require receipt
  otherwise escalate to manager
}

rule manager_refunds {
  permit manager to refund
  for any customer
  limit amount <= 500 USD
  limit total 1000 USD per customer per 90 days
}

test "gold refund" {
  role clerk
  action refund { amount: 20 USD }
  customer { tier: gold }
  expect permit requiring receipt
}

test "too much goes up" {
  role clerk
  action refund { amount: 80 USD }
  customer { tier: gold }
  expect escalate to manager
}
"#;

const BROKEN: &str = "currency USD\nrole clerk\naction refund(amount: Money)\nrule r {\n  permit clrk to refund\n  for any customer\n  limit amount <= 5 EUR\n}\n";

fn remit(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_remit"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn policy_dir(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("p")).unwrap();
    std::fs::write(dir.path().join("p/policy.remit"), text).unwrap();
    dir
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn check_exit_codes() {
    let good = policy_dir(POLICY);
    assert_eq!(remit(&["check", "p"], good.path()).status.code(), Some(0));
    let bad = policy_dir(BROKEN);
    let out = remit(&["check", "p", "--color", "never"], bad.path());
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("check_human", stdout(&out));
    assert_eq!(
        remit(&["check", "missing"], bad.path()).status.code(),
        Some(2)
    );
    std::fs::write(bad.path().join("p/latin1.remit"), b"role caf\xe9\n").unwrap();
    let out = remit(&["check", "p"], bad.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not valid UTF-8"));
}

#[test]
fn deny_warnings_turns_warnings_into_failures() {
    let text = POLICY.replace(
        "  for any customer\n  limit amount <= 500 USD",
        "  limit amount <= 500 USD",
    );
    let dir = policy_dir(&text);
    assert_eq!(remit(&["check", "p"], dir.path()).status.code(), Some(0));
    assert_eq!(
        remit(&["check", "p", "--deny", "warnings"], dir.path())
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        remit(
            &[
                "check",
                "p",
                "--deny",
                "warnings",
                "--allow",
                "unscoped_customers"
            ],
            dir.path()
        )
        .status
        .code(),
        Some(0)
    );
    assert_eq!(
        remit(&["check", "p", "--deny", "nonsense"], dir.path())
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn machine_formats() {
    let dir = policy_dir(BROKEN);
    let json: serde_json::Value =
        serde_json::from_slice(&remit(&["check", "p", "--format", "json"], dir.path()).stdout)
            .unwrap();
    assert_eq!(json.as_array().unwrap().len(), 2);
    assert_eq!(json[0]["code"], "E0101");
    assert_eq!(json[0]["range"]["start"]["line"], 5);
    let sarif: serde_json::Value =
        serde_json::from_slice(&remit(&["check", "p", "--format", "sarif"], dir.path()).stdout)
            .unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 2);
    let github = stdout(&remit(&["check", "p", "--format", "github"], dir.path()));
    insta::assert_snapshot!(
        "check_github",
        github.replace(&dir.path().display().to_string(), "<tmp>")
    );
}

#[test]
fn build_is_atomic_and_deterministic() {
    let dir = policy_dir(POLICY);
    assert_eq!(
        remit(&["build", "p", "-o", "a.json"], dir.path())
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        remit(&["build", "p/policy.remit", "-o", "b.json"], dir.path())
            .status
            .code(),
        Some(0)
    );
    let a = std::fs::read(dir.path().join("a.json")).unwrap();
    assert_eq!(a, std::fs::read(dir.path().join("b.json")).unwrap());
    // A failing build leaves the existing table untouched.
    std::fs::write(dir.path().join("p/policy.remit"), BROKEN).unwrap();
    assert_eq!(
        remit(&["build", "p", "-o", "a.json"], dir.path())
            .status
            .code(),
        Some(1)
    );
    assert_eq!(std::fs::read(dir.path().join("a.json")).unwrap(), a);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        3,
        "a temporary file was left behind: {leftovers:?}"
    );
}

#[test]
fn test_command_reports_like_cargo() {
    let dir = policy_dir(POLICY);
    let out = remit(&["test", "p"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    insta::assert_snapshot!("test_ok", stdout(&out));
    let failing = POLICY.replace("expect escalate to manager", "expect deny");
    let dir = policy_dir(&failing);
    let out = remit(&["test", "p"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("test_failed", stdout(&out));
}

#[test]
fn eval_decides_explains_and_fails_closed() {
    let dir = policy_dir(POLICY);
    remit(&["build", "p", "-o", "t.json"], dir.path());
    let request = r#"{"role":"clerk","action":"refund","params":{"amount":2000},"customer":{"tier":"gold"},"usage":{"customer/refund/count/P30D":0,"customer/refund/sum/P90D":0}}"#;
    std::fs::write(dir.path().join("r.json"), request).unwrap();
    let out = remit(
        &["eval", "--table", "t.json", "--request", "r.json"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0));
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["decision"], "permit");
    assert_eq!(d["obligations"], serde_json::json!(["receipt"]));
    let out = remit(
        &[
            "eval",
            "--table",
            "t.json",
            "--request",
            "r.json",
            "--explain",
        ],
        dir.path(),
    );
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["trace"][0]["outcome"], "matched");
    // Malformed requests: not JSON, and JSON with wrong types.
    std::fs::write(dir.path().join("bad.json"), "{ not json").unwrap();
    let out = remit(
        &["eval", "--table", "t.json", "--request", "bad.json"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["decision"], "deny");
    assert_eq!(d["errors"][0]["kind"], "malformed_request");
    std::fs::write(dir.path().join("bad2.json"), r#"{"role":"clerk","action":"refund","params":{"amount":"lots"},"customer":{"tier":"platinum"}}"#).unwrap();
    let out = remit(
        &["eval", "--table", "t.json", "--request", "bad2.json"],
        dir.path(),
    );
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["decision"], "deny");
    let kinds: Vec<&str> = d["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec!["unknown_variant", "missing_input", "wrong_type"]
    );
    // A table of an unknown format is refused with exit 2.
    std::fs::write(
        dir.path().join("future.json"),
        r#"{"format":"remit.table/9"}"#,
    )
    .unwrap();
    let out = remit(
        &["eval", "--table", "future.json", "--request", "r.json"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unsupported table format `remit.table/9`")
    );
}

#[test]
fn schema_is_json_schema() {
    let out = remit(&["schema"], Path::new("."));
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(schema["$schema"]
        .as_str()
        .unwrap()
        .contains("json-schema.org"));
    assert!(schema["properties"]["rows"].is_object());
}

#[test]
fn fmt_rewrites_checks_and_serves_stdin() {
    let messy = "role clerk\naction upgrade\nrule r {\npermit clerk to upgrade\n    limit 1 per customer per 30 days   // at most one\n  for any customer\n}\n";
    let dir = policy_dir(messy);
    let out = remit(&["fmt", "--check", "p"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(
        "fmt_check_diff",
        stdout(&out).replace(&dir.path().display().to_string(), "<tmp>")
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("p/policy.remit")).unwrap(),
        messy,
        "--check changed the file"
    );
    assert_eq!(remit(&["fmt", "p"], dir.path()).status.code(), Some(0));
    let formatted = std::fs::read_to_string(dir.path().join("p/policy.remit")).unwrap();
    assert!(formatted.contains("  permit clerk to upgrade\n  for any customer\n  limit 1 per customer per 30 days // at most one\n"), "{formatted}");
    assert_eq!(
        remit(&["fmt", "--check", "p"], dir.path()).status.code(),
        Some(0)
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_remit"))
        .args(["fmt", "--stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), messy.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), formatted);
    // A file that does not parse is reported and left alone.
    std::fs::write(dir.path().join("p/policy.remit"), "rule r { permit }\n").unwrap();
    let out = remit(&["fmt", "p"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("p/policy.remit")).unwrap(),
        "rule r { permit }\n"
    );
}

#[test]
fn diff_exit_codes_and_fail_on() {
    let dir = policy_dir(POLICY);
    std::fs::create_dir(dir.path().join("q")).unwrap();
    std::fs::write(dir.path().join("q/policy.remit"), POLICY).unwrap();
    assert_eq!(
        remit(&["diff", "p", "q"], dir.path()).status.code(),
        Some(0)
    );
    // Narrowing only: a forbid added (the manager inherits it).
    let narrowed = format!("{POLICY}\nrule no_basic_refunds {{\n  forbid clerk to refund\n  for customer.tier == basic\n}}\n");
    std::fs::write(dir.path().join("q/policy.remit"), narrowed).unwrap();
    let out = remit(&["diff", "p", "q"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("manager · refund\n  no longer permits amount up to 500.00 USD: now deny (no_basic_refunds)"), "{}", stdout(&out));
    assert_eq!(
        remit(&["diff", "p", "q", "--fail-on", "widen"], dir.path())
            .status
            .code(),
        Some(0)
    );
    // Widening, compared against a compiled table, as JSON.
    remit(&["build", "p", "-o", "old.json"], dir.path());
    std::fs::write(
        dir.path().join("q/policy.remit"),
        POLICY.replace("limit amount <= 50 USD", "limit amount <= 60 USD"),
    )
    .unwrap();
    let out = remit(
        &[
            "diff",
            "old.json",
            "q",
            "--fail-on",
            "widen",
            "--format",
            "json",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let changes: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(changes[0]["kind"], "widened");
    assert_eq!(changes[0]["old"]["decision"], "escalate");
    assert_eq!(changes[0]["new"]["decision"], "permit");
}

#[test]
fn doc_writes_markdown_and_html() {
    let dir = policy_dir(POLICY);
    assert_eq!(
        remit(&["doc", "p", "-o", "out"], dir.path()).status.code(),
        Some(0)
    );
    let md = std::fs::read_to_string(dir.path().join("out/index.md")).unwrap();
    assert!(
        md.contains(
            "| refund | **May**: clerk refunds | tier is gold | always | 50.00 USD \
             | at most 3 per customer per 30 days | Keep the receipt | goes to manager |"
        ),
        "{md}"
    );
    assert!(std::fs::read_to_string(dir.path().join("out/index.html"))
        .unwrap()
        .contains("<svg"));
}
