//! Hot reload under load: no request fails, each answer carries the digest
//! that decided it, and a corrupt table is refused while the old one keeps
//! serving.

use crate::support::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tables_swap_under_load_and_a_corrupt_one_is_refused() {
    // `a` and `c` permit 10.00; `b` allows at most 1.00, so it escalates.
    let a = table("sha256:a", 5000, 1_000_000, 1000);
    let b = table("sha256:b", 100, 1_000_000, 1000);
    let c = table("sha256:c", 5000, 1_000_000, 1000);
    let s = InProcess::start(&a, None, None).await;
    let done = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Mutex::new(Vec::<(String, String)>::new()));
    let mut tasks = Vec::new();
    for n in 0..16 {
        let (url, done, seen) = (s.url(""), done.clone(), seen.clone());
        tasks.push(tokio::spawn(async move {
            let http = client();
            let mut i = 0;
            while !done.load(Ordering::Relaxed) {
                i += 1;
                let path = if i % 2 == 0 { "/v1/decide" } else { "/v1/uses" };
                let body = refund(&format!("c{n}-{i}"), "e", 1000);
                let (st, r) = post(&http, &format!("{url}{path}"), &body).await;
                assert_eq!(st, 200, "{r}");
                let digest = r["digest"].as_str().unwrap().to_string();
                let decision = r["decision"].as_str().unwrap().to_string();
                seen.lock().unwrap().push((digest, decision));
            }
        }));
    }
    let http = client();
    tokio::time::sleep(Duration::from_millis(300)).await;
    write_atomic(&s.table, &b);
    tokio::time::sleep(Duration::from_millis(300)).await;
    write_atomic(&s.table, "{\"format\": \"remit.table/1\", \"rows\": [");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, status) = get(&http, &s.url("/v1/status")).await;
    assert_eq!(status["tables"][0]["digest"], "sha256:b", "{status}");
    let refused = status["refused"][0]["message"].as_str().unwrap_or("");
    assert!(refused.contains("not valid JSON"), "{status}");
    let (_, r) = post(&http, &s.url("/v1/decide"), &refund("x", "e", 1000)).await;
    assert_eq!(
        (r["digest"].as_str(), r["decision"].as_str()),
        (Some("sha256:b"), Some("escalate"))
    );
    write_atomic(&s.table, &c);
    tokio::time::sleep(Duration::from_millis(300)).await;
    done.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await.unwrap();
    }
    let seen = seen.lock().unwrap().clone();
    let mut digests = BTreeSet::new();
    for (digest, decision) in seen.iter() {
        let expected = if digest == "sha256:b" {
            "escalate"
        } else {
            "permit"
        };
        assert_eq!(
            decision, expected,
            "an answer named `{digest}` but was decided by another table"
        );
        digests.insert(digest.clone());
    }
    assert_eq!(
        digests.into_iter().collect::<Vec<_>>(),
        ["sha256:a", "sha256:b", "sha256:c"],
        "every table served in turn"
    );
    let (_, status) = get(&http, &s.url("/v1/status")).await;
    assert_eq!(
        status["refused"],
        Value::Array(vec![]),
        "a good table clears the refusal"
    );
    let metrics = metrics(&http, &s.url("/metrics"), None).await;
    assert!(
        metrics.contains(r#"remit_table_reloads_total{result="refused"} 1"#),
        "{metrics}"
    );
    s.stop().await.unwrap();
}
