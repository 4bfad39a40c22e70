//! `remit report` on a week of the hotel example's decisions: the log is
//! written with the service's own line types (`remit_serve::decision_log`),
//! each decision the real evaluator's decision of its request, and the
//! report's figures are checked against figures counted here from the
//! same lines.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use remit_serve::decision_log::line::{
    DecidedBy, DecisionLine, LogLine, LoggedDecision, LoggedRequest, OutcomeLine, UseLine, FORMAT,
};
use remit_table::{Evaluator, Outcome};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The hotel example with one outcome, aimed at by two rules.
fn policy(dir: &Path) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/hotel_front_desk");
    let out = dir.join("hotel_front_desk");
    std::fs::create_dir_all(&out).unwrap();
    for f in ["schema.remit", "rules.remit"] {
        let mut text = std::fs::read_to_string(src.join(f)).unwrap();
        if f == "schema.remit" {
            text.push_str("\noutcome returned \"the guest stays with us again within a year\"\n");
        } else {
            for rule in ["rule room_recovery {", "rule manager_recovery {"] {
                let at = text.find(rule).unwrap();
                let end = at + text[at..].find("\n}").unwrap();
                text.insert_str(end, "\n  aims returned");
            }
        }
        std::fs::write(out.join(f), text).unwrap();
    }
    out
}

/// A small deterministic generator (a linear congruential one).
struct Rng(u64);

impl Rng {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.next(xs.len() as u64) as usize]
    }
}

fn at(minutes: u64) -> String {
    let t = jiff::Timestamp::from_second(1_796_083_200 + 60 * minutes as i64).unwrap(); // 2026-12-01
    t.strftime("%Y-%m-%dT%H:%M:%S.000Z").to_string()
}

/// A week of decisions, commits, releases and outcomes, as the service
/// writes them.
fn week(table: &Evaluator) -> Vec<LogLine> {
    let counters: Vec<String> = table.document().counters.keys().cloned().collect();
    let mut rng = Rng(19);
    let mut lines = Vec::new();
    for i in 0..240u64 {
        let minute = i * 42; // 240 decisions over 7 days
        let role = rng.pick(&[
            "front_desk",
            "front_desk",
            "duty_manager",
            "general_manager",
        ]);
        let action = rng.pick(&["refund", "refund", "comp_meal", "upgrade_room", "waive_fee"]);
        let mut params = Map::new();
        if action == "refund" || action == "comp_meal" {
            let amount = [1500, 3000, 8000, 12000, 45000, 70000][rng.next(6) as usize];
            params.insert("amount".into(), json!(amount));
        }
        let customer = json!({
            "tier": rng.pick(&["standard", "silver", "gold", "platinum"]),
            "tenure_days": rng.next(2000),
            "nights_this_year": rng.next(20),
            "flagged_for_abuse": rng.next(12) == 0,
            "products": [],
        });
        let context = json!({
            "incident": rng.pick(&["noise", "dirty_room", "late_checkin", "billing_error", "lost_item"]),
            "channel": rng.pick(&["in_person", "phone", "chat"]),
            "wait": rng.next(60),
            "bill_total": 20000,
        });
        let usage: BTreeMap<String, i64> = counters
            .iter()
            .map(|c| {
                let v = if c.contains("/sum/") {
                    [0, 0, 5000, 90000][rng.next(4) as usize]
                } else {
                    [0, 0, 0, 1, 2][rng.next(5) as usize]
                };
                (c.clone(), v)
            })
            .collect();
        let request = LoggedRequest {
            role: role.into(),
            action: action.into(),
            params,
            customer: customer.as_object().unwrap().clone(),
            context: context.as_object().unwrap().clone(),
        };
        let decided = table.decide(&request.with_usage(&usage));
        let decision: LoggedDecision =
            serde_json::from_value(serde_json::to_value(&decided).unwrap()).unwrap();
        let use_id = (decided.decision == Outcome::Permit).then(|| format!("u-{i:03}"));
        let amount = request
            .params
            .get("amount")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        lines.push(LogLine::Decision(Box::new(DecisionLine {
            log: FORMAT.into(),
            id: format!("d-{i:03}"),
            at: at(minute),
            client: "front-desk".into(),
            endpoint: DecidedBy::Uses,
            policy: "hotel_front_desk".into(),
            digest: table.document().digest.clone(),
            customer_id: format!("c-{}", rng.next(30)),
            employee_id: format!("e-{}", rng.next(8)),
            request,
            redacted: vec![],
            usage,
            decision,
            use_id: use_id.clone(),
            committed: false,
            idempotency_key: None,
        })));
        let Some(use_id) = use_id else { continue };
        let follow = |amount: i64| UseLine {
            log: FORMAT.into(),
            id: format!("l-{i:03}"),
            at: at(minute + 5),
            client: "front-desk".into(),
            policy: "hotel_front_desk".into(),
            use_id: use_id.clone(),
            customer_id: "c".into(),
            employee_id: "e".into(),
            action: action.into(),
            amount,
        };
        match rng.next(10) {
            0..=6 => {
                // Some commits give less than was decided.
                let final_amount = if rng.next(4) == 0 { amount / 2 } else { amount };
                lines.push(LogLine::Commit(follow(final_amount)));
                if rng.next(10) < 7 {
                    lines.push(LogLine::Outcome(OutcomeLine {
                        log: FORMAT.into(),
                        id: format!("o-{i:03}"),
                        at: at(minute + 60 * 24 * 3),
                        client: "crm".into(),
                        policy: "hotel_front_desk".into(),
                        digest: table.document().digest.clone(),
                        use_id: use_id.clone(),
                        outcome: "returned".into(),
                        achieved: rng.next(3) != 0,
                    }));
                }
            }
            7 | 8 => lines.push(LogLine::Release(follow(amount))),
            _ => {} // still held
        }
    }
    lines
}

