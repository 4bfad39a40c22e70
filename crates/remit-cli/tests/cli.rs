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
    // It is the schema of what `remit build` writes, and that validates.
    assert!(schema["title"].as_str().unwrap().contains("remit.table/2"));
    let dir = policy_dir(POLICY);
    remit(&["build", "p", "-o", "t.json"], dir.path());
    let table: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("t.json")).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&table)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
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
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["complete"], true);
    let changes = &report["changes"];
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

/// The repository root.
fn repo() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `remit` through `sh` with a umask (the test process cannot set
/// its own without `unsafe`).
#[cfg(unix)]
fn remit_with_umask(umask: &str, args: &[&str], dir: &Path) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("umask {umask}; exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_remit"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The files of a directory, sorted (to see that no temporary file stayed).
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

const MESSY: &str =
    "role clerk\naction upgrade\nrule r {\npermit clerk to upgrade\n  for any customer\n}\n";
const TIDY: &str =
    "role clerk\naction upgrade\nrule r {\n  permit clerk to upgrade\n  for any customer\n}\n";

#[cfg(unix)]
#[test]
fn written_files_get_the_umask_mode_and_replaced_files_keep_theirs() {
    let dir = policy_dir(POLICY);
    let d = dir.path();
    // New files: 0666 less the umask, like any file a shell creates.
    for (umask, file, want) in [
        ("022", "a.json", 0o644),
        ("027", "b.json", 0o640),
        ("077", "c.json", 0o600),
    ] {
        let out = remit_with_umask(umask, &["build", "p", "-o", file], d);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        assert_eq!(mode(&d.join(file)), want, "umask {umask}");
    }
    let out = remit_with_umask("022", &["doc", "p", "-o", "out"], d);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(mode(&d.join("out/index.md")), 0o644);
    assert_eq!(mode(&d.join("out/index.html")), 0o644);
    // Replaced files keep their mode, whatever the umask.
    set_mode(&d.join("a.json"), 0o604);
    let out = remit_with_umask("077", &["build", "p", "-o", "a.json"], d);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(mode(&d.join("a.json")), 0o604);
    set_mode(&d.join("out/index.html"), 0o664);
    remit_with_umask("077", &["doc", "p", "-o", "out"], d);
    assert_eq!(mode(&d.join("out/index.html")), 0o664);
    std::fs::write(d.join("p/policy.remit"), MESSY).unwrap();
    set_mode(&d.join("p/policy.remit"), 0o664);
    let out = remit_with_umask("077", &["fmt", "p"], d);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        std::fs::read_to_string(d.join("p/policy.remit")).unwrap(),
        TIDY
    );
    assert_eq!(mode(&d.join("p/policy.remit")), 0o664);
    assert_eq!(names(&d.join("p")), vec!["policy.remit"]);
}

#[cfg(unix)]
#[test]
fn writes_follow_symbolic_links_and_refuse_hard_links() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("real")).unwrap();
    std::fs::create_dir_all(d.join("p")).unwrap();
    std::fs::write(d.join("real/policy.remit"), MESSY).unwrap();
    std::os::unix::fs::symlink("../real/policy.remit", d.join("p/policy.remit")).unwrap();
    // `fmt LINK` formats the file the link points at; the link stays.
    let out = remit(&["fmt", "p/policy.remit"], d);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(std::fs::symlink_metadata(d.join("p/policy.remit"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        std::fs::read_to_string(d.join("real/policy.remit")).unwrap(),
        TIDY
    );
    assert_eq!(names(&d.join("real")), vec!["policy.remit"]);
    assert_eq!(names(&d.join("p")), vec!["policy.remit"]);
    // So does a directory holding the link.
    std::fs::write(d.join("real/policy.remit"), MESSY).unwrap();
    assert_eq!(remit(&["fmt", "p"], d).status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(d.join("real/policy.remit")).unwrap(),
        TIDY
    );
    // `build -o LINK`, through a chain of two links, one of them dangling.
    std::fs::create_dir_all(d.join("deploy")).unwrap();
    std::os::unix::fs::symlink("deploy/current.json", d.join("table.json")).unwrap();
    std::os::unix::fs::symlink("v1.json", d.join("deploy/current.json")).unwrap();
    let out = remit(&["build", "p", "-o", "table.json"], d);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let table = std::fs::read_to_string(d.join("deploy/v1.json")).unwrap();
    assert!(table.contains("\"format\""), "{table}");
    assert!(std::fs::symlink_metadata(d.join("table.json"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(names(&d.join("deploy")), vec!["current.json", "v1.json"]);
    // A link loop is an error, not a hang.
    std::os::unix::fs::symlink("loop.json", d.join("loop.json")).unwrap();
    let out = remit(&["build", "p", "-o", "loop.json"], d);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("symbolic links"));
    // A file with two hard links is refused, and neither name changes.
    std::fs::create_dir_all(d.join("q")).unwrap();
    std::fs::write(d.join("real/other.remit"), MESSY).unwrap();
    std::fs::hard_link(d.join("real/other.remit"), d.join("q/policy.remit")).unwrap();
    let out = remit(&["fmt", "q"], d);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot write `q/policy.remit`: it has 2 hard links"),
        "{stderr}"
    );
    assert!(stderr.contains("help: "), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(d.join("q/policy.remit")).unwrap(),
        MESSY
    );
    assert_eq!(
        std::fs::read_to_string(d.join("real/other.remit")).unwrap(),
        MESSY
    );
    std::fs::hard_link(d.join("deploy/v1.json"), d.join("v1-backup.json")).unwrap();
    let out = remit(&["build", "p", "-o", "table.json"], d);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("2 hard links"));
}

/// Starts `remit ARGS` with a standard output (and with `stderr_too`,
/// standard error) whose reader has already gone: the pipe is closed
/// before `remit` starts. Its exit code goes to the file `code{i}`, what
/// it wrote to standard error to `err{i}`.
#[cfg(unix)]
fn spawn_into_closed_pipe(
    args: &[&str],
    dir: &Path,
    i: usize,
    stderr_too: bool,
) -> std::process::Child {
    // The reader closes its end, then says so; only then does `remit` start.
    let wait = r#"while [ ! -e "gone$RUN" ]; do sleep 0.02; done"#;
    let reader = r#"{ exec 0<&-; : >"gone$RUN"; }"#;
    let script = if stderr_too {
        format!(r#"{{ {wait}; "$0" "$@" 2>&1; echo $? >"code$RUN"; }} | {reader}; : >"err$RUN""#)
    } else {
        format!(r#"{{ {wait}; "$0" "$@" 2>"err$RUN"; echo $? >"code$RUN"; }} | {reader}"#)
    };
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_remit"))
        .args(args)
        .env("RUN", i.to_string())
        .current_dir(dir)
        .spawn()
        .unwrap()
}

#[cfg(unix)]
#[test]
fn every_command_ends_quietly_on_a_closed_pipe() {
    let dir = policy_dir(POLICY);
    let d = dir.path();
    assert_eq!(
        remit(&["build", "p", "-o", "t.json"], d).status.code(),
        Some(0)
    );
    std::fs::write(
        d.join("r.json"),
        r#"{"role":"clerk","action":"refund","params":{"amount":2000},"customer":{"tier":"gold"},"usage":{"customer/refund/count/P30D":0,"customer/refund/sum/P90D":0}}"#,
    )
    .unwrap();
    std::fs::create_dir(d.join("q")).unwrap();
    std::fs::write(
        d.join("q/policy.remit"),
        POLICY.replace("limit amount <= 50 USD", "limit amount <= 60 USD"),
    )
    .unwrap();
    std::fs::create_dir(d.join("broken")).unwrap();
    std::fs::write(d.join("broken/policy.remit"), BROKEN).unwrap();
    std::fs::create_dir(d.join("messy")).unwrap();
    std::fs::write(d.join("messy/policy.remit"), MESSY).unwrap();
    let commands: Vec<(Vec<&str>, bool)> = vec![
        (vec!["schema"], false),
        (vec!["--help"], false),
        (vec!["check", "broken", "--color", "never"], false),
        (vec!["check", "broken"], true),
        (vec!["check", "broken", "--format", "json"], false),
        (vec!["check", "broken", "--format", "sarif"], false),
        (vec!["check", "broken", "--format", "github"], false),
        (vec!["build", "p"], false),
        (vec!["build", "broken"], true),
        (vec!["test", "p"], false),
        (
            vec!["eval", "--table", "t.json", "--request", "r.json"],
            false,
        ),
        (vec!["diff", "p", "q"], false),
        (vec!["diff", "p", "q", "--format", "json"], false),
        (vec!["fmt", "--check", "messy"], false),
        (vec!["check", "missing"], true),
    ];
    // Started together: each waits for its pipe to close first.
    let runs: Vec<_> = commands
        .iter()
        .enumerate()
        .map(|(i, (args, stderr_too))| (i, args, spawn_into_closed_pipe(args, d, i, *stderr_too)))
        .collect();
    for (i, args, mut child) in runs {
        assert!(child.wait().unwrap().success());
        let code = std::fs::read_to_string(d.join(format!("code{i}"))).unwrap();
        let err = std::fs::read_to_string(d.join(format!("err{i}"))).unwrap();
        assert_eq!(
            (code.trim(), err.as_str()),
            ("0", ""),
            "`remit {}` into a closed pipe",
            args.join(" ")
        );
    }
}

#[test]
fn policy_sources_may_start_with_a_byte_order_mark() {
    // Checked and compiled as without the mark, and positions count from
    // after it.
    let dir = policy_dir(&format!("\u{feff}{POLICY}"));
    let plain = policy_dir(POLICY);
    let out = remit(&["test", "p"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(
        remit(&["build", "p"], dir.path()).stdout,
        remit(&["build", "p"], plain.path()).stdout
    );
    std::fs::write(
        dir.path().join("p/policy.remit"),
        "\u{feff}role clerk extends boss\n",
    )
    .unwrap();
    let out = remit(&["check", "p", "--format", "json"], dir.path());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json[0]["code"], "E0101", "{json}");
    assert_eq!(json[0]["range"]["start"]["line"], 1);
    assert_eq!(json[0]["range"]["start"]["column"], 20);
    let human = stdout(&remit(&["check", "p", "--color", "never"], dir.path()));
    assert!(human.contains("p/policy.remit:1:20"), "{human}");
    // `fmt` keeps the mark and adds none.
    std::fs::write(
        dir.path().join("p/policy.remit"),
        format!("\u{feff}{MESSY}"),
    )
    .unwrap();
    assert_eq!(remit(&["fmt", "p"], dir.path()).status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("p/policy.remit")).unwrap(),
        format!("\u{feff}{TIDY}")
    );
    assert_eq!(
        remit(&["fmt", "--check", "p"], dir.path()).status.code(),
        Some(0)
    );
    std::fs::write(dir.path().join("p/policy.remit"), MESSY).unwrap();
    remit(&["fmt", "p"], dir.path());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("p/policy.remit")).unwrap(),
        TIDY
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_remit"))
        .args(["fmt", "--stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(
        child.stdin.as_mut().unwrap(),
        format!("\u{feff}{MESSY}").as_bytes(),
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(stdout(&out), format!("\u{feff}{TIDY}"));
}

#[test]
fn sarif_uris_are_percent_encoded_and_the_log_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("p")).unwrap();
    std::fs::write(dir.path().join("p/a b#c?.remit"), BROKEN).unwrap();
    let out = remit(&["check", "p", "--format", "sarif"], dir.path());
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let location = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "p/a%20b%23c%3F.remit");
    assert_valid_sarif(&log);
}

/// Validates a SARIF log against the OASIS schema.
fn assert_valid_sarif(log: &serde_json::Value) {
    let mut schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sarif-2.1.0-rtm.5.json"),
        )
        .unwrap(),
    )
    .unwrap();
    // The published schema's pattern for `language` (of a run and of a
    // tool component) has a stray `]`, which is no valid regex; remit sets
    // no `language`.
    for def in ["run", "toolComponent"] {
        schema["definitions"][def]["properties"]["language"]
            .as_object_mut()
            .unwrap()
            .remove("pattern");
    }
    let validator = jsonschema::validator_for(&schema).unwrap();
    let problems: Vec<String> = validator.iter_errors(log).map(|e| e.to_string()).collect();
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Warnings with fixes: a rule without `for` (two-space indent) and one
/// without a cap or a count (four-space indent), beside rules with both.
const LINTED: &str = "currency USD\ncustomer { vip: Bool }\nrole clerk\naction refund(amount: Money)\n\
rule capped {\n  permit clerk to refund\n  for any customer\n  limit amount <= 20 USD\n  limit 1 per customer per 1 day\n}\n\
rule unscoped {\n  permit clerk to refund\n  limit amount <= 30 USD\n  limit 1 per customer per 1 day\n}\n\
rule open {\n    permit clerk to refund\n    for customer.vip\n}\n";

