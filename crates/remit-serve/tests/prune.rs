//! Idempotency keys are forgotten after their retention, a bounded batch
//! at a time, on both backends; the service prunes them by itself.

use crate::support::*;
use remit_serve::ledger::{self, CounterPlan, Decided, HoldOutcome, HoldStep, Ledger, Scope};
use remit_serve::prune;
use serde_json::json;
use std::time::Duration;

/// Decides nothing and holds nothing, remembering `key` as seen at `now`.
async fn see(ledger: &dyn Ledger, key: &str, now: i64) -> HoldOutcome {
    let step = HoldStep {
        scope: Scope {
            policy: "shop".into(),
            customer_id: "c1".into(),
            employee_id: "e1".into(),
        },
        plan: CounterPlan::default(),
        now,
        idempotency: Some((key.into(), "hash".into())),
        decide: Box::new(move |_| Decided {
            response: json!({"seen_at": now}),
            record: None,
        }),
    };
    ledger.hold(step).await.unwrap()
}

/// Five keys seen a day ago, two just now: a round of passes of two keys
/// forgets the five old ones in three passes and keeps the young ones.
async fn old_keys_are_forgotten_in_bounded_passes(store: &str) {
    let ledger = ledger::open(store).await.unwrap();
    let now = 100 * 86_400_000;
    let old = now - 86_400_000 - 100;
    for k in 0..5 {
        see(ledger.as_ref(), &format!("old-{k}"), old + k).await;
    }
    for k in 0..2 {
        see(ledger.as_ref(), &format!("young-{k}"), now - k).await;
    }
    let before = prune::forget_before(now, prune::IDEMPOTENCY_RETENTION);
    // One pass deletes at most its batch, oldest first.
    assert_eq!(ledger.prune_idempotency(before, 2).await.unwrap(), 2);
    assert!(
        matches!(
            see(ledger.as_ref(), "old-0", now).await,
            HoldOutcome::Decided(_)
        ),
        "the oldest key is forgotten first: it is new again"
    );
    assert!(
        matches!(
            see(ledger.as_ref(), "old-2", now).await,
            HoldOutcome::Replayed(_)
        ),
        "a pass forgets no more than its batch"
    );
    // A round runs passes until one finds less than a batch.
    assert_eq!(
        prune::prune_round(ledger.as_ref(), before, 2, 100)
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        prune::prune_round(ledger.as_ref(), before, 2, 100)
            .await
            .unwrap(),
        0
    );
    for k in 0..2 {
        assert!(
            matches!(
                see(ledger.as_ref(), &format!("young-{k}"), now).await,
                HoldOutcome::Replayed(v) if v == json!({"seen_at": now - k})
            ),
            "a key younger than the retention is remembered"
        );
    }
    // And a round stops after its passes, whatever is left.
    for k in 0..7 {
        see(ledger.as_ref(), &format!("later-{k}"), old + k).await;
    }
    assert_eq!(
        prune::prune_round(ledger.as_ref(), before, 2, 2)
            .await
            .unwrap(),
        4
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_idempotency_keys_are_pruned_in_bounded_passes_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sqlite:{}", dir.path().join("usage.db").display());
    old_keys_are_forgotten_in_bounded_passes(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_idempotency_keys_are_pruned_in_bounded_passes_on_postgres() {
    let Some(url) = postgres("old_idempotency_keys_are_pruned_in_bounded_passes_on_postgres")
    else {
        return;
    };
    old_keys_are_forgotten_in_bounded_passes(&fresh_database(&url, "remit_prune").await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_forgets_keys_after_their_retention() {
    let s = InProcess::start_with(&table("sha256:a", 5000, 10000, 5), None, None, |o| {
        o.idempotency_retention = Duration::from_millis(200);
        o.prune_every = Duration::from_millis(50);
    })
    .await;
    let c = client();
    let mut body = refund("c1", "e1", 300);
    body["idempotency_key"] = json!("k-1");
    let (st, _) = post(&c, &s.url("/v1/uses"), &body).await;
    assert_eq!(st, 200);
    body["params"]["amount"] = json!(10);
    let (st, r) = post(&c, &s.url("/v1/uses"), &body).await;
    assert_eq!(st, 409, "within its retention the key is remembered: {r}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (st, r) = post(&c, &s.url("/v1/uses"), &body).await;
    assert_eq!(st, 200, "past its retention the key is new again: {r}");
    assert_eq!(r["decision"], "permit");
    let text = metrics(&c, &s.url("/metrics"), None).await;
    assert!(
        text.contains("remit_idempotency_keys_pruned_total 1"),
        "{text}"
    );
    s.stop().await.unwrap();
}
