//! `/metrics` scraped: decisions by policy, decision and rule, latency
//! histograms, live holds, ledger errors and decision-log drops.

use crate::support::*;
use serde_json::json;
use std::collections::BTreeSet;

/// Every sample line is `series value`, and every metric has its `# HELP`
/// and `# TYPE`.
fn check_exposition(text: &str) {
    let mut typed = BTreeSet::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            typed.insert(rest.split(' ').next().unwrap().to_string());
            continue;
        }
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap();
        value.parse::<f64>().unwrap_or_else(|_| panic!("{line}"));
        let name = series.split('{').next().unwrap();
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| name.strip_suffix(s).filter(|f| typed.contains(*f)))
            .unwrap_or(name);
        assert!(typed.contains(family), "no # TYPE for {name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decisions_are_counted_by_policy_decision_and_rule() {
    let s = InProcess::start(&table("sha256:m", 5000, 10000, 5), None, None).await;
    let c = client();
    for amount in [100, 200, 300] {
        post(&c, &s.url("/v1/decide"), &refund("c1", "e1", amount)).await;
    }
    // Above the cap: escalated by the rule's escalation.
    post(&c, &s.url("/v1/decide"), &refund("c1", "e1", 9000)).await;
    // No rule for a `note`: the table's default deny, rule "".
    let mut note = refund("c1", "e1", 0);
    note["action"] = json!("note");
    note["params"] = json!({});
    let (st, d) = post(&c, &s.url("/v1/decide"), &note).await;
    assert_eq!((st, d["decision"].as_str()), (200, Some("deny")), "{d}");
    let (_, h) = post(&c, &s.url("/v1/uses"), &refund("c2", "e1", 100)).await;
    assert_eq!(h["state"], "held");
    // A bad request decides nothing and is counted nowhere here.
    post(&c, &s.url("/v1/decide"), &json!({"policy": "shop"})).await;

    let text = metrics(&c, &s.url("/metrics"), None).await;
    check_exposition(&text);
    for (series, value) in [
        (
            r#"remit_decisions_total{decision="permit",endpoint="decide",policy="shop"}"#,
            3.0,
        ),
        (
            r#"remit_decisions_total{decision="escalate",endpoint="decide",policy="shop"}"#,
            1.0,
        ),
        (
            r#"remit_decisions_total{decision="deny",endpoint="decide",policy="shop"}"#,
            1.0,
        ),
        (
            r#"remit_decisions_total{decision="permit",endpoint="uses",policy="shop"}"#,
            1.0,
        ),
        (
            r#"remit_decision_rules_total{decision="permit",policy="shop",rule="refunds"}"#,
            4.0,
        ),
        (
            r#"remit_decision_rules_total{decision="escalate",policy="shop",rule="refunds"}"#,
            1.0,
        ),
        (
            r#"remit_decision_rules_total{decision="deny",policy="shop",rule=""}"#,
            1.0,
        ),
        (
            r#"remit_decision_duration_seconds_count{endpoint="decide",policy="shop"}"#,
            5.0,
        ),
        (
            r#"remit_decision_duration_seconds_count{endpoint="uses",policy="shop"}"#,
            1.0,
        ),
        (
            r#"remit_decision_duration_seconds_bucket{endpoint="decide",policy="shop",le="+Inf"}"#,
            5.0,
        ),
        (
            r#"remit_request_duration_seconds_count{route="/v1/decide",status="200"}"#,
            5.0,
        ),
        (
            r#"remit_request_duration_seconds_count{route="/v1/decide",status="400"}"#,
            1.0,
        ),
        ("remit_holds_live", 1.0),
        ("remit_store_errors_total", 0.0),
        (r#"remit_log_lines_dropped_total{reason="full"}"#, 0.0),
    ] {
        assert_eq!(sample(&text, series), value, "{series}\n{text}");
    }
    // The drop series exist before any drop, for alerts.
    assert!(text.contains(r#"remit_log_lines_dropped_total{reason="full"} 0"#));
    assert!(text.contains(r#"remit_log_lines_dropped_total{reason="write_error"} 0"#));
    // Latency buckets are cumulative and end at the count.
    let buckets: Vec<f64> = text
        .lines()
        .filter(|l| l.starts_with(r#"remit_decision_duration_seconds_bucket{endpoint="decide""#))
        .map(|l| l.rsplit_once(' ').unwrap().1.parse().unwrap())
        .collect();
    assert!(
        buckets.len() > 5 && buckets.windows(2).all(|w| w[0] <= w[1]),
        "{buckets:?}"
    );
    s.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ledger_errors_are_counted_and_answered_with_a_deny() {
    // Nothing listens on port 1: every ledger operation fails.
    let s = InProcess::start(
        &table("sha256:m", 5000, 10000, 5),
        Some("postgres://remit@127.0.0.1:1/remit?connect_timeout=1".into()),
        None,
    )
    .await;
    let c = client();
    // The pruner's first round (at start) fails too, once; each scrape
    // fails to read the live holds. Wait for the pruner's error, then count
    // from there.
    let mut before = 0.0;
    for scrapes in 1..=100 {
        let text = metrics(&c, &s.url("/metrics"), None).await;
        before = sample(&text, "remit_store_errors_total");
        if before == f64::from(scrapes) + 1.0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    for _ in 0..2 {
        let (st, d) = post(&c, &s.url("/v1/decide"), &refund("c1", "e1", 100)).await;
        assert_eq!((st, d["decision"].as_str()), (503, Some("deny")), "{d}");
    }
    let text = metrics(&c, &s.url("/metrics"), None).await;
    check_exposition(&text);
    // Two decisions and the second scrape's own read of the live holds.
    assert_eq!(
        sample(&text, "remit_store_errors_total") - before,
        3.0,
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            r#"remit_decisions_total{decision="permit",endpoint="decide",policy="shop"}"#
        ),
        0.0
    );
    assert_eq!(
        sample(
            &text,
            r#"remit_request_duration_seconds_count{route="/v1/decide",status="503"}"#
        ),
        2.0
    );
    s.stop().await.unwrap();
}