/// The code, title and edits of every fix in a `--format json` report.
fn json_fixes(report: &serde_json::Value) -> String {
    let mut out = String::new();
    for d in report.as_array().unwrap() {
        out.push_str(&format!(
            "{} at {}:{}\n",
            d["code"], d["range"]["start"]["line"], d["range"]["start"]["column"]
        ));
        for f in d["fixes"].as_array().unwrap() {
            out.push_str(&format!(
                "  fix {} (preferred: {})\n",
                f["title"], f["preferred"]
            ));
            for e in f["edits"].as_array().unwrap() {
                out.push_str(&format!(
                    "    {} {}:{}-{}:{} bytes {}..{} -> {}\n",
                    e["file"],
                    e["range"]["start"]["line"],
                    e["range"]["start"]["column"],
                    e["range"]["end"]["line"],
                    e["range"]["end"]["column"],
                    e["range"]["byte_start"],
                    e["range"]["byte_end"],
                    e["new_text"]
                ));
            }
        }
    }
    out
}

/// `remit check --format json` and `--format sarif` carry every fix the
/// editor offers, typed: the lint fixes computed by the analysis (a cap,
/// a count limit, `for any customer`, `@allow`) and the front end's "did
/// you mean".
#[test]
fn json_and_sarif_carry_the_fixes() {
    for (name, text) in [
        ("check_fixes_lints", LINTED),
        ("check_fixes_errors", BROKEN),
    ] {
        let dir = policy_dir(text);
        let out = remit(&["check", "p", "--format", "json"], dir.path());
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        insta::assert_snapshot!(format!("{name}_json"), json_fixes(&report));
        let out = remit(&["check", "p", "--format", "sarif"], dir.path());
        let log: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_valid_sarif(&log);
        let fixes: Vec<&serde_json::Value> = log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| &r["fixes"])
            .collect();
        insta::assert_json_snapshot!(format!("{name}_sarif"), fixes);
    }
}

