//! Keyed counters (LANGUAGE.md §8.2) kept by the service: a use counts for
//! the key values its request gave, and `per employee per customer` counts
//! only this employee's uses for this customer.

use crate::support::*;
use serde_json::{json, Value};

const TABLE: &str = r#"{"format":"remit.table/2","policy":{"name":"shop","version":null},
  "digest":"sha256:k","currency":{"code":"USD","scale":2},"timezone":"UTC","default":{"effect":"deny"},
  "roles":{"clerk":[]},"actions":{"refund":{"params":{"amount":"money"}}},
  "inputs":{"param.amount":{"type":"money"},"context.incident":{"type":"key"}},
  "counters":{
    "customer+context.incident/refund/count/all":{"per":["customer","context.incident"],"actions":["refund"],"measure":"count","window":{"all":true}},
    "employee+customer/refund/count/P1D":{"per":["employee","customer"],"actions":["refund"],"measure":"count","window":{"sliding_minutes":1440}}
  },
  "obligations":{},"outcomes":{},
  "rows":[{"rule":"once_per_incident","effect":"permit","roles":["clerk"],"actions":["refund"],
    "scope":{},"scope_relations":[],
    "limits":{"param.amount":{"max":5000},
      "customer+context.incident/refund/count/all":{"max":0},
      "employee+customer/refund/count/P1D":{"max":1}},
    "limit_relations":[],"obligations":[],"aims":[],"notify":[],"escalation":null}]}"#;

fn refund_for(customer: &str, employee: &str, incident: &str) -> Value {
    json!({
        "policy": "shop",
        "customer_id": customer,
        "employee_id": employee,
        "role": "clerk",
        "action": "refund",
        "params": {"amount": 1000},
        "context": {"incident": incident},
        "commit": true
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyed_counters_on_sqlite() {
    keyed_counters_count_per_key_and_per_employee_for_the_customer(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyed_counters_on_postgres() {
    let Some(url) = postgres("keyed_counters_on_postgres") else {
        return;
    };
    let store = fresh_database(&url, "remit_keyed").await;
    keyed_counters_count_per_key_and_per_employee_for_the_customer(Some(store)).await;
}

async fn keyed_counters_count_per_key_and_per_employee_for_the_customer(store: Option<String>) {
    let s = InProcess::start(TABLE, store, None).await;
    let c = client();
    let uses = s.url("/v1/uses");
    let decide = |body: Value| {
        let (c, uses) = (c.clone(), uses.clone());
        async move {
            let (st, d) = post(&c, &uses, &body).await;
            assert_eq!(st, 200, "{d}");
            d["decision"].as_str().unwrap_or("").to_string()
        }
    };
    assert_eq!(decide(refund_for("c1", "e1", "A")).await, "permit");
    // The same incident again: its one use is spent.
    assert_eq!(decide(refund_for("c1", "e1", "A")).await, "deny");
    // Another incident is counted apart.
    assert_eq!(decide(refund_for("c1", "e1", "B")).await, "permit");
    // Two uses by e1 for c1 today: e1 may not do a third, e2 may.
    assert_eq!(decide(refund_for("c1", "e1", "C")).await, "deny");
    assert_eq!(decide(refund_for("c1", "e2", "C")).await, "permit");
    // Another customer's incident `A` is that customer's.
    assert_eq!(decide(refund_for("c2", "e1", "A")).await, "permit");
    // A request without the key cannot be counted: it is invalid, denied.
    let mut missing = refund_for("c3", "e1", "A");
    missing["context"] = json!({});
    let (st, d) = post(&c, &uses, &missing).await;
    assert!(st == 200 || st == 422, "{d}");
    assert_ne!(d["decision"], "permit", "{d}");
    s.stop().await.unwrap();
}
