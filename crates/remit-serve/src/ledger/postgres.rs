//! The shared ledger: PostgreSQL, for any number of replicas.
//!
//! Each decide-and-hold is one READ COMMITTED transaction that first takes
//! transaction-scoped advisory locks (`pg_advisory_xact_lock`) on the
//! policy's customer and employee (and the idempotency key), in ascending
//! key order, then reads the counters, decides, and writes. Every writer
//! of a subject's rows holds that subject's lock until it commits, and a
//! READ COMMITTED statement sees everything committed before it started,
//! so the counters a transaction reads after its locks are exactly the
//! committed state: decide-and-hold is serialisable per customer and per
//! employee across replicas (docs/service.md).

use super::sql::{self, Dialect, Param};
use super::{
    finish_redecide, lock_key, lock_keys, plan_commit, CommitOutcome, CommitPlan, CommitStep,
    CounterPlan, Counts, HoldOutcome, HoldStep, Ledger, Millis, OutcomeRecord, OutcomeWrite,
    ReleaseOutcome, Scope, StoreError, UseRecord, UseState,
};
use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime, Timeouts};
use remit_table::CounterPer;
use std::time::Duration;
use tokio::sync::OnceCell;
use tokio_postgres::types::ToSql;
use tokio_postgres::NoTls;

/// Connections per service instance.
const POOL_SIZE: usize = 32;

/// The advisory lock every replica takes while migrating the schema.
const MIGRATION_LOCK: i64 = 0x7265_6d69_745f_6d67; // "remit_mg"

/// The PostgreSQL ledger.
pub struct PostgresLedger {
    location: String,
    pool: Pool,
    migrated: OnceCell<()>,
}

fn pg_err(e: impl std::fmt::Display) -> StoreError {
    StoreError(format!("postgres: {e}"))
}

/// The URL without its password, for `/v1/status` and messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{user}@{}", &url[..scheme + 3], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

impl PostgresLedger {
    /// Makes a connection pool for `url` and tries to migrate the schema.
    /// An unreachable database is not fatal: the service starts, is not
    /// ready, answers 503, and migrates on the first request that reaches
    /// the database.
    pub async fn connect(url: &str) -> Result<PostgresLedger, StoreError> {
        let config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| StoreError(format!("`{}` is not a PostgreSQL URL: {e}", redact(url))))?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .timeouts(Timeouts {
                wait: Some(Duration::from_secs(5)),
                create: Some(Duration::from_secs(3)),
                recycle: Some(Duration::from_secs(3)),
            })
            .build()
            .map_err(pg_err)?;
        let ledger = PostgresLedger {
            location: redact(url),
            pool,
            migrated: OnceCell::new(),
        };
        if let Err(e) = ledger.ready().await {
            eprintln!("warning: the PostgreSQL ledger is not reachable yet: {e}");
        }
        Ok(ledger)
    }

    async fn ready(&self) -> Result<(), StoreError> {
        self.migrated
            .get_or_try_init(|| async {
                let mut client = self.pool.get().await.map_err(pg_err)?;
                let tx = client.transaction().await.map_err(pg_err)?;
                tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
                    .await
                    .map_err(pg_err)?;
                tx.batch_execute(
                    "CREATE TABLE IF NOT EXISTS remit_schema (version INTEGER NOT NULL)",
                )
                .await
                .map_err(pg_err)?;
                let current: i32 = tx
                    .query_one("SELECT COALESCE(MAX(version), 0) FROM remit_schema", &[])
                    .await
                    .map_err(pg_err)?
                    .get(0);
                for (i, migration) in sql::MIGRATIONS.iter().enumerate() {
                    let version = i as i32 + 1;
                    if version <= current {
                        continue;
                    }
                    tx.batch_execute(migration).await.map_err(|e| {
                        StoreError(format!(
                            "cannot migrate the PostgreSQL ledger to version {version}: {e}"
                        ))
                    })?;
                    tx.execute(
                        "INSERT INTO remit_schema (version) VALUES ($1)",
                        &[&version],
                    )
                    .await
                    .map_err(pg_err)?;
                }
                tx.commit().await.map_err(pg_err)
            })
            .await
            .map(|_| ())
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        self.ready().await?;
        self.pool.get().await.map_err(pg_err)
    }
}