/// A policy whose only error is a finding of the analysis: `auditor` has
/// no rules, so escalating to it is a dead end (an error).
fn dead_end_policy() -> String {
    POLICY
        .replace(
            "role manager extends clerk",
            "role manager extends clerk\nrole auditor",
        )
        .replace(
            "otherwise escalate to manager",
            "otherwise escalate to auditor",
        )
        .replace("expect escalate to manager", "expect escalate to auditor")
}

#[test]
fn test_runs_tests_despite_analysis_errors_and_says_what_stops_them() {
    // Analysis errors: the tests run, the errors are listed, exit 1.
    let dir = policy_dir(&dead_end_policy());
    assert_eq!(remit(&["check", "p"], dir.path()).status.code(), Some(1));
    let out = remit(&["test", "p", "--format", "json"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let report = &text[text.find("running").expect("the tests ran")..];
    insta::assert_snapshot!("test_analysis_errors", report);
    // `--deny warnings` makes warnings analysis errors too.
    let warned = policy_dir(&POLICY.replace(
        "  for any customer\n  limit amount <= 500 USD",
        "  limit amount <= 500 USD",
    ));
    let out = remit(
        &["test", "p", "--deny", "warnings", "--format", "json"],
        warned.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("test result: ok. 2 passed; 0 failed"),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("  unscoped_customers at p/policy.remit:"),
        "{}",
        stdout(&out)
    );
    // Compile errors: the tests do not run, and each error is named.
    let broken = policy_dir(
        &POLICY
            .replace("permit clerk to refund", "permit clrk to refund")
            .replace("limit amount <= 500 USD", "limit amount <= 500 EUR"),
    );
    let out = remit(&["test", "p", "--format", "json"], broken.path());
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let report = &text[text.find("error:").expect("an error line")..];
    insta::assert_snapshot!("test_compile_errors", report);
    assert!(!text.contains("running"), "{text}");
}

/// Copies a directory tree.
#[cfg(unix)]
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The README's fenced blocks of a kind (`sh`, `json`) under a heading.
#[cfg(unix)]
fn readme_blocks(readme: &str, heading: &str, kind: &str) -> Vec<String> {
    let section = &readme[readme
        .find(heading)
        .unwrap_or_else(|| panic!("README has no `{heading}`"))..];
    let section = section[heading.len()..]
        .find("\n## ")
        .map_or(section, |end| &section[..heading.len() + end]);
    let fence = format!("```{kind}\n");
    let mut blocks = Vec::new();
    let mut rest = section;
    while let Some(start) = rest.find(&fence) {
        let body = &rest[start + fence.len()..];
        let end = body.find("```").expect("an unclosed block");
        blocks.push(body[..end].to_string());
        rest = &body[end..];
        rest = &rest[3..];
    }
    blocks
}

/// One LSP message, framed.
#[cfg(unix)]
fn lsp_message(body: serde_json::Value) -> String {
    let body = body.to_string();
    format!("Content-Length: {}\r\n\r\n{body}", body.len())
}

/// Reads LSP messages until the response to request `id`.
#[cfg(unix)]
fn read_lsp_response(reader: &mut impl std::io::BufRead, id: i64) -> serde_json::Value {
    loop {
        let mut length = 0;
        loop {
            let mut header = String::new();
            assert_ne!(
                reader.read_line(&mut header).unwrap(),
                0,
                "the server hung up"
            );
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some(n) = header.strip_prefix("Content-Length: ") {
                length = n.parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        std::io::Read::read_exact(reader, &mut body).unwrap();
        let message: serde_json::Value = serde_json::from_slice(&body).unwrap();
        if message["id"] == id {
            return message;
        }
    }
}

#[cfg(unix)]
#[test]
fn the_readme_tour_runs_as_written() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let tour = readme_blocks(&readme, "## A tour", "sh");
    let lines: Vec<&str> = tour[0]
        .lines()
        .map(|l| l.split(" #").next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .collect();
    assert!(lines.len() >= 10, "{lines:?}");
    let work = tempfile::tempdir().unwrap();
    copy_tree(&repo().join("examples"), &work.path().join("examples"));
    let bin = Path::new(env!("CARGO_BIN_EXE_remit")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for line in &lines {
        assert!(
            line.starts_with("remit "),
            "a tour line that is not `remit`: {line}"
        );
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(line)
            .env("PATH", &path)
            .current_dir(work.path());
        let out = if *line == "remit lsp" {
            // An editor's first and last words, each request answered
            // before the next is sent.
            command
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            let mut child = command.spawn().unwrap();
            let mut stdin = child.stdin.take().unwrap();
            let mut reader = std::io::BufReader::new(child.stdout.take().unwrap());
            let mut send = |body: serde_json::Value| {
                std::io::Write::write_all(&mut stdin, lsp_message(body).as_bytes()).unwrap();
            };
            send(
                serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}),
            );
            let initialized = read_lsp_response(&mut reader, 1);
            assert!(
                initialized["result"]["capabilities"].is_object(),
                "{initialized}"
            );
            send(serde_json::json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
            send(serde_json::json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}));
            let shut = read_lsp_response(&mut reader, 2);
            assert!(shut["error"].is_null(), "{shut}");
            send(serde_json::json!({"jsonrpc": "2.0", "method": "exit"}));
            drop(stdin);
            child.wait_with_output().unwrap()
        } else {
            command.output().unwrap()
        };
        assert_eq!(
            out.status.code(),
            Some(0),
            "`{line}`\nstdout: {}\nstderr: {}",
            stdout(&out),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(work.path().join("hotel.json").is_file());
    assert!(work.path().join("out/index.html").is_file());
    // The request and the answer shown under "Requests" are the real ones.
    let json = readme_blocks(&readme, "### Requests for `remit eval`", "json");
    let shown: serde_json::Value = serde_json::from_str(&json[0]).unwrap();
    let file: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("examples/requests/hotel_front_desk.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(shown, file);
    let answer: serde_json::Value = serde_json::from_str(&json[1]).unwrap();
    let out = remit(
        &[
            "eval",
            "--table",
            "hotel.json",
            "--request",
            "examples/requests/hotel_front_desk.json",
        ],
        work.path(),
    );
    let decided: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(decided, answer);
    // And so is the headroom shown after it.
    let shown: serde_json::Value = serde_json::from_str(&json[2]).unwrap();
    let out = remit(
        &[
            "eval",
            "--table",
            "hotel.json",
            "--request",
            "examples/requests/hotel_front_desk.json",
            "--headroom",
            "amount",
        ],
        work.path(),
    );
    let headroom: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(headroom, shown);
}

#[test]
fn the_readme_says_how_long_the_test_suite_takes() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let flat = readme.split_whitespace().collect::<Vec<_>>().join(" ");
    let sentence = flat
        .split(". ")
        .find(|s| s.contains("`cargo test --workspace` takes about"))
        .expect("the README says how long `cargo test --workspace` takes");
    assert!(
        sentence.contains("two-core") && sentence.contains("minutes"),
        "{sentence}"
    );
}

#[test]
fn every_example_has_a_request_that_it_decides_cleanly() {
    let work = tempfile::tempdir().unwrap();
    let mut examples: Vec<String> = std::fs::read_dir(repo().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n != "requests"))
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    examples.sort();
    let mut requests: Vec<String> = names(&repo().join("examples/requests"))
        .into_iter()
        .filter_map(|n| n.strip_suffix(".json").map(str::to_string))
        .collect();
    requests.sort();
    assert_eq!(
        examples, requests,
        "one request per example, named after it"
    );
    let mut decisions = serde_json::Map::new();
    for name in &examples {
        let table = work.path().join(format!("{name}.json"));
        let example = repo().join("examples").join(name);
        let out = remit(
            &[
                "build",
                example.to_str().unwrap(),
                "-o",
                table.to_str().unwrap(),
            ],
            work.path(),
        );
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let request = repo().join(format!("examples/requests/{name}.json"));
        let out = remit(
            &[
                "eval",
                "--table",
                table.to_str().unwrap(),
                "--request",
                request.to_str().unwrap(),
            ],
            work.path(),
        );
        assert_eq!(out.status.code(), Some(0), "{name}: {}", stdout(&out));
        let decision: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(decision["errors"], serde_json::json!([]), "{name}");
        decisions.insert(name.clone(), decision);
    }
    insta::assert_json_snapshot!("example_requests", decisions);
}

/// `remit eval` on a built table, with the request given as bytes.
fn eval_bytes(dir: &Path, table: &str, request: &[u8], explain: bool) -> Output {
    std::fs::write(dir.join("req.json"), request).unwrap();
    let mut args = vec!["eval", "--table", table, "--request", "req.json"];
    if explain {
        args.push("--explain");
    }
    remit(&args, dir)
}

/// `remit eval --request -`, the request piped to standard input.
fn eval_stdin(dir: &Path, table: &str, request: &[u8]) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_remit"))
        .args(["eval", "--table", table, "--request", "-"])
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(request).unwrap();
    child.wait_with_output().unwrap()
}

const REQUEST: &str = r#"{"role":"clerk","action":"refund","params":{"amount":2000},"customer":{"tier":"gold"},"usage":{"customer/refund/count/P30D":0,"customer/refund/sum/P90D":0}}"#;

#[test]
fn eval_denies_a_request_that_is_not_utf8_like_any_unreadable_request() {
    let dir = policy_dir(POLICY);
    remit(&["build", "p", "-o", "t.json"], dir.path());
    // `g\xe9ld`: Latin-1, where UTF-8 expects a continuation byte.
    let at = REQUEST.find("gold").unwrap();
    let latin1 = [
        &REQUEST.as_bytes()[..at],
        b"g\xe9ld",
        &REQUEST.as_bytes()[at + 4..],
    ]
    .concat();
    for out in [
        eval_bytes(dir.path(), "t.json", &latin1, false),
        eval_stdin(dir.path(), "t.json", &latin1),
    ] {
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        insta::assert_snapshot!("eval_not_utf8", stdout(&out));
    }
    let out = eval_bytes(dir.path(), "t.json", &latin1, true);
    assert_eq!(out.status.code(), Some(1));
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["errors"][0]["kind"], "malformed_request");
    assert_eq!(d["trace"], serde_json::json!([]));
}

#[test]
fn eval_says_what_is_wrong_with_a_request_that_is_not_json() {
    let dir = policy_dir(POLICY);
    remit(&["build", "p", "-o", "t.json"], dir.path());
    let out = eval_bytes(
        dir.path(),
        "t.json",
        b"{\"role\": \"clerk\",\n  \"action\" \"refund\"}",
        false,
    );
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("eval_not_json", stdout(&out));
    assert!(!stdout(&out).contains("not invalid"));
}

#[test]
fn eval_refuses_a_request_with_a_duplicate_key() {
    let dir = policy_dir(POLICY);
    remit(&["build", "p", "-o", "t.json"], dir.path());
    // Last-wins would permit, first-wins would deny: refuse both readings.
    let twice = REQUEST.replace(r#""tier":"gold""#, r#""tier":"basic","tier":"gold""#);
    let out = eval_bytes(dir.path(), "t.json", twice.as_bytes(), false);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("eval_duplicate_key", stdout(&out));
    // A table with a duplicate key does not load.
    let table = std::fs::read_to_string(dir.path().join("t.json")).unwrap();
    let broken = table.replacen(
        "\"format\": \"remit.table/2\",",
        "\"format\": \"remit.table/2\",\n  \"format\": \"remit.table/2\",",
        1,
    );
    assert_ne!(broken, table);
    std::fs::write(dir.path().join("twice.json"), broken).unwrap();
    let out = eval_bytes(dir.path(), "twice.json", REQUEST.as_bytes(), false);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(
            "cannot load table `twice.json`: the table gives the key `format` twice in one object (the second at line 3, column 3)"
        ),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn eval_skips_a_byte_order_mark_on_the_table_and_the_request() {
    let dir = policy_dir(POLICY);
    remit(&["build", "p", "-o", "t.json"], dir.path());
    let table = std::fs::read(dir.path().join("t.json")).unwrap();
    std::fs::write(
        dir.path().join("bom.json"),
        [b"\xEF\xBB\xBF".as_slice(), &table].concat(),
    )
    .unwrap();
    let request = [b"\xEF\xBB\xBF".as_slice(), REQUEST.as_bytes()].concat();
    for out in [
        eval_bytes(dir.path(), "bom.json", &request, false),
        eval_stdin(dir.path(), "bom.json", &request),
    ] {
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(d["decision"], "permit");
    }
}

#[test]
fn eval_reads_number_forms_as_every_evaluator_does() {
    let dir = policy_dir(POLICY);
    remit(&["build", "p", "-o", "t.json"], dir.path());
    let decide = |request: String| {
        let out = eval_bytes(dir.path(), "t.json", request.as_bytes(), false);
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    // `-0` is the integer 0; `1e400` where nobody reads it is ignored.
    let d = decide(
        REQUEST
            .replace(":2000", ":-0")
            .replace(r#""tier":"gold""#, r#""tier":"gold","score":1e400"#),
    );
    assert_eq!(d["decision"], "permit", "{d}");
    // A negative amount is not a quantity.
    let d = decide(REQUEST.replace(":2000", ":-2000"));
    assert_eq!(d["errors"][0]["kind"], "wrong_type");
    assert_eq!(d["errors"][0]["input"], "param.amount");
}

/// Issue 14: a directory that cannot be read is an error naming it, never
/// an empty policy (root reads it anyway: then the test says so).
#[cfg(unix)]
#[test]
fn an_unreadable_directory_is_an_error_naming_it() {
    use std::os::unix::fs::PermissionsExt;
    let dir = policy_dir(POLICY);
    let p = dir.path().join("p");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o300)).unwrap();
    if std::fs::read_dir(&p).is_ok() {
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o700)).unwrap();
        eprintln!("skipped: this user reads directories without read permission (root)");
        return;
    }
    for command in ["check", "test", "build"] {
        let out = remit(&[command, "p"], dir.path());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{command}: {stderr}");
        assert!(
            stderr.contains("p: Permission denied"),
            "{command}: {stderr}"
        );
    }
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o700)).unwrap();
}

