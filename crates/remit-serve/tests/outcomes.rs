//! `POST /v1/outcomes`: what came of a use, validated against the table's
//! declared outcomes and stored in the ledger (SQLite and PostgreSQL).

use crate::support::*;
use remit_serve::decision_log::LogOptions;
use serde_json::{json, Value};

/// One stored outcome: (use_id, outcome, achieved, policy, digest, client).
type Row = (String, String, bool, String, String, String);

enum Store {
    Sqlite,
    Postgres(String),
}

async fn stored(store: &Store, dir: &std::path::Path) -> Vec<Row> {
    const SQL: &str =
        "SELECT use_id, outcome, achieved, policy, digest, client FROM outcomes ORDER BY outcome";
    match store {
        Store::Sqlite => {
            let conn = rusqlite::Connection::open(dir.join("usage.db")).unwrap();
            let mut stmt = conn.prepare(SQL).unwrap();
            stmt.query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect()
        }
        Store::Postgres(url) => {
            let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(conn);
            client
                .query(SQL, &[])
                .await
                .unwrap()
                .iter()
                .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)))
                .collect()
        }
    }
}

async fn outcomes_are_checked_and_stored(store: Store) {
    let url = match &store {
        Store::Sqlite => None,
        Store::Postgres(url) => Some(url.clone()),
    };
    let log_dir = tempfile::tempdir().unwrap();
    let log = log_dir.path().join("d.log");
    let s = InProcess::start_with(&table_v2("sha256:v2", 5000, 10000, 5), url, None, |o| {
        o.log = Some(LogOptions {
            target: log.display().to_string(),
            ..LogOptions::default()
        })
    })
    .await;
    let c = client();
    let outcomes = s.url("/v1/outcomes");
    let mut body = refund("c1", "e1", 1000);
    body["commit"] = json!(true);
    let (st, used) = post(&c, &s.url("/v1/uses"), &body).await;
    assert_eq!((st, &used["state"]), (200, &json!("committed")), "{used}");
    assert_eq!(used["aims"], json!(["guest_retained"]), "{used}");
    let id = used["use_id"].as_str().unwrap().to_string();

    let first = json!({"use_id": id, "outcome": "guest_retained", "achieved": true});
    let r = c.post(&outcomes).json(&first).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("idempotent-replayed").is_none());
    let answer: Value = r.json().await.unwrap();
    assert_eq!(
        (
            &answer["use_id"],
            &answer["outcome"],
            &answer["achieved"],
            &answer["digest"]
        ),
        (
            &json!(id),
            &json!("guest_retained"),
            &json!(true),
            &json!("sha256:v2")
        )
    );
    // A repeat answers the first record; the other answer is a conflict.
    let r = c.post(&outcomes).json(&first).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["idempotent-replayed"], "true");
    assert_eq!(r.json::<Value>().await.unwrap(), answer);
    let (st, e) = post(
        &c,
        &outcomes,
        &json!({"use_id": id, "outcome": "guest_retained", "achieved": false}),
    )
    .await;
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (409, Some("outcome_conflict")),
        "{e}"
    );
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("as achieved"),
        "{e}"
    );
    // A second outcome of the same use.
    let (st, _) = post(
        &c,
        &outcomes,
        &json!({"use_id": id, "outcome": "complaint_closed", "achieved": false}),
    )
    .await;
    assert_eq!(st, 200);

    // An outcome the table does not declare.
    let (st, e) = post(
        &c,
        &outcomes,
        &json!({"use_id": id, "outcome": "happy", "achieved": true}),
    )
    .await;
    assert_eq!(st, 400, "{e}");
    assert_eq!(e["error"]["problems"][0]["field"], "outcome");
    assert_eq!(
        e["error"]["problems"][0]["message"],
        "policy `shop` declares no outcome `happy`"
    );
    assert_eq!(
        e["error"]["help"],
        "it declares `complaint_closed`, `guest_retained`"
    );
    assert_eq!(e["digest"], "sha256:v2");
    // No such use; a hold; a released hold.
    let (st, e) = post(
        &c,
        &outcomes,
        &json!({"use_id": "nope", "outcome": "guest_retained", "achieved": true}),
    )
    .await;
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (404, Some("unknown_use"))
    );
    let (_, held) = post(&c, &s.url("/v1/uses"), &refund("c2", "e1", 100)).await;
    let held_id = held["use_id"].as_str().unwrap().to_string();
    let (st, e) = post(
        &c,
        &outcomes,
        &json!({"use_id": held_id, "outcome": "guest_retained", "achieved": true}),
    )
    .await;
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (409, Some("use_not_committed")),
        "{e}"
    );
    assert!(e["error"]["help"].as_str().unwrap().contains("/commit"));
    post(
        &c,
        &s.url(&format!("/v1/uses/{held_id}/release")),
        &json!({}),
    )
    .await;
    let (st, e) = post(
        &c,
        &outcomes,
        &json!({"use_id": held_id, "outcome": "guest_retained", "achieved": true}),
    )
    .await;
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (409, Some("use_released")),
        "{e}"
    );
    // Every problem of a bad body at once.
    let (st, e) = post(&c, &outcomes, &json!({"use": id, "achieved": 1})).await;
    assert_eq!(st, 400);
    let fields: Vec<&str> = e["error"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["use", "use_id", "outcome", "achieved"]);

    let text = metrics(&c, &s.url("/metrics"), None).await;
    assert_eq!(
        sample(
            &text,
            r#"remit_outcomes_total{achieved="true",outcome="guest_retained",policy="shop"}"#
        ),
        1.0,
        "{text}"
    );
    let (stopped, dir) = s.shutdown().await;
    stopped.unwrap();
    assert_eq!(
        stored(&store, dir.path()).await,
        vec![
            (
                id.clone(),
                "complaint_closed".into(),
                false,
                "shop".into(),
                "sha256:v2".into(),
                "anonymous".into()
            ),
            (
                id.clone(),
                "guest_retained".into(),
                true,
                "shop".into(),
                "sha256:v2".into(),
                "anonymous".into()
            ),
        ]
    );
    // The log has the decision with its aims, and each outcome once.
    let lines: Vec<Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["decision"]["aims"], json!(["guest_retained"]));
    let recorded: Vec<(&str, bool)> = lines
        .iter()
        .filter(|l| l["kind"] == "outcome")
        .map(|l| {
            assert_eq!(
                (&l["use_id"], &l["digest"]),
                (&json!(id), &json!("sha256:v2"))
            );
            (
                l["outcome"].as_str().unwrap(),
                l["achieved"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        recorded,
        [("guest_retained", true), ("complaint_closed", false)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outcomes_are_checked_and_stored_on_sqlite() {
    outcomes_are_checked_and_stored(Store::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outcomes_are_checked_and_stored_on_postgres() {
    let Some(url) = postgres("outcomes_are_checked_and_stored_on_postgres") else {
        return;
    };
    outcomes_are_checked_and_stored(Store::Postgres(
        fresh_database(&url, "remit_outcomes").await,
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_format_1_table_declares_no_outcome_so_every_one_is_refused() {
    let s = InProcess::start(&table("sha256:v1", 5000, 10000, 5), None, None).await;
    let c = client();
    let mut body = refund("c1", "e1", 1000);
    body["commit"] = json!(true);
    let (_, used) = post(&c, &s.url("/v1/uses"), &body).await;
    assert!(used.get("aims").is_none(), "{used}");
    let (st, e) = post(
        &c,
        &s.url("/v1/outcomes"),
        &json!({"use_id": used["use_id"], "outcome": "guest_retained", "achieved": true}),
    )
    .await;
    assert_eq!(st, 400, "{e}");
    assert_eq!(
        e["error"]["problems"][0]["message"],
        "policy `shop` declares no outcomes (its table sha256:v1 is `remit.table/1`, which has none), so no outcome can be recorded for its uses"
    );
    assert!(
        e["error"]["help"]
            .as_str()
            .unwrap()
            .contains("LANGUAGE.md §8.5"),
        "{e}"
    );
    let (stopped, dir) = s.shutdown().await;
    stopped.unwrap();
    assert!(stored(&Store::Sqlite, dir.path()).await.is_empty());
}