fn bind(params: &[Param]) -> Vec<Box<dyn ToSql + Sync + Send>> {
    params
        .iter()
        .map(|p| -> Box<dyn ToSql + Sync + Send> {
            match p {
                Param::Text(s) => Box::new(s.clone()),
                Param::Int(i) => Box::new(*i),
            }
        })
        .collect()
}

async fn counts_tx(
    client: &impl GenericClient,
    scope: &Scope,
    plan: &CounterPlan,
    now: Millis,
) -> Result<Counts, StoreError> {
    let mut counts = Counts::new();
    for per in [CounterPer::Customer, CounterPer::Employee] {
        let counters: Vec<_> = plan.of(per).collect();
        let Some(q) = sql::counter_query(Dialect::Postgres, scope, per, &counters, now) else {
            continue;
        };
        let boxed = bind(&q.params);
        let refs: Vec<&(dyn ToSql + Sync)> = boxed.iter().map(|b| b.as_ref() as _).collect();
        let stmt = client.prepare_cached(&q.sql).await.map_err(pg_err)?;
        let row = client.query_one(&stmt, &refs).await.map_err(pg_err)?;
        for (i, c) in counters.iter().enumerate() {
            let v: i64 = row.try_get(i).map_err(pg_err)?;
            counts.insert(c.id.clone(), v);
        }
    }
    Ok(counts)
}

/// Takes the advisory locks `keys` (sorted ascending) in one statement:
/// the function scan yields the array's elements in order and each row's
/// lock is taken as the row is produced, so the locks are taken in the
/// array's order. (Were the order ever different, two transactions could
/// deadlock, which PostgreSQL detects and this service answers with a 503
/// deny; atomicity does not depend on the order.)
async fn lock(client: &impl GenericClient, keys: &[i64]) -> Result<(), StoreError> {
    let stmt = client
        .prepare_cached("SELECT pg_advisory_xact_lock(k) FROM unnest($1::BIGINT[]) AS k")
        .await
        .map_err(pg_err)?;
    client.execute(&stmt, &[&keys]).await.map_err(pg_err)?;
    Ok(())
}

fn read_use(row: &tokio_postgres::Row) -> Result<UseRecord, StoreError> {
    let keys: String = row.try_get(6).map_err(pg_err)?;
    let request: String = row.try_get(10).map_err(pg_err)?;
    let state: String = row.try_get(7).map_err(pg_err)?;
    Ok(UseRecord {
        id: row.try_get(0).map_err(pg_err)?,
        scope: Scope {
            policy: row.try_get(1).map_err(pg_err)?,
            customer_id: row.try_get(2).map_err(pg_err)?,
            employee_id: row.try_get(3).map_err(pg_err)?,
        },
        action: row.try_get(4).map_err(pg_err)?,
        amount: row.try_get(5).map_err(pg_err)?,
        keys: serde_json::from_str(&keys).unwrap_or_default(),
        state: UseState::parse(&state)?,
        created_at: row.try_get(8).map_err(pg_err)?,
        expires_at: row.try_get(9).map_err(pg_err)?,
        request: serde_json::from_str(&request).unwrap_or_default(),
    })
}

async fn get_tx(
    client: &impl GenericClient,
    id: &str,
    for_update: bool,
) -> Result<Option<UseRecord>, StoreError> {
    let sql = format!(
        "SELECT {} FROM uses WHERE id = $1{}",
        sql::USE_COLUMNS,
        if for_update { " FOR UPDATE" } else { "" }
    );
    let stmt = client.prepare_cached(&sql).await.map_err(pg_err)?;
    let row = client.query_opt(&stmt, &[&id]).await.map_err(pg_err)?;
    row.as_ref().map(read_use).transpose()
}

