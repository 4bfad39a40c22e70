//! End to end over real HTTP: decide, hold, commit, release, usage,
//! idempotency, expiry, status and probes.

use crate::support::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_use_is_decided_held_committed_and_counted() {
    let s = InProcess::start(&table("sha256:a", 5000, 10000, 3), None, None).await;
    let c = client();

    let (st, d) = post(&c, &s.url("/v1/decide"), &refund("c1", "e1", 4000)).await;
    assert_eq!(st, 200, "{d}");
    assert_eq!(d["decision"], "permit");
    assert_eq!(d["digest"], "sha256:a");
    assert_eq!(d["policy"], "shop");
    assert_eq!(d["obligations"], json!(["reason_code"]));
    assert_eq!(d["usage"]["customer/refund/sum/P1D"], 0);
    assert!(d.get("use_id").is_none(), "decide records nothing");

    let (st, h) = post(&c, &s.url("/v1/uses"), &refund("c1", "e1", 4000)).await;
    assert_eq!(st, 200, "{h}");
    assert_eq!(h["decision"], "permit");
    assert_eq!(h["state"], "held");
    let id = h["use_id"].as_str().unwrap().to_string();

    let usage_url = s.url("/v1/usage?policy=shop&customer_id=c1&employee_id=e1");
    let (_, u) = get(&c, &usage_url).await;
    assert_eq!(
        u["counters"]["customer/refund/sum/P1D"], 4000,
        "a live hold counts"
    );
    assert_eq!(u["counters"]["employee/refund/count/P1D"], 1);

    // Commit with a smaller final amount; a repeat is idempotent.
    let commit = s.url(&format!("/v1/uses/{id}/commit"));
    let (st, r) = post(&c, &commit, &json!({"amount": 2500})).await;
    assert_eq!(
        (st, &r["state"], &r["amount"]),
        (200, &json!("committed"), &json!(2500)),
        "{r}"
    );
    let (st, _) = post(&c, &commit, &json!({})).await;
    assert_eq!(st, 200);
    let (st, r) = post(&c, &commit, &json!({"amount": 100})).await;
    assert_eq!(st, 409, "{r}");
    assert_eq!(r["error"]["code"], "commit_conflict");
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("25.00 USD"),
        "{r}"
    );
    let (st, r) = post(&c, &s.url(&format!("/v1/uses/{id}/release")), &json!({})).await;
    assert_eq!(
        (st, r["error"]["code"].as_str()),
        (409, Some("use_committed"))
    );
    let (_, u) = get(&c, &usage_url).await;
    assert_eq!(u["counters"]["customer/refund/sum/P1D"], 2500);

    // The budget: 25.00 used, 80.00 asked, 100.00 allowed → escalate, and
    // nothing is held.
    let (st, e) = post(&c, &s.url("/v1/uses"), &refund("c1", "e1", 8000)).await;
    assert_eq!(st, 200, "{e}");
    assert_eq!(e["decision"], "escalate");
    assert_eq!(e["escalate_to"], json!(["manager"]));
    assert_eq!(e["use_id"], json!(null));
    let (_, u) = get(&c, &usage_url).await;
    assert_eq!(
        u["counters"]["customer/refund/count/P1D"], 1,
        "an escalation holds nothing"
    );

    // A hold released stops counting; release is idempotent; a released
    // hold cannot be committed.
    let (_, h) = post(&c, &s.url("/v1/uses"), &refund("c1", "e1", 1000)).await;
    let id2 = h["use_id"].as_str().unwrap().to_string();
    let release = s.url(&format!("/v1/uses/{id2}/release"));
    assert_eq!(post(&c, &release, &json!({})).await.0, 200);
    let (st, r) = post(&c, &release, &json!({})).await;
    assert_eq!((st, &r["state"]), (200, &json!("released")));
    let (st, r) = post(&c, &s.url(&format!("/v1/uses/{id2}/commit")), &json!({})).await;
    assert_eq!(
        (st, r["error"]["code"].as_str()),
        (409, Some("use_released"))
    );
    let (_, u) = get(&c, &usage_url).await;
    assert_eq!(u["counters"]["customer/refund/sum/P1D"], 2500);

    // Committed at once.
    let mut body = refund("c1", "e1", 500);
    body["commit"] = json!(true);
    let (_, r) = post(&c, &s.url("/v1/uses"), &body).await;
    assert_eq!(r["state"], "committed");
    let (st, r) = post(&c, &s.url("/v1/uses/no-such-use/commit"), &json!({})).await;
    assert_eq!(
        (st, r["error"]["code"].as_str()),
        (404, Some("unknown_use"))
    );

    s.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_keys_answer_the_first_answer_and_hold_nothing_more() {
    let s = InProcess::start(&table("sha256:a", 5000, 10000, 5), None, None).await;
    let c = client();
    let mut body = refund("c1", "e1", 3000);
    body["idempotency_key"] = json!("k-1");
    let (_, first) = post(&c, &s.url("/v1/uses"), &body).await;
    let r = c.post(s.url("/v1/uses")).json(&body).send().await.unwrap();
    assert_eq!(r.headers()["idempotent-replayed"], "true");
    let again: serde_json::Value = r.json().await.unwrap();
    assert_eq!(again, first, "the same key and body give the first answer");
    let (_, u) = get(&c, &s.url("/v1/usage?policy=shop&customer_id=c1")).await;
    assert_eq!(u["counters"]["customer/refund/sum/P1D"], 3000, "held once");
    assert!(u["counters"].get("employee/refund/count/P1D").is_none());

    body["params"]["amount"] = json!(10);
    let (st, r) = post(&c, &s.url("/v1/uses"), &body).await;
    assert_eq!(st, 409, "{r}");
    assert_eq!(r["error"]["code"], "idempotency_key_reused");
    assert!(r["error"]["message"].as_str().unwrap().contains("`k-1`"));
    s.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn holds_expire_and_a_late_commit_is_decided_again() {
    let s = InProcess::start(&table("sha256:a", 5000, 5000, 10), None, None).await;
    let c = client();
    let usage = s.url("/v1/usage?policy=shop&customer_id=c1");
    let mut body = refund("c1", "e1", 3000);
    body["hold_seconds"] = json!(1);
    let (_, h) = post(&c, &s.url("/v1/uses"), &body).await;
    let late = h["use_id"].as_str().unwrap().to_string();
    body["params"]["amount"] = json!(1000);
    let (_, h) = post(&c, &s.url("/v1/uses"), &body).await;
    let late_small = h["use_id"].as_str().unwrap().to_string();
    let (_, u) = get(&c, &usage).await;
    assert_eq!(u["counters"]["customer/refund/sum/P1D"], 4000);
    tokio::time::sleep(std::time::Duration::from_millis(1300)).await;
    let (_, u) = get(&c, &usage).await;
    assert_eq!(
        u["counters"]["customer/refund/sum/P1D"], 0,
        "expired holds count no more"
    );

    // Meanwhile 40.00 of the 50.00 budget is committed by someone else.
    let mut other = refund("c1", "e2", 4000);
    other["commit"] = json!(true);
    assert_eq!(
        post(&c, &s.url("/v1/uses"), &other).await.1["state"],
        "committed"
    );

    // 30.00 no longer fits: re-decided, refused, not committed.
    let (st, r) = post(&c, &s.url(&format!("/v1/uses/{late}/commit")), &json!({})).await;
    assert_eq!(st, 409, "{r}");
    assert_eq!(r["error"]["code"], "hold_expired");
    assert_eq!(r["decision"]["decision"], "escalate");
    // 10.00 still fits: re-decided and committed.
    let (st, r) = post(
        &c,
        &s.url(&format!("/v1/uses/{late_small}/commit")),
        &json!({}),
    )
    .await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["redecided"], true);
    assert_eq!(r["decision"]["digest"], "sha256:a");
    let (_, u) = get(&c, &usage).await;
    assert_eq!(u["counters"]["customer/refund/sum/P1D"], 5000);
    s.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_probes_metrics_and_headroom() {
    let s = InProcess::start(&table("sha256:a", 5000, 10000, 5), None, None).await;
    let c = client();
    post(&c, &s.url("/v1/uses"), &refund("c1", "e1", 100)).await;
    let (st, status) = get(&c, &s.url("/v1/status")).await;
    assert_eq!(st, 200);
    assert_eq!(status["tables"][0]["digest"], "sha256:a");
    assert_eq!(status["store"]["kind"], "sqlite");
    assert_eq!(status["store"]["reachable"], true);
    assert_eq!(status["holds"]["live"], 1);
    assert_eq!(status["refused"], json!([]));
    assert_eq!(
        get(&c, &s.url("/healthz")).await,
        (200, json!({"status": "ok"}))
    );
    assert_eq!(
        get(&c, &s.url("/readyz")).await,
        (200, json!({"status": "ready"}))
    );
    let text = metrics(&c, &s.url("/metrics"), None).await;
    assert!(
        text.contains(
            r#"remit_decisions_total{decision="permit",endpoint="uses",policy="shop"} 1"#
        ),
        "{text}"
    );
    assert!(text.contains("remit_holds_live 1"), "{text}");
    assert!(
        text.contains("remit_request_duration_seconds_bucket"),
        "{text}"
    );
    // Headroom with the ledger's counters: c1 has 1.00 USD held against
    // the 100.00 USD budget, so the 50.00 USD cap is what binds.
    let mut body = refund("c1", "e1", 100);
    body["param"] = json!("amount");
    let (st, r) = post(&c, &s.url("/v1/headroom"), &body).await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["param"], "param.amount");
    assert_eq!(r["usage"]["customer/refund/sum/P1D"], 100, "{r}");
    assert_eq!(r["permitted"], json!([[0, 5000]]), "{r}");
    assert_eq!(r["permitted_text"], json!(["0.00 USD to 50.00 USD"]), "{r}");
    // Without `param` it says what is missing.
    let (st, r) = post(&c, &s.url("/v1/headroom"), &refund("c1", "e1", 100)).await;
    assert_eq!(st, 400, "{r}");
    assert!(r.to_string().contains("`param` is missing"), "{r}");
    let (st, r) = get(&c, &s.url("/v2/nothing")).await;
    assert_eq!((st, r["error"]["code"].as_str()), (404, Some("not_found")));
    s.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ledger_survives_a_restart() {
    let s = InProcess::start(&table("sha256:a", 5000, 10000, 5), None, None).await;
    let c = client();
    let mut body = refund("c1", "e1", 700);
    body["commit"] = json!(true);
    post(&c, &s.url("/v1/uses"), &body).await;
    let db = s.dir.path().join("usage.db");
    let table_text = std::fs::read_to_string(&s.table).unwrap();
    let (stopped, _keep) = s.shutdown().await;
    stopped.unwrap();
    let again = InProcess::start(&table_text, Some(format!("sqlite:{}", db.display())), None).await;
    let (_, u) = get(&c, &again.url("/v1/usage?policy=shop&customer_id=c1")).await;
    assert_eq!(u["counters"]["customer/refund/sum/P1D"], 700);
    again.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headroom_shrinks_as_the_budget_is_used() {
    // A 100.00 USD budget a day, 50.00 USD a refund.
    let s = InProcess::start(&table("sha256:h", 5000, 10000, 5), None, None).await;
    let c = client();
    let mut commit = refund("c7", "e1", 4000);
    commit["commit"] = json!(true);
    for _ in 0..2 {
        let (st, d) = post(&c, &s.url("/v1/uses"), &commit).await;
        assert_eq!((st, d["decision"].as_str()), (200, Some("permit")), "{d}");
    }
    // The amount need not be given: headroom is what it may be.
    let mut body = refund("c7", "e1", 0);
    body["params"] = json!({});
    body["param"] = json!("amount");
    let (st, r) = post(&c, &s.url("/v1/headroom"), &body).await;
    assert_eq!(st, 200, "{r}");
    // 80.00 USD used: 20.00 USD may still be given, and above it the
    // request goes to the manager (the rule's `otherwise`).
    assert_eq!(r["permitted"], json!([[0, 2000]]), "{r}");
    assert_eq!(r["above"]["decision"], "escalate", "{r}");
    assert_eq!(r["above"]["escalate_to"], json!(["manager"]), "{r}");
    // Exactly the top of the headroom is permitted, one cent more is not.
    let (_, d) = post(&c, &s.url("/v1/decide"), &refund("c7", "e1", 2000)).await;
    assert_eq!(d["decision"], "permit", "{d}");
    let (_, d) = post(&c, &s.url("/v1/decide"), &refund("c7", "e1", 2001)).await;
    assert_eq!(d["decision"], "escalate", "{d}");
    s.stop().await.unwrap();
}