#[test]
fn eval_headroom_lists_what_may_still_be_given_and_what_happens_above() {
    let dir = policy_dir(POLICY);
    remit(&["build", "p", "-o", "t.json"], dir.path());
    // A clerk with a gold customer: up to 50 USD, then the manager.
    std::fs::write(dir.path().join("r.json"), REQUEST).unwrap();
    let out = remit(
        &[
            "eval",
            "--table",
            "t.json",
            "--request",
            "r.json",
            "--headroom",
            "amount",
        ],
        dir.path(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let h: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(h["param"], "param.amount");
    assert_eq!(h["permitted"], serde_json::json!([[0, 5000]]));
    assert_eq!(h["above"]["decision"], "escalate");
    assert_eq!(h["above"]["escalate_to"], serde_json::json!(["manager"]));
    // The manager, with 900 USD already refunded in 90 days: the budget
    // leaves 100 USD, and above it nothing is permitted.
    let manager = r#"{"role":"manager","action":"refund","params":{},"customer":{"tier":"basic"},"usage":{"customer/refund/count/P30D":0,"customer/refund/sum/P90D":90000}}"#;
    std::fs::write(dir.path().join("m.json"), manager).unwrap();
    let out = remit(
        &[
            "eval",
            "--table",
            "t.json",
            "--request",
            "m.json",
            "--headroom",
            "amount",
        ],
        dir.path(),
    );
    let h: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(h["permitted"], serde_json::json!([[0, 10000]]), "{h}");
    assert_eq!(h["above"]["decision"], "deny");
    // A parameter the action does not have is an error, and exit 1.
    let out = remit(
        &[
            "eval",
            "--table",
            "t.json",
            "--request",
            "r.json",
            "--headroom",
            "nights",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let h: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(h["errors"][0]["kind"], "malformed_request");
    assert!(
        h["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("`amount`"),
        "{h}"
    );
    // `--headroom` and `--explain` do not go together.
    let out = remit(
        &[
            "eval",
            "--table",
            "t.json",
            "--request",
            "r.json",
            "--headroom",
            "amount",
            "--explain",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
}