async fn insert_tx(
    client: &impl GenericClient,
    r: &UseRecord,
    now: Millis,
) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO uses ({}, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        sql::USE_COLUMNS
    );
    let stmt = client.prepare_cached(&sql).await.map_err(pg_err)?;
    client
        .execute(
            &stmt,
            &[
                &r.id,
                &r.scope.policy,
                &r.scope.customer_id,
                &r.scope.employee_id,
                &r.action,
                &r.amount,
                &r.keys.to_string(),
                &r.state.as_str(),
                &r.created_at,
                &r.expires_at,
                &r.request.to_string(),
                &now,
            ],
        )
        .await
        .map_err(pg_err)?;
    Ok(())
}

async fn update_tx(
    client: &impl GenericClient,
    r: &UseRecord,
    now: Millis,
) -> Result<(), StoreError> {
    let stmt = client
        .prepare_cached(
            "UPDATE uses SET amount = $1, state = $2, created_at = $3, expires_at = $4, updated_at = $5 WHERE id = $6",
        )
        .await
        .map_err(pg_err)?;
    client
        .execute(
            &stmt,
            &[
                &r.amount,
                &r.state.as_str(),
                &r.created_at,
                &r.expires_at,
                &now,
                &r.id,
            ],
        )
        .await
        .map_err(pg_err)?;
    Ok(())
}