/// What one rule did, counted from the lines.
#[derive(Debug, Default, Clone, PartialEq)]
struct Expected {
    decisions: u64,
    uses: u64,
    money: i64,
    escalations: u64,
    targets: BTreeMap<String, u64>,
    denials: u64,
    recorded: u64,
    achieved: u64,
}

/// Per rule name (or `No rule applies`), over decisions in `[from, to)`.
fn expected(lines: &[LogLine], from: &str, to: &str) -> BTreeMap<String, Expected> {
    let mut decisions: BTreeMap<String, &DecisionLine> = BTreeMap::new();
    let mut out: BTreeMap<String, Expected> = BTreeMap::new();
    let names = |d: &DecisionLine| -> Vec<String> {
        if d.decision.rules.is_empty() {
            vec!["No rule applies".into()]
        } else {
            d.decision.rules.iter().map(|r| words(r)).collect()
        }
    };
    for l in lines {
        if let LogLine::Decision(d) = l {
            if d.at.as_str() < from || d.at.as_str() >= to {
                continue;
            }
            for r in names(d) {
                let e = out.entry(r).or_default();
                e.decisions += 1;
                match d.decision.decision {
                    Outcome::Deny | Outcome::Forbid => e.denials += 1,
                    Outcome::Escalate => {
                        e.escalations += 1;
                        for t in &d.decision.escalate_to {
                            *e.targets.entry(t.replace('_', " ")).or_default() += 1;
                        }
                    }
                    Outcome::Permit => {}
                }
            }
            if let Some(u) = &d.use_id {
                decisions.insert(u.clone(), d);
            }
        }
    }
    for l in lines {
        match l {
            LogLine::Commit(c) => {
                if let Some(d) = decisions.get(&c.use_id) {
                    for r in names(d) {
                        let e = out.get_mut(&r).unwrap();
                        e.uses += 1;
                        e.money += c.amount;
                    }
                }
            }
            LogLine::Outcome(o) => {
                if let Some(d) = decisions.get(&o.use_id) {
                    assert!(d.decision.aims.contains(&o.outcome) || d.decision.aims.is_empty());
                    if d.decision.aims.contains(&o.outcome) {
                        // The two rules that aim at `returned` (`policy`).
                        for r in names(d)
                            .into_iter()
                            .filter(|r| r == "Room recovery" || r == "Manager recovery")
                        {
                            let e = out.get_mut(&r).unwrap();
                            e.recorded += 1;
                            e.achieved += u64::from(o.achieved);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Checks the outcome row of `rule` against `e`; whether it has one.
fn check_outcome(md: &str, rule: &str, e: &Expected) -> bool {
    if e.recorded == 0 {
        return false;
    }
    let line = md
        .lines()
        .find(|l| l.starts_with(&format!("| {rule} | Returned")))
        .unwrap_or_else(|| panic!("no outcome row for {rule}:\n{md}"));
    let share = format!("{:.1}%", 100.0 * e.achieved as f64 / e.recorded as f64);
    let per = (2 * e.money + e.achieved as i64) / (2 * e.achieved as i64);
    assert!(
        line.ends_with(&format!(
            "| {} | {} | {} | {share} | {} |",
            e.uses,
            e.recorded,
            e.achieved,
            usd(per)
        )),
        "{line}"
    );
    true
}

/// `room_recovery` → `Room recovery`.
fn words(name: &str) -> String {
    let s = name.replace('_', " ");
    s[..1].to_uppercase() + &s[1..]
}

fn usd(minor: i64) -> String {
    format!("{}.{:02} USD", minor / 100, minor % 100)
}

fn remit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_remit"))
        .args(args)
        .output()
        .unwrap()
}

/// The rows of the Markdown table under `## title`, by first cell.
fn table_rows(md: &str, title: &str) -> BTreeMap<String, Vec<String>> {
    let start = md.find(&format!("## {title}\n")).unwrap();
    let section = &md[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |e| e + 3)];
    section
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| Rule |") && !l.starts_with("| Role |"))
        .map(|l| {
            let cells: Vec<String> = l
                .trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_string())
                .collect();
            (cells[0].clone(), cells)
        })
        .collect()
}

struct Fixture {
    dir: tempfile::TempDir,
    policy: PathBuf,
    log: PathBuf,
    lines: Vec<LogLine>,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let policy = policy(dir.path());
    let table = dir.path().join("table.json");
    let built = remit(&[
        "build",
        policy.to_str().unwrap(),
        "-o",
        table.to_str().unwrap(),
    ]);
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let evaluator = Evaluator::from_json(std::fs::read(&table).unwrap()).unwrap();
    let lines = week(&evaluator);
    let mut text: Vec<String> = lines
        .iter()
        .map(|l| serde_json::to_string(l).unwrap())
        .collect();
    // Another policy's decision, which the report leaves out and says so.
    let mut other = serde_json::from_str::<Value>(&text[0]).unwrap();
    other["policy"] = json!("spa");
    text.insert(3, other.to_string());
    let log = dir.path().join("decisions.log");
    std::fs::write(&log, text.join("\n") + "\n").unwrap();
    Fixture {
        dir,
        policy,
        log,
        lines,
    }
}

#[test]
fn the_reports_figures_equal_those_counted_from_the_log() {
    let f = fixture();
    let out = f.dir.path().join("out");
    let run = remit(&[
        "report",
        f.log.to_str().unwrap(),
        "--policy",
        f.policy.to_str().unwrap(),
        "--from",
        "2026-12-02",
        "--to",
        "2026-12-06",
        "-o",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    let expected = expected(&f.lines, "2026-12-02", "2026-12-07");
    let rows = table_rows(&md, "By rule");
    assert_eq!(
        rows.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "{md}"
    );
    let mut aimed = 0;
    for (rule, e) in &expected {
        let r = &rows[rule];
        let targets = if e.targets.is_empty() {
            "—".to_string()
        } else {
            e.targets
                .iter()
                .map(|(t, n)| format!("{t} ({n})"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        assert_eq!(
            r[1..],
            [
                e.decisions.to_string(),
                e.uses.to_string(),
                usd(e.money),
                e.escalations.to_string(),
                targets,
                e.denials.to_string()
            ],
            "{rule}"
        );
        aimed += u32::from(check_outcome(&md, rule, e));
    }
    assert_eq!(aimed, 2, "both aiming rules have outcomes:\n{md}");
    let total_uses: u64 = table_rows(&md, "By role")
        .values()
        .map(|r| r[2].parse::<u64>().unwrap())
        .sum();
    let in_period: Vec<&str> = f
        .lines
        .iter()
        .filter_map(|l| match l {
            LogLine::Decision(d)
                if d.at.as_str() >= "2026-12-02" && d.at.as_str() < "2026-12-07" =>
            {
                d.use_id.as_deref()
            }
            _ => None,
        })
        .collect();
    let commits = f
        .lines
        .iter()
        .filter(|l| matches!(l, LogLine::Commit(c) if in_period.contains(&c.use_id.as_str())))
        .count() as u64;
    assert_eq!(
        total_uses, commits,
        "every committed use belongs to one role"
    );
    assert!(
        md.contains("1 decision of policy `spa` is not counted"),
        "{md}"
    );
    insta::assert_snapshot!("hotel_week_report", md);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.matches("<svg").count() >= 3, "three charts");
    for external in ["<script", "<link", " src=", "url(", "@import"] {
        assert!(!html.contains(external), "the page loads `{external}`");
    }
    assert!(html.contains("Money given by rule"));
    // tests/doc/render.sh screenshots this page in headless Chromium.
    if let Ok(keep) = std::env::var("REMIT_REPORT_HTML") {
        std::fs::copy(out.join("report.html"), keep).unwrap();
    }
}

#[test]
fn a_malformed_line_is_named_counted_and_the_report_is_still_written() {
    let f = fixture();
    let mut text = std::fs::read_to_string(&f.log).unwrap();
    text.insert_str(
        0,
        "{\"kind\":\"decision\",\"log\":\"remit.log/1\"}\nnot json\n",
    );
    std::fs::write(&f.log, text).unwrap();
    let out = f.dir.path().join("out");
    let run = remit(&[
        "report",
        f.log.to_str().unwrap(),
        "--policy",
        f.policy.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("warning: line 1 of"), "{stderr}");
    assert!(stderr.contains("warning: line 2 of"), "{stderr}");
    assert!(stderr.contains("incomplete: 2 lines of"), "{stderr}");
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains(
            "Incomplete: 2 lines could not be read and are not counted (line 1: missing field"
        ),
        "{md}"
    );
}

#[test]
fn bad_periods_and_empty_logs_are_refused_with_a_help() {
    let f = fixture();
    let out = f.dir.path().join("out");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "report",
            f.log.to_str().unwrap(),
            "--policy",
            f.policy.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let o = remit(&args);
        assert_eq!(o.status.code(), Some(2));
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    let e = run(&["--from", "last week"]);
    assert!(
        e.starts_with("error: `--from last week` is not a date or an RFC 3339 time"),
        "{e}"
    );
    assert!(e.contains("help: write a date such as `2026-12-01`"), "{e}");
    let e = run(&["--from", "2026-12-05", "--to", "2026-12-04"]);
    assert!(e.contains("is not before"), "{e}");
    let e = run(&["--from", "2027-01-01"]);
    assert!(
        e.contains("has no decisions of policy `hotel_front_desk` to report; 240 of its decisions are outside the period; it has decisions of `spa`"),
        "{e}"
    );
    assert!(!out.exists(), "nothing is written for a refused report");
}

#[test]
fn a_compiled_table_and_standard_input_do_as_well() {
    use std::io::Write;
    let f = fixture();
    let out = f.dir.path().join("out");
    let table = f.dir.path().join("table.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_remit"))
        .args(["report", "-", "--policy", table.to_str().unwrap(), "-o"])
        .arg(&out)
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&std::fs::read(&f.log).unwrap())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    // Without the sources, names are turned into words and there are no
    // doc comments to describe the rules.
    assert!(md.contains("\n| Room recovery | "), "{md}");
    assert!(!md.contains("The everyday box"), "{md}");
    assert!(
        md.contains("Read from the decision log on standard input: every decision in the log."),
        "{md}"
    );
    let rows = table_rows(&md, "By rule");
    let expected = expected(&f.lines, "", "9999");
    assert_eq!(
        rows["Room recovery"][1],
        expected["Room recovery"].decisions.to_string()
    );
    assert_eq!(
        rows["Room recovery"][3],
        usd(expected["Room recovery"].money)
    );
}

/// A `remit serve` process, killed when dropped.
struct Serve(std::process::Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Issue 19's scripted scenario: the hotel example served to three
/// clients, a week's worth of requests (seven batches of 30, the service's
/// clock being real), outcomes recorded; then `remit report`, whose
/// figures equal those counted here from the log, and `remit replay`
/// against a tightened table, whose counts equal deciding each logged line
/// again with `remit eval`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_the_real_service_wrote_reports_what_it_served() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let policy = policy(dir.path());
    let table = dir.path().join("table.json");
    let built = remit(&[
        "build",
        policy.to_str().unwrap(),
        "-o",
        table.to_str().unwrap(),
    ]);
    assert!(built.status.success());
    let log = dir.path().join("serve.log");
    let store = format!("sqlite:{}", dir.path().join("usage.db").display());
    let clients = [
        ("front_desk_app", "fd-0123456789abcdef0123456789abcdef"),
        ("kiosk", "ki-0123456789abcdef0123456789abcdef"),
        ("call_centre", "cc-0123456789abcdef0123456789abcdef"),
    ];
    let tokens = dir.path().join("tokens");
    let lines_of_tokens: Vec<String> = clients.iter().map(|(n, t)| format!("{n}:{t}")).collect();
    std::fs::write(&tokens, lines_of_tokens.join("\n") + "\n").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_remit"))
        .args([
            "serve",
            "--table",
            table.to_str().unwrap(),
            "--store",
            &store,
        ])
        .args(["--listen", "127.0.0.1:0", "--log", log.to_str().unwrap()])
        .args(["--tokens", tokens.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let mut serve = Serve(child);
    let addr = loop {
        let line = lines
            .next()
            .expect("`remit serve` exited before listening")
            .unwrap();
        if let Some(rest) = line.split("listening on http://").nth(1) {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    let http = reqwest::Client::new();
    let post = |path: String, body: Value, token: &'static str| {
        let http = http.clone();
        async move {
            let r = http
                .post(path)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            r.json::<Value>().await.unwrap()
        }
    };
    let url = |p: &str| format!("http://{addr}{p}");
    let mut rng = Rng(7);
    for i in 0..210 {
        let token = clients[i % clients.len()].1;
        let role = rng.pick(&["front_desk", "duty_manager", "general_manager"]);
        let amount = [2000, 6000, 15000, 60000][rng.next(4) as usize];
        let body = json!({
            "policy": "hotel_front_desk", "customer_id": format!("c-{}", i % 7),
            "employee_id": format!("e-{}", i % 3), "role": role, "action": "refund",
            "params": {"amount": amount},
            "customer": {"tier": rng.pick(&["gold", "standard"]), "tenure_days": 400,
                         "nights_this_year": 3, "flagged_for_abuse": false, "products": []},
            "context": {"incident": rng.pick(&["noise", "billing_error", "lost_item"]),
                        "channel": "in_person", "wait": 10, "bill_total": 30000},
        });
        let answer = post(url("/v1/uses"), body, token).await;
        let Some(id) = answer["use_id"].as_str() else {
            continue;
        };
        if rng.next(4) == 0 {
            post(url(&format!("/v1/uses/{id}/release")), json!({}), token).await;
            continue;
        }
        post(
            url(&format!("/v1/uses/{id}/commit")),
            json!({"amount": amount / 2}),
            token,
        )
        .await;
        let achieved = rng.next(3) != 0;
        let recorded = post(
            url("/v1/outcomes"),
            json!({"use_id": id, "outcome": "returned", "achieved": achieved}),
            token,
        )
        .await;
        assert_eq!(recorded["achieved"], json!(achieved), "{recorded}");
    }
    let term = Command::new("kill")
        .args(["-TERM", &serve.0.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    assert!(serve.0.wait().unwrap().success());
    // The figures counted here, from the lines the service wrote.
    let lines: Vec<LogLine> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let expected = expected(&lines, "", "9999");
    let out = dir.path().join("out");
    let run = remit(&[
        "report",
        log.to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    let rows = table_rows(&md, "By rule");
    assert!(expected.values().any(|e| e.uses > 0 && e.money > 0), "{md}");
    for (rule, e) in &expected {
        let r = &rows[rule];
        assert_eq!(
            (&r[1], &r[2], &r[3], &r[4], &r[6]),
            (
                &e.decisions.to_string(),
                &e.uses.to_string(),
                &usd(e.money),
                &e.escalations.to_string(),
                &e.denials.to_string()
            ),
            "{rule}:\n{md}"
        );
        check_outcome(&md, rule, e);
    }
    let recorded: u64 = expected.values().map(|e| e.recorded).sum();
    assert!(
        recorded > 0,
        "outcomes were recorded for aiming rules:\n{md}"
    );
    // Every client is named in the log.
    let raw = std::fs::read_to_string(&log).unwrap();
    for (name, _) in clients {
        assert!(raw.contains(&format!("\"client\":\"{name}\"")), "{name}");
    }
    replay_equals_eval_of_each_line(dir.path(), &policy, &log);
}

/// `remit replay` of `log` against the policy with the general manager's
/// cap cut from 5000 to 100 USD: its counts equal `remit eval` of each logged
/// line on that table.
fn replay_equals_eval_of_each_line(dir: &Path, policy: &Path, log: &Path) {
    use std::io::Write;
    let tight_dir = dir.join("tight").join("hotel_front_desk");
    std::fs::create_dir_all(&tight_dir).unwrap();
    for f in ["schema.remit", "rules.remit"] {
        let text = std::fs::read_to_string(policy.join(f)).unwrap();
        let text = text.replacen("limit amount <= 5000 USD", "limit amount <= 100 USD", 1);
        std::fs::write(tight_dir.join(f), text).unwrap();
    }
    let tight = dir.join("tight.json");
    let built = remit(&[
        "build",
        tight_dir.to_str().unwrap(),
        "-o",
        tight.to_str().unwrap(),
    ]);
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let out = remit(&[
        "replay",
        log.to_str().unwrap(),
        "--table",
        tight.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut expected = 0;
    let mut decisions = 0;
    for line in std::fs::read_to_string(log).unwrap().lines() {
        let l: Value = serde_json::from_str(line).unwrap();
        if l["kind"] != "decision" {
            continue;
        }
        decisions += 1;
        let mut request = l["request"].clone();
        request["usage"] = l["usage"].clone();
        let mut child = Command::new(env!("CARGO_BIN_EXE_remit"))
            .args(["eval", "--table", tight.to_str().unwrap(), "--request", "-"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(request.to_string().as_bytes())
            .unwrap();
        let after: Value =
            serde_json::from_slice(&child.wait_with_output().unwrap().stdout).unwrap();
        let before = &l["decision"];
        if !["decision", "escalate_to", "obligations", "notify"]
            .iter()
            .all(|k| after[k] == before[k])
        {
            expected += 1;
        }
    }
    assert_eq!(report["decisions"], decisions, "{report}");
    assert_eq!(report["changed"], expected, "{report}");
    assert!(
        expected > 0,
        "the tightened table changes nothing: the test shows nothing"
    );
}