#[async_trait]
impl Ledger for PostgresLedger {
    fn kind(&self) -> &'static str {
        "postgres"
    }

    fn location(&self) -> String {
        self.location.clone()
    }

    async fn ping(&self) -> Result<(), StoreError> {
        let client = self.client().await?;
        client.execute("SELECT 1", &[]).await.map_err(pg_err)?;
        Ok(())
    }

    async fn counts(
        &self,
        scope: &Scope,
        plan: &CounterPlan,
        now: Millis,
    ) -> Result<Counts, StoreError> {
        let client = self.client().await?;
        counts_tx(&client, scope, plan, now).await
    }

    async fn hold(&self, step: HoldStep) -> Result<HoldOutcome, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg_err)?;
        let mut keys = lock_keys(&step.scope);
        if let Some((key, _)) = &step.idempotency {
            keys.push(lock_key("", "idempotency", key));
            keys.sort_unstable();
            keys.dedup();
        }
        lock(&tx, &keys).await?;
        if let Some((key, hash)) = &step.idempotency {
            let stmt = tx
                .prepare_cached("SELECT body_hash, response FROM idempotency WHERE key = $1")
                .await
                .map_err(pg_err)?;
            let seen = tx.query_opt(&stmt, &[key]).await.map_err(pg_err)?;
            if let Some(row) = seen {
                let seen_hash: String = row.try_get(0).map_err(pg_err)?;
                let response: String = row.try_get(1).map_err(pg_err)?;
                return Ok(if &seen_hash == hash {
                    HoldOutcome::Replayed(serde_json::from_str(&response).unwrap_or_default())
                } else {
                    HoldOutcome::KeyConflict
                });
            }
        }
        let counts = counts_tx(&tx, &step.scope, &step.plan, step.now).await?;
        let decided = (step.decide)(&counts);
        if let Some(record) = &decided.record {
            insert_tx(&tx, record, step.now).await?;
        }
        if let Some((key, hash)) = &step.idempotency {
            let stmt = tx
                .prepare_cached(
                    "INSERT INTO idempotency (key, body_hash, response, created_at) VALUES ($1, $2, $3, $4)",
                )
                .await
                .map_err(pg_err)?;
            tx.execute(
                &stmt,
                &[key, hash, &decided.response.to_string(), &step.now],
            )
            .await
            .map_err(pg_err)?;
        }
        tx.commit().await.map_err(pg_err)?;
        Ok(HoldOutcome::Decided(decided.response))
    }

    async fn commit(&self, step: CommitStep) -> Result<CommitOutcome, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg_err)?;
        let Some(record) = get_tx(&tx, &step.id, true).await? else {
            return Ok(CommitOutcome::NotFound);
        };
        let outcome = match plan_commit(record, step.amount, step.now) {
            CommitPlan::Answer(outcome) => outcome,
            CommitPlan::Write(record) => {
                update_tx(&tx, &record, step.now).await?;
                CommitOutcome::Committed(record)
            }
            CommitPlan::Redecide(record, amount) => {
                lock(&tx, &lock_keys(&record.scope)).await?;
                let plan = step.redecide.plan(&record, step.now);
                let counts = counts_tx(&tx, &record.scope, &plan, step.now).await?;
                let decided = step.redecide.decide(&record, amount, &counts);
                let (write, outcome) = finish_redecide(record, decided, step.now);
                if let Some(w) = write {
                    update_tx(&tx, &w, step.now).await?;
                }
                outcome
            }
        };
        tx.commit().await.map_err(pg_err)?;
        Ok(outcome)
    }

    async fn release(&self, id: &str, now: Millis) -> Result<ReleaseOutcome, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg_err)?;
        let Some(mut record) = get_tx(&tx, id, true).await? else {
            return Ok(ReleaseOutcome::NotFound);
        };
        let outcome = match record.state {
            UseState::Committed => ReleaseOutcome::Committed(record),
            UseState::Released => ReleaseOutcome::AlreadyReleased(record),
            UseState::Held => {
                record.state = UseState::Released;
                update_tx(&tx, &record, now).await?;
                ReleaseOutcome::Released(record)
            }
        };
        tx.commit().await.map_err(pg_err)?;
        Ok(outcome)
    }

    async fn get(&self, id: &str) -> Result<Option<UseRecord>, StoreError> {
        let client = self.client().await?;
        get_tx(&client, id, false).await
    }

    async fn record_outcome(&self, o: OutcomeRecord) -> Result<OutcomeWrite, StoreError> {
        let client = self.client().await?;
        let insert = client
            .prepare_cached(&format!(
                "INSERT INTO outcomes ({}) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (use_id, outcome) DO NOTHING",
                sql::OUTCOME_COLUMNS
            ))
            .await
            .map_err(pg_err)?;
        let inserted = client
            .execute(
                &insert,
                &[
                    &o.use_id,
                    &o.outcome,
                    &o.achieved,
                    &o.policy,
                    &o.digest,
                    &o.client,
                    &o.recorded_at,
                ],
            )
            .await
            .map_err(pg_err)?;
        if inserted == 1 {
            return Ok(OutcomeWrite::Recorded(o));
        }
        // The row that stopped the insert is committed (a conflicting
        // insert waits for the other transaction to end), so it is read.
        let select = client
            .prepare_cached(&format!(
                "SELECT {} FROM outcomes WHERE use_id = $1 AND outcome = $2",
                sql::OUTCOME_COLUMNS
            ))
            .await
            .map_err(pg_err)?;
        let r = client
            .query_one(&select, &[&o.use_id, &o.outcome])
            .await
            .map_err(pg_err)?;
        let stored = OutcomeRecord {
            use_id: r.try_get(0).map_err(pg_err)?,
            outcome: r.try_get(1).map_err(pg_err)?,
            achieved: r.try_get(2).map_err(pg_err)?,
            policy: r.try_get(3).map_err(pg_err)?,
            digest: r.try_get(4).map_err(pg_err)?,
            client: r.try_get(5).map_err(pg_err)?,
            recorded_at: r.try_get(6).map_err(pg_err)?,
        };
        Ok(OutcomeWrite::of_existing(&o, stored))
    }

    async fn live_holds(&self, now: Millis) -> Result<i64, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "SELECT COUNT(*) FROM uses WHERE state = 'held' AND expires_at > $1",
                &[&now],
            )
            .await
            .map_err(pg_err)?;
        row.try_get(0).map_err(pg_err)
    }

    async fn prune_idempotency(&self, before: Millis, limit: i64) -> Result<u64, StoreError> {
        // Replicas prune at the same time: each skips the keys another is
        // deleting rather than waiting for them.
        let client = self.client().await?;
        client
            .execute(
                "DELETE FROM idempotency WHERE key IN \
                 (SELECT key FROM idempotency WHERE created_at <= $1 \
                  ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)",
                &[&before, &limit],
            )
            .await
            .map_err(pg_err)
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn urls_lose_their_password() {
        assert_eq!(
            redact("postgres://u:secret@h:5432/db"),
            "postgres://u@h:5432/db"
        );
        assert_eq!(redact("postgres://h/db"), "postgres://h/db");
    }
}
